/**
 * The daily fan-out as the scheduler runs it, late. The engine's clock is set a few seconds before a UTC
 * midnight (a past day, so neither the worker's "now" nor today can pass for it); the scheduler is paused
 * (`/admin/pause`, as when the engine is down) over the slot at 23:59:59 and resumed after midnight, so the
 * slot runs late, on the next day. The run's data and every output notebook, the fan-out branches
 * included, are filed under the slot's day. Real engine, scheduler, worker and kernels.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { startPipelineStack, type PipelineStack } from '../helpers/pipeline';

const SLOT_DAY = '2026-02-27';
const MIDNIGHT = Date.UTC(2026, 1, 28);
const SLOT = MIDNIGHT - 1000; // 23:59:59 on SLOT_DAY

let stack: PipelineStack;
/** Added to the real time to make the engine's time (moved once the stack is set up). */
let shift = 0;
const engineNow = (): number => Date.now() + shift;

beforeAll(async () => {
  stack = await startPipelineStack({ engineClock: engineNow });
  await stack.register();
  const shipped = JSON.parse(
    readFileSync(path.join(__dirname, '..', '..', 'workflows', 'taskdefs.json'), 'utf8'),
  ) as Record<string, unknown>[];
  await stack.registerTaskDefs(shipped.map((d) => ({ ...d, retryDelaySeconds: 0 })));
  await stack.startWorker();
});

afterAll(async () => {
  await stack?.stop();
});

async function call(method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await stack.api(p, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it("a late scheduled nb_fanout run files its data and all its notebooks under the slot's day", async () => {
  const dataDir = path.join(stack.outputRoot, 'data');
  shift = MIDNIGHT - 3000 - Date.now(); // the engine's time: 23:59:57 on SLOT_DAY
  await call('GET', '/api/scheduler/admin/pause');
  await call('POST', '/api/scheduler/schedules', {
    name: 'late_daily',
    cronExpression: '59 59 23 * * *',
    zoneId: 'UTC',
    startWorkflowRequest: {
      name: 'nb_fanout',
      version: 1,
      input: { regions: ['us', 'gb'], rows: 100, data_dir: dataDir },
    },
  });
  await until('the engine clock to pass midnight', () => engineNow() > MIDNIGHT + 200);
  await call('GET', '/api/scheduler/admin/resume');

  // Catch-up off (the default): the missed slot runs once, late.
  let record: Record<string, unknown> | undefined;
  await until('the missed slot to run', async () => {
    const page = (await call(
      'GET',
      `/api/scheduler/search/executions?query=${encodeURIComponent('scheduleName IN (late_daily)')}`,
    )) as { results: Record<string, unknown>[] };
    record = page.results[0];
    return record !== undefined;
  });
  expect(record).toMatchObject({ state: 'EXECUTED', scheduledTime: SLOT });
  expect(record?.executionTime as number).toBeGreaterThan(MIDNIGHT); // it ran on the next day
  await call('PUT', '/api/scheduler/schedules/late_daily/pause');

  const id = String(record?.workflowId);
  const wf = await stack.waitFor(id);
  expect(wf.status).toBe('COMPLETED');
  expect(wf.input).toMatchObject({ _scheduledTime: SLOT, _startedByScheduler: 'late_daily' });
  expect(wf.output.run_date).toBe(SLOT_DAY);
  for (const region of ['us', 'gb'])
    expect(existsSync(path.join(dataDir, SLOT_DAY, `${region}.csv`))).toBe(true);

  const folder = path.join(stack.outputRoot, 'nb_fanout', SLOT_DAY, id);
  const notebooks = wf.tasks
    .filter((t) => t.taskType === 'notebook_run')
    .map((t) => String(t.outputData.outputNotebook))
    .sort();
  expect(notebooks).toEqual(
    ['extract', 'report', 'vid_agg_gb', 'vid_agg_us'].map((n) => path.join(folder, `${n}.ipynb`)),
  );
  for (const nb of notebooks) expect(existsSync(nb)).toBe(true);
});
