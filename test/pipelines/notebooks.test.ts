/**
 * The example notebooks in notebooks/, run for real through `nbconductor run` (in-process CLI, real
 * ipykernel kernels): each glues the documented scraps (test/fixtures/pipelines/scraps.json) with
 * plausible values, draws its chart, declares its parameters with help, and chained by hand the way
 * nb_fanout chains them (extract → vid_agg per region → report) the numbers add up.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { JsonObject, JsonValue } from '../../src/json';
import { parseNotebook } from '../../src/notebook/io';
import type { ErrorOutput, Notebook } from '../../src/notebook/types';
import { runCli } from '../helpers/cli';
import { validateWithNbformat } from '../helpers/nbformat';
import { testVenv } from '../helpers/python';
import { documentedScraps, exampleNotebooks, NOTEBOOKS_DIR } from './support/definitions';

const SCRAP_MIME = 'application/scrapbook.scrap.json+json';
const documented = documentedScraps();
let tmp: string;
/** The kernels' working directory (the worker's cwd in a real run): notebooks write data only here. */
let dir: string;

beforeAll(async () => {
  tmp = realpathSync(await mkdtemp(path.join(os.tmpdir(), 'nbc-pipelines-')));
  dir = path.join(tmp, 'work');
  await mkdir(dir);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stderr: string;
  nb: Notebook;
  scraps: Record<string, JsonValue>;
  images: number;
  errors: ErrorOutput[];
  stdout: string;
}

/** `nbconductor run notebooks/<name>.ipynb <out>` with -r for strings, -p for numbers, -y for the rest. */
async function run(name: string, out: string, params: Record<string, JsonValue>): Promise<Ran> {
  const args = ['run', path.join(NOTEBOOKS_DIR, `${name}.ipynb`), out, '--no-progress-bar'];
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'string') args.push('-r', k, v);
    else if (typeof v === 'number') args.push('-p', k, String(v));
    else if (typeof v === 'boolean') args.push('-p', k, v ? 'True' : 'False');
    else args.push('-y', JSON.stringify({ [k]: v }));
  }
  const r = await runCli(args, { cwd: dir });
  const nb = parseNotebook(readFileSync(path.join(dir, out)), out);
  const ran: Ran = { code: r.code, stderr: r.stderr, nb, scraps: {}, images: 0, errors: [], stdout: '' };
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    for (const o of cell.outputs) {
      if (o.output_type === 'error') ran.errors.push(o);
      if (o.output_type === 'stream') ran.stdout += o.text;
      if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') continue;
      if ('image/png' in o.data) ran.images++;
      const scrap = o.data[SCRAP_MIME] as JsonObject | undefined;
      if (scrap) ran.scraps[String(scrap.name)] = scrap.data ?? null; // later glues of a name win
    }
  }
  return ran;
}

function kind(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  return Array.isArray(v) ? 'array' : typeof v;
}

/** The scraps have exactly the documented names, each of the documented JSON type. */
function expectDocumentedScraps(notebook: string, scraps: Record<string, JsonValue>): void {
  const doc = documented[notebook] ?? {};
  expect(Object.keys(scraps).sort()).toEqual(Object.keys(doc).sort());
  const kinds = (o: Record<string, JsonValue | undefined>): Record<string, string> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, kind(v)]));
  expect(kinds(scraps)).toEqual(kinds(doc));
}

