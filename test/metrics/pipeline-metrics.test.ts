/**
 * The metrics endpoint scraped while a real pipeline runs (embedded engine, notebook_run worker, ipykernel
 * kernels): the numbers match what ran, as the engine's own API reports it. Poll errors from a worker
 * whose Conductor is unreachable.
 */
import http from 'node:http';

import { startWorkerRuntime } from '../../src/worker/runtime';
import { startMetrics, type Metrics } from '../../src/metrics';
import { packageRoot, packageVersion } from '../../src/paths';
import { fixturePath } from '../helpers/fixtures';
import { quietLogger } from '../helpers/logger';
import { startPipelineStack, testConfig, type PipelineStack, type TaskRun } from '../helpers/pipeline';
import { scrape, scrapeUntil, value, type Sample } from '../helpers/prometheus';

const TASKDEF = {
  name: 'notebook_run',
  ownerEmail: 'tests@example.com',
  retryCount: 0,
  timeoutSeconds: 300,
  timeoutPolicy: 'TIME_OUT_WF',
  // short, so the ~5 s notebook needs lease extensions to stay one attempt
  responseTimeoutSeconds: 3,
};

function workflow(
  name: string,
  tasks: { ref: string; notebook: string; parameters?: object }[],
): Record<string, unknown> {
  return {
    name,
    version: 1,
    schemaVersion: 2,
    ownerEmail: 'tests@example.com',
    tasks: tasks.map((t) => ({
      name: 'notebook_run',
      taskReferenceName: t.ref,
      type: 'SIMPLE',
      inputParameters: { notebook: fixturePath(t.notebook), parameters: t.parameters ?? {} },
    })),
  };
}

const SETTINGS = { port: 0, host: '127.0.0.1', allowedHosts: [], token: null };
const RUNNING = 'nbconductor_worker_tasks_running';
const TOTAL = 'nbconductor_worker_tasks_total';
const DURATION = 'nbconductor_worker_notebook_duration_seconds';
const POOL = 'nbconductor_kernel_pool_kernels';

let stack: PipelineStack;
let metrics: Metrics;

beforeAll(async () => {
  stack = await startPipelineStack();
  await stack.registerTaskDefs([TASKDEF]);
  await stack.registerWorkflow(
    workflow('metrics_ok', [
      { ref: 'slow', notebook: 'long-cell', parameters: { steps: 10, delay: 0.5 } },
      { ref: 'quick', notebook: 'params-simple', parameters: { msg: 'hi' } },
    ]),
  );
  await stack.registerWorkflow(workflow('metrics_fail', [{ ref: 'boom', notebook: 'cell-error' }]));
  metrics = await startMetrics(SETTINGS, quietLogger());
  metrics.engine(() => stack.engine.stats());
});

afterAll(async () => {
  await metrics?.stop();
  await stack?.stop();
});

function notebookTasks(tasks: TaskRun[]): TaskRun[] {
  return tasks.filter((t) => t.taskType === 'notebook_run');
}

