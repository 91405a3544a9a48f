/**
 * The worker's life: heartbeats keep a long notebook alive past responseTimeoutSeconds; a SIGKILLed worker's
 * task is re-delivered and finished by another worker as a new attempt; SIGTERM drains (finish within the
 * grace period, else interrupt, save partial output and report FAILED so Conductor reschedules).
 * Times are scaled down (a 2-minute notebook under a 30-second response timeout becomes ~8 s under 3 s).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type { JsonObject } from '../../src/json';
import { parseNotebook } from '../../src/notebook/io';
import { fixturePath } from '../helpers/fixtures';
import { startPipelineStack, watchLines, type PipelineStack, type TaskRun } from '../helpers/pipeline';

const TASKDEF = {
  name: 'notebook_run',
  ownerEmail: 'tests@example.com',
  retryCount: 2,
  retryLogic: 'FIXED',
  retryDelaySeconds: 0,
  timeoutSeconds: 300,
  timeoutPolicy: 'TIME_OUT_WF',
  responseTimeoutSeconds: 3,
};

function longNotebookWorkflow(name: string): Record<string, unknown> {
  return {
    name,
    version: 1,
    schemaVersion: 2,
    ownerEmail: 'tests@example.com',
    tasks: [
      {
        name: 'notebook_run',
        taskReferenceName: 'long',
        type: 'SIMPLE',
        inputParameters: {
          notebook: fixturePath('long-cell'),
          parameters: { steps: '${workflow.input.steps}', delay: '${workflow.input.delay}' },
        },
      },
    ],
  };
}

function attempts(tasks: TaskRun[]): TaskRun[] {
  return tasks.filter((t) => t.referenceTaskName === 'long');
}

function exited(child: import('node:child_process').ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));
}

let stack: PipelineStack;

beforeAll(async () => {
  stack = await startPipelineStack();
  await stack.registerTaskDefs([TASKDEF]);
  await stack.registerWorkflow(longNotebookWorkflow('nb_long'));
});

afterEach(async () => {
  await stack.killWorkers();
});

afterAll(async () => {
  await stack?.stop();
});

it('heartbeats keep a notebook running longer than responseTimeoutSeconds alive (one attempt)', async () => {
  await stack.registerTaskDefs([{ ...TASKDEF, name: 'notebook_run', retryCount: 0 }]);
  const worker = await stack.startWorker();
  try {
    const id = await stack.start('nb_long', { steps: 16, delay: 0.5 }); // ~8 s under a 3 s response timeout
    const wf = await stack.waitFor(id);
    expect(wf.status).toBe('COMPLETED');
    expect(attempts(wf.tasks)).toHaveLength(1);
  } finally {
    await worker.stop();
    await stack.registerTaskDefs([TASKDEF]);
  }
});

it('re-delivers the task of a SIGKILLed worker to a new worker, as a new attempt, without overwriting', async () => {
  const first = stack.spawnWorker('worker-killed');
  const firstLog = watchLines(first);
  const id = await stack.start('nb_long', { steps: 12, delay: 0.5 });
  // wait until the notebook is visibly running (its autosaved output shows progress)
  const attempt0 = path.join(stack.outputRoot, 'nb_long', id, 'long', 'attempt-0.ipynb');
  await firstLog.waitFor((l) => l.msg === 'running notebook');
  await stack.waitFor(
    id,
    () => existsSync(attempt0) && readFileSync(attempt0, 'utf8').includes('step 1'),
    30_000,
  );
  first.kill('SIGKILL');
  await exited(first);

  const second = stack.spawnWorker('worker-rescuer');
  const wf = await stack.waitFor(id, undefined, 60_000);
  expect(wf.status).toBe('COMPLETED');
  const [a0, a1] = attempts(wf.tasks);
  expect(a0).toMatchObject({ status: 'TIMED_OUT', retryCount: 0, workerId: 'worker-killed' });
  expect(a1).toMatchObject({ status: 'COMPLETED', retryCount: 1, workerId: 'worker-rescuer' });
  expect(a1?.outputData.outputNotebook).toBe(
    path.join(stack.outputRoot, 'nb_long', id, 'long', 'attempt-1.ipynb'),
  );
  // the killed attempt's record is still there, untouched by the retry
  const partial = parseNotebook(readFileSync(attempt0), attempt0);
  expect(JSON.stringify(partial)).toContain('step 1');
  expect(JSON.stringify(partial)).not.toContain('"end\\n"');
  expect((partial.metadata.nbconductor as JsonObject).attempt).toBe(0);
  second.kill('SIGTERM');
  expect(await exited(second)).toBe(0);
});

it('SIGTERM lets a running notebook finish within the grace period, then exits 0', async () => {
  const worker = stack.spawnWorker('worker-drain', { shutdownGraceMs: 60_000 });
  const log = watchLines(worker);
  const id = await stack.start('nb_long', { steps: 6, delay: 0.5 });
  await log.waitFor((l) => l.msg === 'running notebook');
  worker.kill('SIGTERM');
  await log.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('worker stopping'));
  expect(await exited(worker)).toBe(0);
  const wf = await stack.workflow(id);
  expect(wf.status).toBe('COMPLETED');
  expect(attempts(wf.tasks)).toHaveLength(1);
});

it('SIGTERM past the grace period interrupts the notebook, saves it and reports FAILED for a retry', async () => {
  const worker = stack.spawnWorker('worker-interrupted', { shutdownGraceMs: 500 });
  const log = watchLines(worker);
  const id = await stack.start('nb_long', { steps: 60, delay: 0.5 });
  const attempt0 = path.join(stack.outputRoot, 'nb_long', id, 'long', 'attempt-0.ipynb');
  await log.waitFor((l) => l.msg === 'running notebook');
  await stack.waitFor(
    id,
    () => existsSync(attempt0) && readFileSync(attempt0, 'utf8').includes('step 1'),
    30_000,
  );
  const stoppedAt = Date.now();
  worker.kill('SIGTERM');
  expect(await exited(worker)).toBe(0);
  // reported at once (not after the response timeout), and Conductor scheduled the next attempt
  const wf = await stack.waitFor(id, (w) => attempts(w.tasks).length >= 2, 20_000);
  const [a0, a1] = attempts(wf.tasks);
  expect(a0?.status).toBe('FAILED');
  expect(a0?.reasonForIncompletion).toMatch(/stopped|shutting down/);
  expect(a0?.outputData.outputNotebook).toBe(attempt0);
  expect(a1?.status).toBe('SCHEDULED');
  expect(Date.now() - stoppedAt).toBeLessThan(15_000);
  const saved = parseNotebook(readFileSync(attempt0), attempt0);
  expect(JSON.stringify(saved)).toContain('ExecutionAborted');
  await new stack.sdk.WorkflowExecutor(stack.client).terminate(id, 'test done');
});
