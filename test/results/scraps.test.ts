/**
 * Scraps read from notebooks that really glued them: each notebook runs on a real ipykernel kernel
 * (local provider) through runNotebook, the output is read back from disk, and extractScraps reads it.
 * Edge cases a kernel cannot easily produce (malformed or foreign payloads) use hand-built outputs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { JsonObject } from '../../src/json';
import type { Notebook, Output } from '../../src/notebook/types';
import {
  PYTHON_GLUE_HELPER,
  extractScraps,
  offloadLargeValues,
  scrapData,
  summarizeRuns,
  type Scrap,
} from '../../src/results';
import type { Storage } from '../../src/storage';
import { captureLogger, quietLogger } from '../helpers/logger';
import { startTestProvider, type TestProvider } from '../helpers/providers';
import { fileStorage, pythonNotebook, runCells } from './support';

const logger = quietLogger();
let provider: TestProvider;
let dir: string;
let storage: Storage;

beforeAll(async () => {
  provider = await startTestProvider('local', logger);
  dir = await mkdtemp(path.join(os.tmpdir(), 'nbc-scraps-'));
  storage = fileStorage(dir, logger);
});

afterAll(async () => {
  await provider?.stop();
  await storage?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const DISPLAY_SCRAP = (name: string, bundle: string): string =>
  `display(${bundle}, metadata={"scrapbook": {"name": ${JSON.stringify(name)}, "data": False, "display": True}}, raw=True)`;

const GLUING_CELLS = [
  PYTHON_GLUE_HELPER,
  'glue("rows", 42)\nglue("name", "run-1")\nglue("items", [1, 2.5, "x", None, True])\nglue("info", {"a": {"b": [1, 2]}, "ok": False})',
  // scrapbook's text encoder, as sb.glue("note", "plain text") writes it
  'display({"application/scrapbook.scrap.text+json": {"name": "note", "data": "plain text", "encoder": "text", "version": 1}},\n' +
    '        metadata={"scrapbook": {"name": "note", "data": True, "display": False}}, raw=True)',
  // re-glued: the later value wins, the name keeps its first position
  'glue("rows", 43)',
  // sb.glue("shown", "value kept", display=True): a data output, then a display output of the same name
  `glue("shown", "value kept")\n${DISPLAY_SCRAP('shown', '{"text/plain": "shown!", "text/html": "<b>shown!</b>"}')}`,
  // a display-only scrap (sb.glue("chart", obj, encoder="display"))
  DISPLAY_SCRAP('chart', '{"text/plain": "a chart"}'),
  // papermill < 1.0: pm.record("legacy", {"x": 1})
  'display({"application/papermill.record+json": {"legacy": {"x": 1}}}, raw=True)',
  // a pandas scrap is base64 parquet: Node keeps it encoded (fake bytes: pyarrow is not needed to read it)
  'import base64\nframe_b64 = base64.b64encode(b"PAR1 not really parquet").decode()\n' +
    'display({"application/scrapbook.scrap.pandas+json": {"name": "frame", "data": frame_b64, "encoder": "pandas", "version": 1}},\n' +
    '        metadata={"scrapbook": {"name": "frame", "data": True, "display": False}}, raw=True)',
  // malformed payloads: skipped with a warning, never thrown
  'display({"application/scrapbook.scrap.json+json": {"name": "no_version", "data": 1}}, raw=True)\n' +
    'display({"application/scrapbook.scrap.json+json": {"name": "nulled", "data": None, "encoder": "json", "version": 1}}, raw=True)',
  // an execute_result carrying a scrap (an object whose mime bundle is a scrap payload)
  'class Scrappy:\n' +
    '    def _repr_mimebundle_(self, include=None, exclude=None):\n' +
    '        return {"application/scrapbook.scrap.json+json": {"name": "from_result", "data": [3], "encoder": "json", "version": 1}}\n' +
    'Scrappy()',
];

describe('scraps glued by a notebook on a real kernel', () => {
  let saved: Notebook;

  beforeAll(async () => {
    const nb = pythonNotebook(GLUING_CELLS, 'region = "eu"');
    const run = await runCells(nb, {
      provider,
      storage,
      dir,
      logger,
      name: 'glue',
      output: path.join(dir, 'glue.ipynb'),
    });
    expect(run.status).toBe('completed');
    saved = run.saved;
  });

  it('the one-line glue helper writes exactly what scrapbook.glue writes for JSON values', () => {
    const gluing = saved.cells.find((c) => c.source.startsWith('glue("rows", 42)'));
    if (gluing?.cell_type !== 'code') throw new Error('no gluing cell');
    expect(gluing.outputs[0]).toEqual({
      output_type: 'display_data',
      data: {
        'application/scrapbook.scrap.json+json': { name: 'rows', data: 42, encoder: 'json', version: 1 },
      },
      metadata: { scrapbook: { name: 'rows', data: true, display: false } },
    });
  });

  it('reads every scrap in first-glued order, later glues of a name winning', () => {
    const { logger: log, lines } = captureLogger('warn');
    const scraps = extractScraps(saved, { logger: log, source: 'glue.ipynb' });
    expect([...scraps.keys()]).toEqual([
      'rows',
      'name',
      'items',
      'info',
      'note',
      'shown',
      'chart',
      'legacy',
      'frame',
      'from_result',
    ]);
    expect(scrapData(scraps)).toEqual({
      rows: 43,
      name: 'run-1',
      items: [1, 2.5, 'x', null, true],
      info: { a: { b: [1, 2] }, ok: false },
      note: 'plain text',
      shown: 'value kept',
      legacy: { x: 1 },
      frame: { encoder: 'pandas', data: Buffer.from('PAR1 not really parquet').toString('base64') },
      from_result: [3],
    });
    expect(scraps.get('note')?.encoder).toBe('text');
    expect(scraps.get('legacy')?.encoder).toBe('json');

    // the malformed ones were skipped, each with a warning saying why and where
    const warnings = lines.map((l) => l.msg ?? '');
    expect(warnings).toEqual([
      expect.stringMatching(/malformed scrap.*no version/),
      expect.stringMatching(/malformed scrap.*"nulled": data is missing or null/),
    ]);
    expect(lines[0]).toMatchObject({ source: 'glue.ipynb', mime: 'application/scrapbook.scrap.json+json' });
  });

  it('a display glued after the data keeps the data and attaches the display; display-only scraps have no data', () => {
    const scraps = extractScraps(saved);
    const shown = scraps.get('shown') as Scrap;
    expect(shown).toMatchObject({ name: 'shown', data: 'value kept', encoder: 'json' });
    expect(shown.display).toMatchObject({
      output_type: 'display_data',
      data: { 'text/plain': 'shown!', 'text/html': '<b>shown!</b>' },
    });
    expect(scraps.get('chart')).toMatchObject({
      data: null,
      encoder: 'display',
      display: { data: { 'text/plain': 'a chart' } },
    });
    expect(scrapData(scraps)).not.toHaveProperty('chart');
  });

  it('a pandas scrap stays base64 parquet and is flagged undecoded', () => {
    expect(extractScraps(saved).get('frame')).toEqual({
      name: 'frame',
      data: Buffer.from('PAR1 not really parquet').toString('base64'),
      encoder: 'pandas',
      undecoded: true,
    });
  });
});

describe('summaries across runs', () => {
  const runsDir = (): string => path.join(dir, 'runs');

  beforeAll(async () => {
    const cells = [
      PYTHON_GLUE_HELPER,
      'glue("doubled", n * 2)',
      'assert n != 3, "three is not allowed"',
      'glue("after", True)',
    ];
    for (const n of [1, 2, 3]) {
      await runCells(pythonNotebook(cells, 'n = 0'), {
        provider,
        storage,
        dir,
        logger,
        name: `sum-${n}`,
        output: path.join(runsDir(), `n${n}`, 'attempt-0.ipynb'),
        parameters: { n },
      });
    }
    await writeFile(path.join(runsDir(), 'garbage.ipynb'), '{ not json');
    // a prepared-only notebook never started
    await runCells(pythonNotebook(cells, 'n = 0'), {
      provider,
      storage,
      dir,
      logger,
      name: 'prepared',
      output: path.join(runsDir(), 'prepared.ipynb'),
      extra: { prepareOnly: true },
    });
    // offloaded values next to a notebook are not runs
    await writeFile(path.join(runsDir(), 'n1', 'attempt-0.scraps.json'), '{}');
  });

  it('one row per output notebook: parameters, scraps, status, duration, exception', async () => {
    const rows = await summarizeRuns(storage, runsDir(), { logger });
    expect(rows.map((r) => path.relative(runsDir(), r.uri))).toEqual([
      'garbage.ipynb',
      'n1/attempt-0.ipynb',
      'n2/attempt-0.ipynb',
      'n3/attempt-0.ipynb',
      'prepared.ipynb',
    ]);
    const [garbage, n1, n2, n3, prepared] = rows;
    expect(garbage).toMatchObject({ status: 'unreadable', error: expect.stringMatching(/not valid JSON/) });
    expect(n1).toMatchObject({
      parameters: { n: 1 },
      scraps: { doubled: 2, after: true },
      status: 'completed',
      exception: null,
    });
    expect(n1?.duration).toEqual(expect.any(Number));
    expect(n2).toMatchObject({
      parameters: { n: 2 },
      scraps: { doubled: 4, after: true },
      status: 'completed',
    });
    // the failed run keeps what it glued before the error
    expect(n3).toMatchObject({
      parameters: { n: 3 },
      scraps: { doubled: 6 },
      status: 'failed',
      exception: true,
    });
    expect(n3?.scraps).not.toHaveProperty('after');
    expect(prepared).toMatchObject({ status: 'pending', duration: null });
  });
});

describe('payload edge cases (hand-built outputs)', () => {
  function nbWith(...outputs: Output[]): Notebook {
    const nb = pythonNotebook(['pass']);
    const cell = nb.cells[0];
    if (cell?.cell_type === 'code') cell.outputs = outputs;
    return nb;
  }
  const display = (data: JsonObject, metadata: JsonObject = {}): Output => ({
    output_type: 'display_data',
    data,
    metadata,
  });
  const payload = (name: string, data: unknown, encoder = 'json', version: unknown = 1): JsonObject =>
    ({ name, data, encoder, version }) as JsonObject;

  it('decodes like scrapbook: JSON text under the json encoder, str() under text, unknown encoders kept', () => {
    const { logger: log, lines } = captureLogger('warn');
    const scraps = extractScraps(
      nbWith(
        display({ 'application/scrapbook.scrap.json+json': payload('jsontext', '{"a": [1]}') }),
        display({ 'application/scrapbook.scrap.json+json': payload('plainstring', 'not json') }),
        display({ 'application/scrapbook.scrap.text+json': payload('num', 5, 'text') }),
        display({ 'application/scrapbook.scrap.text+json': payload('flag', true, 'text') }),
        display({ 'application/scrapbook.scrap.arrow+json': payload('custom', { cols: [] }, 'arrow') }),
        // a payload stored as a JSON string (some writers do) is parsed
        display({ 'application/scrapbook.scrap.json+json': JSON.stringify(payload('stringified', [1])) }),
        // a newer payload version is read, with a warning
        display({ 'application/scrapbook.scrap.json+json': payload('v2', 'x', 'json', 2) }),
        // a stream output is not a scrap even if it looks like one
        { output_type: 'stream', name: 'stdout', text: '{"name": "x"}' },
      ),
      { logger: log },
    );
    expect(scrapData(scraps)).toEqual({
      jsontext: { a: [1] },
      plainstring: 'not json',
      num: '5',
      flag: 'True',
      custom: { encoder: 'arrow', data: { cols: [] } },
      stringified: [1],
      v2: 'x',
    });
    expect(scraps.get('custom')?.undecoded).toBe(true);
    expect(lines.map((l) => l.msg)).toEqual([expect.stringMatching(/version 2 is newer/)]);
  });

  it('skips malformed payloads with a warning each and never throws', () => {
    const { logger: log, lines } = captureLogger('warn');
    const scraps = extractScraps(
      nbWith(
        display({ 'application/scrapbook.scrap.json+json': 'not json at all' }),
        display({ 'application/scrapbook.scrap.json+json': [1, 2] }),
        display({ 'application/scrapbook.scrap.json+json': payload('v', 1, 'json', '1') }),
        display({ 'application/scrapbook.scrap.json+json': { data: 1, encoder: 'json', version: 1 } }),
        display({ 'application/scrapbook.scrap.json+json': payload('enc', 1, 7 as unknown as string) }),
        display({ 'application/scrapbook.scrap.pandas+json': payload('pd', { not: 'base64' }, 'pandas') }),
        display({ 'application/scrapbook.scrap.display+json': payload('disp', 'x', 'display') }),
        display({ 'application/papermill.record+json': { empty_record: null } }),
        display({ 'application/papermill.record+json': 'nope' }),
        display({ 'application/scrapbook.scrap.json+json': payload('good', 1) }),
      ),
      { logger: log },
    );
    expect(scrapData(scraps)).toEqual({ good: 1 });
    expect(lines).toHaveLength(9);
    expect(
      lines.every((l) => l.level === 40 && typeof l.cell === 'number' && typeof l.output === 'number'),
    ).toBe(true);
  });

  it('papermill legacy displays count as display scraps; a later data output replaces a display-only scrap', () => {
    const scraps = extractScraps(
      nbWith(
        display({ 'text/plain': 'legacy display' }, { papermill: { name: 'pm_display' } }),
        display(
          { 'text/plain': 'shown first' },
          { scrapbook: { name: 'later_data', data: false, display: true } },
        ),
        display({ 'application/scrapbook.scrap.json+json': payload('later_data', 10) }),
      ),
    );
    expect(scraps.get('pm_display')).toMatchObject({ data: null, encoder: 'display' });
    // as scrapbook: a data output replaces the whole scrap (its display was in another output)
    expect(scraps.get('later_data')).toEqual({ name: 'later_data', data: 10, encoder: 'json' });
  });

  it('names that are not identifiers are values like any other ("__proto__" included)', () => {
    const scraps = extractScraps(
      nbWith(
        display({ 'application/scrapbook.scrap.json+json': payload('__proto__', { polluted: true }) }),
        display({ 'application/scrapbook.scrap.json+json': payload('a b/c', 1) }),
      ),
    );
    const data = scrapData(scraps);
    expect(Object.keys(data)).toEqual(['__proto__', 'a b/c']);
    expect(JSON.parse(JSON.stringify(data))).toEqual(
      JSON.parse('{"__proto__": {"polluted": true}, "a b/c": 1}'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

it('integers beyond 2^53 glued by a notebook stay exact: in the saved notebook, the scraps and offloaded files (issue 8)', async () => {
  const nb = pythonNotebook([
    PYTHON_GLUE_HELPER,
    'glue("big", 2**64 + 1)\nglue("nested", {"ids": [2**63 - 1, -(2**70), 7]})\nglue("many", list(range(2**60, 2**60 + 3000)))',
  ]);
  const output = path.join(dir, 'big.ipynb');
  const run = await runCells(nb, { provider, storage, dir, logger, name: 'big', output });
  const raw = (await storage.read(output)).toString('utf8');
  expect(raw).toContain('"data": 18446744073709551617');
  const data = scrapData(extractScraps(run.saved, { logger }));
  expect(data.big).toBe(18446744073709551617n);
  expect(data.nested).toEqual({ ids: [9223372036854775807n, -1180591620717411303424n, 7] });
  // a large value goes next to the notebook with its digits intact
  const out = await offloadLargeValues(data, { storage, baseUri: output, kind: 'scraps', limitBytes: 1024 });
  const ref = out.many as unknown as { $ref: string };
  const text = (await storage.read(ref.$ref)).toString('utf8');
  expect(text.startsWith('[1152921504606846976,1152921504606846977,')).toBe(true);
});