/** minutes per title from a CSV extract wrote (event_time,region,title,device,minutes; no quoted fields). */
function readEvents(file: string): { title: string; minutes: number }[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  expect(header).toBe('event_time,region,title,device,minutes');
  return rows.map((line) => {
    const f = line.split(',');
    return { title: f[2] as string, minutes: Number(f[4]) };
  });
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('example notebooks as files', () => {
  const names = exampleNotebooks();

  it('are the set the workflows use, and exactly what make_notebooks.py generates', () => {
    expect(names).toEqual([
      'alert',
      'extract',
      'fail_on_purpose',
      'ingest_landed',
      'notify_failure',
      'quality_check',
      'report',
      'vid_agg',
    ]);
    const out = path.join(tmp, 'generated');
    const gen = spawnSync(testVenv().python, [path.join(NOTEBOOKS_DIR, 'make_notebooks.py'), out], {
      encoding: 'utf8',
    });
    expect(gen.stderr).toBe('');
    expect(gen.status).toBe(0);
    expect(readdirSync(out).sort()).toEqual(names.map((n) => `${n}.ipynb`));
    for (const n of names) {
      expect(readFileSync(path.join(out, `${n}.ipynb`), 'utf8')).toBe(
        readFileSync(path.join(NOTEBOOKS_DIR, `${n}.ipynb`), 'utf8'),
      );
    }
  });

  it('are valid nbformat 4 with a python3 kernelspec, no outputs, a parameters cell and the glue helper', () => {
    const files = names.map((n) => path.join(NOTEBOOKS_DIR, `${n}.ipynb`));
    expect(validateWithNbformat(...files).filter((r) => !r.ok)).toEqual([]);
    for (const file of files) {
      const nb = parseNotebook(readFileSync(file), file);
      expect(nb.metadata.kernelspec).toMatchObject({ name: 'python3', language: 'python' });
      expect(nb.metadata.language_info).toMatchObject({ name: 'python' });
      const code = nb.cells.filter((c) => c.cell_type === 'code');
      expect(code.every((c) => c.outputs.length === 0 && c.execution_count === null)).toBe(true);
      expect(
        code.filter((c) => (c.metadata.tags as string[] | undefined)?.includes('parameters')),
      ).toHaveLength(1);
      expect(
        code.some((c) => c.source.includes('def glue(name, value):') && c.source.includes(SCRAP_MIME)),
      ).toBe(true);
      expect(code.some((c) => /import scrapbook|from scrapbook/.test(c.source))).toBe(false);
    }
  });

  it.each(names)(
    '%s: `inspect --json` lists every parameter with a type, a default and help',
    async (name) => {
      const r = await runCli(['inspect', path.join(NOTEBOOKS_DIR, `${name}.ipynb`), '--json'], { cwd: dir });
      expect(r.code).toBe(0);
      const parameters = (
        JSON.parse(r.stdout) as {
          parameters: { name: string; inferredType: string; default: string; help: string }[];
        }
      ).parameters;
      expect(parameters.length).toBeGreaterThan(0);
      for (const p of parameters) {
        expect(p.inferredType).not.toBe('None');
        expect(p.default).not.toBe('');
        expect(p.help.length).toBeGreaterThan(10);
      }
    },
  );
});

describe('example notebooks, run', () => {
  const RUN_DATE = '2024-03-05';
  let extract: Ran;

  beforeAll(async () => {
    extract = await run('extract', 'extract.ipynb', {
      run_date: RUN_DATE,
      regions: ['us', 'gb'],
      rows: 400,
      data_dir: 'data',
      seed: 7,
    });
  });

  it('extract writes one CSV per region under data_dir/run_date and glues where they are', async () => {
    expect(extract.errors).toEqual([]);
    expect(extract.code).toBe(0);
    expectDocumentedScraps('extract', extract.scraps);
    const dataPath = path.join(dir, 'data', RUN_DATE);
    const files = { us: path.join(dataPath, 'us.csv'), gb: path.join(dataPath, 'gb.csv') };
    expect(extract.scraps).toMatchObject({
      run_date: RUN_DATE,
      regions: ['us', 'gb'],
      row_count: 800,
      rows_by_region: { us: 400, gb: 400 },
      data_path: dataPath,
      files,
    });
    expect(readEvents(files.us)).toHaveLength(400);
    expect(extract.images).toBe(1);
    // Nothing lands outside data_dir besides the output notebook.
    expect(readdirSync(dir).filter((f) => !f.endsWith('.ipynb'))).toEqual(['data']);
    expect(readdirSync(dataPath).sort()).toEqual(['gb.csv', 'us.csv']);

    // Same seed and date ⇒ same events, whichever other regions are extracted with it.
    const alone = await run('extract', 'extract-gb.ipynb', {
      run_date: RUN_DATE,
      regions: ['gb'],
      rows: 400,
      data_dir: 'data-gb',
      seed: 7,
    });
    expect(alone.scraps.row_count).toBe(400);
    expect(readFileSync(path.join(dir, 'data-gb', RUN_DATE, 'gb.csv'), 'utf8')).toBe(
      readFileSync(files.gb, 'utf8'),
    );
  });

  it('extract → vid_agg per region → report, as nb_fanout chains them: the numbers add up', async () => {
    const files = extract.scraps.files as Record<string, string>;
    const regions = ['us', 'gb'];
    const aggs = await Promise.all(
      regions.map((region) =>
        run('vid_agg', `vid_agg_${region}.ipynb`, {
          region_code: region,
          run_date: RUN_DATE,
          data_path: String(extract.scraps.data_path),
        }),
      ),
    );
    aggs.forEach((agg, i) => {
      const region = regions[i] as string;
      expect(agg.errors).toEqual([]);
      expectDocumentedScraps('vid_agg', agg.scraps);
      expect(agg.images).toBe(1);
      const events = readEvents(files[region] as string);
      const perTitle = new Map<string, number>();
      for (const e of events) perTitle.set(e.title, (perTitle.get(e.title) ?? 0) + e.minutes);
      const top10 = agg.scraps.top10 as { title: string; minutes: number }[];
      expect(agg.scraps).toMatchObject({
        region_code: region,
        run_date: RUN_DATE,
        event_count: 400,
        total_minutes: sum(events.map((e) => e.minutes)),
        unique_titles: perTitle.size,
        top_title: top10[0]?.title,
      });
      expect(top10).toHaveLength(10);
      for (const t of top10) expect(t.minutes).toBe(perTitle.get(t.title));
      expect(top10.map((t) => t.minutes)).toEqual([...top10.map((t) => t.minutes)].sort((a, b) => b - a));
      expect(top10[0]?.minutes).toBe(Math.max(...perTitle.values()));
    });

    // What nb_fanout's gather step hands the report: region → that region's scraps.
    const regionResults = Object.fromEntries(aggs.map((a) => [String(a.scraps.region_code), a.scraps]));
    const regionNotebooks = Object.fromEntries(regions.map((r) => [r, `runs/demo/vid_agg_${r}.ipynb`]));
    const [report, fromList] = await Promise.all([
      run('report', 'report.ipynb', {
        region_results: regionResults,
        region_notebooks: regionNotebooks,
        run_date: RUN_DATE,
      }),
      // nb_switch and nb_with_failure pass a list of vid_agg scraps instead
      run('report', 'report-list.ipynb', { region_results: aggs.map((a) => a.scraps), run_date: RUN_DATE }),
    ]);
    expect(report.errors).toEqual([]);
    expectDocumentedScraps('report', report.scraps);
    const totals = aggs.map((a) => a.scraps.total_minutes as number);
    // the most minutes wins; a tie goes to the first region alphabetically
    const best = [...regions].sort(
      (a, b) =>
        Number(regionResults[b]?.total_minutes) - Number(regionResults[a]?.total_minutes) ||
        a.localeCompare(b),
    )[0];
    expect(report.scraps).toMatchObject({
      run_date: RUN_DATE,
      grand_total_minutes: sum(totals),
      best_region: best,
      regions_reported: ['gb', 'us'],
    });
    const summary = report.scraps.summary as { region: string; total_minutes: number; share: number }[];
    expect(summary.map((s) => s.region)[0]).toBe(best);
    expect(sum(summary.map((s) => s.total_minutes))).toBe(sum(totals));
    expect(sum(summary.map((s) => s.share))).toBeCloseTo(1, 2);
    expect(report.images).toBe(1);
    expect(report.stdout).toContain('us: runs/demo/vid_agg_us.ipynb');
    expect(fromList.scraps).toMatchObject({ grand_total_minutes: sum(totals), best_region: best });
  });

  it('quality_check glues ok, low_volume or invalid for the SWITCH', async () => {
    const files = extract.scraps.files as JsonObject;
    const [ok, low, invalid] = await Promise.all([
      run('quality_check', 'quality-ok.ipynb', { row_count: 800, files, min_rows: 500 }),
      run('quality_check', 'quality-low.ipynb', { row_count: 800, files, min_rows: 5000 }),
      run('quality_check', 'quality-invalid.ipynb', { row_count: 799, files, min_rows: 500 }),
    ]);
    expectDocumentedScraps('quality_check', ok.scraps);
    expect(ok.scraps).toMatchObject({
      status: 'ok',
      checked_rows: 800,
      rows_by_region: { us: 400, gb: 400 },
      problems: [],
    });
    expect(ok.images).toBe(1);
    expect(low.scraps).toMatchObject({
      status: 'low_volume',
      checked_rows: 800,
      reason: 'only 800 rows, expected at least 5000',
    });
    expect(invalid.scraps).toMatchObject({
      status: 'invalid',
      reason: 'extract reported 799 rows but the files hold 800',
    });
  });

  it('alert, notify_failure and fail_on_purpose glue what the failure paths report', async () => {
    const [alert, notify, failing, passing, missing] = await Promise.all([
      run('alert', 'alert.ipynb', {
        reason: 'only 40 rows',
        row_count: 40,
        min_rows: 1000,
        run_date: RUN_DATE,
      }),
      run('notify_failure', 'notify.ipynb', {
        workflow_id: 'wf-42',
        workflow_type: 'nb_with_failure',
        reason: 'vid_agg failed',
        failed_tasks: ['vid_agg'],
        failed_notebooks: ['runs/nb_with_failure/wf-42/vid_agg/attempt-0.ipynb', null],
      }),
      run('fail_on_purpose', 'fail.ipynb', { message: 'boom on purpose' }),
      run('fail_on_purpose', 'no-fail.ipynb', { fail: false }),
      run('vid_agg', 'vid_agg_zz.ipynb', { region_code: 'zz', data_path: String(extract.scraps.data_path) }),
    ]);
    expectDocumentedScraps('alert', alert.scraps);
    expect(alert.scraps).toMatchObject({ alerted: true, severity: 'warning' });
    expect(alert.scraps.message).toContain('only 40 rows');

    expectDocumentedScraps('notify_failure', notify.scraps);
    expect(notify.scraps).toMatchObject({
      notified: true,
      workflow_id: 'wf-42',
      failed_notebooks: ['runs/nb_with_failure/wf-42/vid_agg/attempt-0.ipynb'],
    });
    expect(notify.scraps.message).toBe(
      'Pipeline nb_with_failure FAILED: wf-42\nReason: vid_agg failed\nFailed tasks: vid_agg\n' +
        'Output notebook: runs/nb_with_failure/wf-42/vid_agg/attempt-0.ipynb',
    );

    expect(failing.code).toBe(1);
    expect(failing.errors.map((e) => [e.ename, e.evalue])).toEqual([['RuntimeError', 'boom on purpose']]);
    expect(failing.scraps).toEqual({ started: true });
    expect(passing.code).toBe(0);
    expectDocumentedScraps('fail_on_purpose', passing.scraps);

    expect(missing.code).toBe(1);
    expect(missing.errors[0]?.ename).toBe('FileNotFoundError');
    expect(missing.errors[0]?.evalue).toMatch(/no data for region 'zz'.*regions with data there: gb, us/);
  });
});
