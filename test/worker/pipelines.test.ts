/**
 * Every example workflow in workflows/ end to end: the embedded engine (driven through the official SDK),
 * the notebook_run worker with real kernels, and results flowing between notebooks.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { JsonObject } from '../../src/json';
import { parseNotebook } from '../../src/notebook/io';
import { startPipelineStack, type PipelineStack, type TaskRun, type WorkflowRun } from '../helpers/pipeline';

let stack: PipelineStack;
let dataDir: string;

beforeAll(async () => {
  stack = await startPipelineStack();
  await stack.register();
  // The shipped task definition backs off 10 s between retries; keep the semantics, shorten the wait.
  const shipped = JSON.parse(
    readFileSync(path.join(__dirname, '..', '..', 'workflows', 'taskdefs.json'), 'utf8'),
  ) as Record<string, unknown>[];
  await stack.registerTaskDefs(shipped.map((d) => ({ ...d, retryDelaySeconds: 0 })));
  dataDir = path.join(stack.outputRoot, 'data');
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.stop();
});

function task(wf: WorkflowRun, ref: string): TaskRun {
  const found = [...wf.tasks].reverse().find((t) => t.referenceTaskName === ref);
  if (!found) throw new Error(`no task ${ref} in ${wf.tasks.map((t) => t.referenceTaskName).join(', ')}`);
  return found;
}

function scraps(t: TaskRun): Record<string, unknown> {
  return t.outputData.scraps as Record<string, unknown>;
}

it('nb_linear: step 2 gets its parameters from step 1 scraps (Conductor wiring and worker templates)', async () => {
  const id = await stack.start('nb_linear', {
    run_date: '2026-03-01',
    region_code: 'gb',
    rows: 300,
    data_dir: dataDir,
  });
  const wf = await stack.waitFor(id);
  expect(wf.status).toBe('COMPLETED');
  const extract = task(wf, 'extract');
  const agg = task(wf, 'vid_agg');
  const injected = agg.outputData.parameters as Record<string, unknown>;
  expect(injected.data_path).toBe(scraps(extract).data_path);
  expect(injected.region_code).toBe('gb');
  expect(String(injected.label)).toContain(String(scraps(extract).row_count)); // rendered by a worker template
  expect(wf.output).toMatchObject({
    region_code: 'gb',
    run_date: '2026-03-01',
    total_minutes: scraps(agg).total_minutes,
  });
  expect(Number(wf.output.total_minutes)).toBeGreaterThan(0);
  // the default output location: <outputRoot>/<workflowType>/<workflowId>/<taskRef>/attempt-<n>.ipynb
  const nbPath = path.join(stack.outputRoot, 'nb_linear', id, 'vid_agg', 'attempt-0.ipynb');
  expect(agg.outputData.outputNotebook).toBe(nbPath);
  const nb = parseNotebook(readFileSync(nbPath), nbPath);
  expect(nb.metadata.nbconductor).toMatchObject({
    workflow_id: id,
    task_id: agg.taskId,
    task_ref: 'vid_agg',
    attempt: 0,
    workflow_type: 'nb_linear',
  });
  expect(JSON.stringify(nb)).toContain('image/png'); // the plot
});

it.each(['nb_fanout', 'nb_fanout_legacy'])(
  '%s: fans out one notebook per region and reports on the gathered results',
  async (name) => {
    const regions = ['us', 'gb', 'br'];
    const id = await stack.start(name, { run_date: '2026-03-02', regions, rows: 200, data_dir: dataDir });
    const wf = await stack.waitFor(id);
    expect(wf.status).toBe('COMPLETED');
    const branches = wf.tasks.filter(
      (t) => t.taskType === 'notebook_run' && !['extract', 'report'].includes(t.referenceTaskName),
    );
    expect(branches.map((b) => scraps(b).region_code).sort()).toEqual([...regions].sort());
    const totals: Record<string, number> = Object.fromEntries(
      branches.map((b) => [String(scraps(b).region_code), Number(scraps(b).total_minutes)]),
    );
    const report = scraps(task(wf, 'report'));
    expect(report.grand_total_minutes).toBe(Object.values(totals).reduce((a, b) => a + b, 0));
    const best = Object.entries(totals).sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(report.best_region).toBe(best);
    expect(wf.output.best_region).toBe(best);
    for (const b of branches) expect(existsSync(String(b.outputData.outputNotebook))).toBe(true);
    if (name !== 'nb_fanout') return;
    // nb_fanout files the run's notebooks under its date and workflow id, the fan-out branches included.
    const folder = path.join(stack.outputRoot, 'nb_fanout', '2026-03-02', id);
    const notebooks = Object.fromEntries(
      wf.tasks
        .filter((t) => t.taskType === 'notebook_run')
        .map((t) => [t.referenceTaskName, String(t.outputData.outputNotebook)]),
    );
    expect(notebooks).toEqual({
      extract: path.join(folder, 'extract.ipynb'),
      ...Object.fromEntries(
        branches.map((b) => [
          b.referenceTaskName,
          path.join(folder, `vid_agg_${String(scraps(b).region_code)}.ipynb`),
        ]),
      ),
      report: path.join(folder, 'report.ipynb'),
    });
    for (const nb of Object.values(notebooks)) expect(existsSync(nb)).toBe(true);
  },
);

it('nb_switch: routes on an upstream scrap (ok → report, low volume → alert)', async () => {
  const ok = await stack.waitFor(
    await stack.start('nb_switch', {
      run_date: '2026-03-03',
      rows: 300,
      min_rows: 100,
      regions: ['us'],
      region_code: 'us',
      data_dir: dataDir,
    }),
  );
  expect(ok.status).toBe('COMPLETED');
  expect(ok.output.status).toBe('ok');
  expect(ok.tasks.map((t) => t.referenceTaskName)).toEqual(expect.arrayContaining(['report']));
  expect(ok.tasks.map((t) => t.referenceTaskName)).not.toContain('alert');
  // The example's output template: under the output root, the input value kept to one path segment.
  expect(task(ok, 'agg').outputData.outputNotebook).toBe(
    path.join(stack.outputRoot, 'nb_switch', ok.workflowId, 'agg-us.ipynb'),
  );
  const low = await stack.waitFor(
    await stack.start('nb_switch', {
      run_date: '2026-03-03',
      rows: 10,
      min_rows: 100,
      regions: ['us'],
      region_code: 'us',
      data_dir: dataDir,
    }),
  );
  expect(low.status).toBe('COMPLETED');
  expect(low.output).toMatchObject({ status: 'low_volume', alerted: true });
  expect(low.tasks.map((t) => t.referenceTaskName)).not.toContain('report');
});

it('nb_with_failure: a notebook error fails the workflow and its failure workflow runs the notification notebook', async () => {
  const id = await stack.start('nb_with_failure', {
    run_date: '2026-03-04',
    region_code: 'xx',
    regions: ['us'],
    rows: 100,
    data_dir: dataDir,
  });
  const wf = await stack.waitFor(id);
  expect(wf.status).toBe('FAILED');
  const agg = task(wf, 'vid_agg');
  expect(agg.status).toBe('FAILED');
  expect(agg.outputData.error).toMatchObject({ ename: 'FileNotFoundError' });
  expect(existsSync(String(agg.outputData.outputNotebook))).toBe(true);
  expect(agg.reasonForIncompletion).toContain(String(agg.outputData.outputNotebook));
  const failureId = wf.output['conductor.failure_workflow'] as string;
  expect(typeof failureId).toBe('string');
  const notify = await stack.waitFor(failureId);
  expect(notify.status).toBe('COMPLETED');
  expect(notify.input.workflowId).toBe(id);
  expect(scraps(task(notify, 'notify'))).toMatchObject({ notified: true, workflow_id: id });
});

it('nb_data_landed: an event carrying a date and a URI starts the fan-out pipeline', async () => {
  const res = await stack.api(`/api/event/publish/data_landed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ run_date: '2026-03-05', uri: 's3://landing/2026-03-05/' }),
  });
  expect(res.ok).toBe(true);
  // OSS Conductor's correlated-workflows endpoint (the SDK's batch variant is Orkes-only)
  const url = `/api/workflow/nb_fanout/correlated/${encodeURIComponent('data_landed:2026-03-05')}?includeClosed=true`;
  let started: { workflowId?: string }[] = [];
  for (let i = 0; i < 100 && started.length === 0; i++) {
    started = (await (await stack.api(url)).json()) as { workflowId?: string }[];
    if (started.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  expect(started).toHaveLength(1);
  const wf = await stack.waitFor(started[0]?.workflowId as string);
  expect(wf.status).toBe('COMPLETED');
  expect(wf.input).toMatchObject({ run_date: '2026-03-05', source_uri: 's3://landing/2026-03-05/' });
  expect((task(wf, 'extract').outputData.parameters as JsonObject).source_uri).toBe(
    's3://landing/2026-03-05/',
  );
});