it('counts queued, running and finished work as the engine and worker saw it', async () => {
  // Before any worker: the task waits in its queue, the workflow runs.
  const okId = await stack.start('metrics_ok', {});
  let samples = await scrapeUntil(metrics.url, (s) =>
    s.some((x) => x.name === 'nbconductor_engine_queue_depth' && x.labels.queue === 'notebook_run'),
  );
  expect(value(samples, 'nbconductor_engine_queue_depth', { queue: 'notebook_run' })).toBe(1);
  expect(value(samples, 'nbconductor_engine_workflows', { workflow: 'metrics_ok', status: 'RUNNING' })).toBe(
    1,
  );

  const worker = await stack.startWorker({ worker: { kernelPoolSize: 1 } }, 'local', {
    metrics: metrics.worker('test-worker'),
  });
  // While the long notebook runs: one task running for that workflow, its queue drained.
  samples = await scrapeUntil(metrics.url, (s) => value(s, RUNNING, { workflow: 'metrics_ok' }) === 1);
  expect(value(samples, 'nbconductor_engine_queue_depth', { queue: 'notebook_run' })).toBe(0);
  expect(
    value(samples, 'nbconductor_worker_info', { worker_id: 'test-worker', version: packageVersion() }),
  ).toBe(1);

  const ok = await stack.waitFor(okId);
  expect(ok.status).toBe('COMPLETED');
  const failId = await stack.start('metrics_fail', {});
  const failed = await stack.waitFor(failId);
  expect(failed.status).toBe('FAILED');

  // Once the pool has refilled (idle at its target, nothing starting), every count is settled.
  samples = await scrapeUntil(
    metrics.url,
    (s) =>
      value(s, POOL, { kernel: 'python3', state: 'idle' }) === 1 &&
      value(s, POOL, { kernel: 'python3', state: 'starting' }) === 0 &&
      value(s, TOTAL, { workflow: 'metrics_fail', status: 'FAILED' }) === 1,
  );

  // tasks by workflow and status = the notebook_run tasks the engine recorded
  const okTasks = notebookTasks(ok.tasks);
  const failTasks = notebookTasks(failed.tasks);
  expect(okTasks.map((t) => t.status)).toEqual(['COMPLETED', 'COMPLETED']);
  expect(failTasks.map((t) => t.status)).toEqual(['FAILED']);
  expect(value(samples, TOTAL, { workflow: 'metrics_ok', status: 'COMPLETED' })).toBe(okTasks.length);
  expect(value(samples, TOTAL, { workflow: 'metrics_fail', status: 'FAILED' })).toBe(failTasks.length);
  expect(samples.filter((s) => s.name === TOTAL).reduce((n, s) => n + s.value, 0)).toBe(3);
  for (const wf of ['metrics_ok', 'metrics_fail']) expect(value(samples, RUNNING, { workflow: wf })).toBe(0);

  // the duration histogram holds each notebook once, at least as long as its execution took
  const labels = { workflow: 'metrics_ok', status: 'COMPLETED' };
  expect(value(samples, `${DURATION}_count`, labels)).toBe(2);
  const executedMs = okTasks.reduce((ms, t) => ms + Number(t.outputData.durationMs), 0);
  const sum = value(samples, `${DURATION}_sum`, labels);
  expect(sum).toBeGreaterThanOrEqual(executedMs / 1000);
  expect(sum).toBeLessThan(120); // seconds, not milliseconds
  expect(value(samples, `${DURATION}_bucket`, { ...labels, le: '5' })).toBeLessThanOrEqual(1); // not the 5 s one
  expect(value(samples, `${DURATION}_bucket`, { ...labels, le: '60' })).toBe(2);
  expect(value(samples, `${DURATION}_bucket`, { ...labels, le: '+Inf' })).toBe(2);

  // the 5 s notebook outlived its 3 s response timeout on heartbeats, all accepted
  expect(
    value(samples, 'nbconductor_worker_lease_extensions_total', { outcome: 'ok' }),
  ).toBeGreaterThanOrEqual(1);
  expect(value(samples, 'nbconductor_worker_lease_extensions_total', { outcome: 'failed' })).toBe(0);
  expect(value(samples, 'nbconductor_worker_polls_total', { task_type: 'notebook_run' })).toBeGreaterThan(0);
  expect(value(samples, 'nbconductor_worker_poll_errors_total', { task_type: 'notebook_run' })).toBe(0);

  // kernels: one start observed per kernel the pool started; the pool keeps its target
  const lane = worker.pool.stats().kernels.python3;
  expect(lane?.started).toBeGreaterThanOrEqual(3); // one per task, plus the refill
  expect(
    value(samples, 'nbconductor_kernel_start_duration_seconds_count', { kernel: 'python3', outcome: 'ok' }),
  ).toBe(lane?.started);
  expect(value(samples, 'nbconductor_kernel_pool_target', { kernel: 'python3' })).toBe(1);

  // the engine's side
  expect(
    value(samples, 'nbconductor_engine_workflows', { workflow: 'metrics_ok', status: 'COMPLETED' }),
  ).toBe(1);
  expect(value(samples, 'nbconductor_engine_workflows', { workflow: 'metrics_fail', status: 'FAILED' })).toBe(
    1,
  );
  expect(value(samples, 'nbconductor_engine_queue_depth', { queue: 'notebook_run' })).toBe(0);
  await worker.stop();
});

it('counts poll errors when Conductor fails the polls', async () => {
  // A Conductor that is up (GET /health answers, so the worker starts) but fails every API call with 503,
  // as a real one does while its database is down. A stand-in server: the engine cannot be made to fail so.
  const failing = http.createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 503, { 'content-type': 'application/json' });
    res.end(req.url === '/health' ? '{"healthy":true}' : '{"status":503,"message":"unavailable"}');
  });
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', () => resolve()));
  const port = (failing.address() as { port: number }).port;
  const own = await startMetrics(SETTINGS, quietLogger());
  const config = testConfig(
    stack.outputRoot,
    { serverUrl: `http://127.0.0.1:${port}`, keyId: null, keySecret: null },
    {
      worker: { kernelPoolSize: 0, workerId: 'lonely-worker' },
    },
  );
  const worker = await startWorkerRuntime(config, quietLogger(), {
    cwd: packageRoot(),
    metrics: own.worker('lonely-worker'),
  });
  try {
    const samples: Sample[] = await scrapeUntil(
      own.url,
      (s) => value(s, 'nbconductor_worker_poll_errors_total', { task_type: 'notebook_run' }) >= 1,
    );
    expect(
      value(samples, 'nbconductor_worker_polls_total', { task_type: 'notebook_run' }),
    ).toBeGreaterThanOrEqual(1);
    expect(value(samples, TOTAL)).toBe(0);
  } finally {
    await worker.stop();
    await own.stop();
    await new Promise((resolve) => failing.close(resolve));
  }
  // a stopped endpoint no longer answers
  await expect(scrape(own.url)).rejects.toThrow();
});
