/**
 * A stopping worker never fails a task it had no chance to run. The SDK's stopPolling() does not wait
 * for a batch poll in flight, nor for an update-v2 answer that hands over the next task: a task that
 * arrives that way while the worker stops is handed back untouched (IN_PROGRESS, callbackAfterSeconds 0:
 * Conductor re-queues it for any worker at once, without a retry), and another worker runs it as the
 * same attempt. The stopping worker talks to the embedded engine through a proxy that holds its request
 * open (the poll, or the update) until the test has stopped the worker and scheduled the task.
 */
import type http from 'node:http';

import { startFaultProxy, type FaultProxy, type HeldRequest } from '../helpers/fault-proxy';
import { fixturePath } from '../helpers/fixtures';
import { captureLogger } from '../helpers/logger';
import {
  notebookRunTaskDef,
  startPipelineStack,
  type PipelineStack,
  type TaskRun,
} from '../helpers/pipeline';

let stack: PipelineStack;
let proxy: FaultProxy;
/** The next request `match` picks is held until the test releases it. */
let holding: { match: (req: http.IncomingMessage) => boolean; held: (release: () => void) => void } | null =
  null;

function holdNext(match: (req: http.IncomingMessage) => boolean): Promise<() => void> {
  return new Promise((resolve) => (holding = { match, held: resolve }));
}

const isPoll = (req: http.IncomingMessage): boolean =>
  req.method === 'GET' && (req.url ?? '').startsWith('/api/tasks/poll/batch/notebook_run');
const isUpdateV2 = (req: http.IncomingMessage): boolean =>
  req.method === 'POST' && req.url === '/api/tasks/update-v2';

function workflowOf(name: string, refs: string[]): Record<string, unknown> {
  return {
    name,
    version: 1,
    schemaVersion: 2,
    ownerEmail: 't@example.com',
    tasks: refs.map((ref) => ({
      name: 'notebook_run',
      taskReferenceName: ref,
      type: 'SIMPLE',
      inputParameters: { notebook: fixturePath('trivial') },
    })),
  };
}

/** A worker polling through the proxy, logging to `lines`. */
async function stoppingWorker(workerId: string) {
  const { logger, lines } = captureLogger('info');
  const worker = await stack.startWorker(
    { conductor: { serverUrl: proxy.endpoint }, worker: { workerId, kernelPoolSize: 0, concurrency: 1 } },
    'local',
    { logger },
  );
  return { worker, lines };
}

function pollCount(t: TaskRun | undefined): number {
  return (t as { pollCount?: number } | undefined)?.pollCount ?? 0;
}

beforeAll(async () => {
  stack = await startPipelineStack();
  proxy = await startFaultProxy(Number(new URL(stack.engine.url).port), (_n, req): HeldRequest | null => {
    if (!holding?.match(req)) return null;
    const { held } = holding;
    holding = null;
    return { holdUntil: new Promise<void>((release) => held(release)) };
  });
  await stack.registerWorkflow(workflowOf('nb_handback', ['nb']));
  await stack.registerWorkflow(workflowOf('nb_handback_chain', ['one', 'two']));
});

afterAll(async () => {
  await proxy?.stop();
  await stack?.stop();
});

it.each([2, 0])(
  'a task taken by the last poll of a stopping worker is run by another worker as the same attempt (retryCount %i)',
  async (retryCount) => {
    await stack.registerTaskDefs([notebookRunTaskDef({ retryCount })]);
    const poll = holdNext(isPoll);
    const first = await stoppingWorker(`stopping-${retryCount}`);
    const release = await poll; // its poll is open, with no task yet
    const stopped = first.worker.stop();
    const id = await stack.start('nb_handback');
    release();
    // The stopping worker's poll takes the task.
    await stack.waitFor(id, (wf) => pollCount(wf.tasks[0]) >= 1, 30_000);
    await stopped;
    const second = await stack.startWorker({ worker: { workerId: `second-${retryCount}` } });
    const wf = await stack.waitFor(id);
    await second.stop();

    expect(wf.status).toBe('COMPLETED');
    expect(wf.tasks).toHaveLength(1);
    const [task] = wf.tasks;
    expect(task).toMatchObject({ status: 'COMPLETED', retryCount: 0, workerId: `second-${retryCount}` });
    expect(pollCount(task)).toBe(2); // polled by both workers: the same attempt, handed back once
    expect(first.lines).toContainEqual(
      expect.objectContaining({
        level: 30,
        taskId: task?.taskId,
        msg: expect.stringMatching(/handing .* back/),
      }),
    );
  },
  120_000,
);

it('a task handed over by update-v2 while the worker stops is handed back, not dropped', async () => {
  await stack.registerTaskDefs([notebookRunTaskDef({ retryCount: 0, responseTimeoutSeconds: 15 })]);
  // update-v2 is probed once per process (a static in the SDK), and a stopped worker turns it off.
  (stack.sdk.TaskRunner as unknown as { updateV2Available: boolean | null }).updateV2Available = null;
  const update = holdNext(isUpdateV2);
  const first = await stoppingWorker('stopping-chain');
  const id = await stack.start('nb_handback_chain');
  const release = await update; // task one ran; its result is on the way and will bring task two
  const stopped = first.worker.stop();
  release();
  await stack.waitFor(id, (wf) => pollCount(wf.tasks[1]) >= 1, 30_000);
  await stopped;
  const second = await stack.startWorker({ worker: { workerId: 'second-chain' } });
  const wf = await stack.waitFor(id);
  await second.stop();

  expect(wf.status).toBe('COMPLETED');
  expect(wf.tasks.map((t) => [t.referenceTaskName, t.status, t.retryCount, t.workerId])).toEqual([
    ['one', 'COMPLETED', 0, 'stopping-chain'],
    ['two', 'COMPLETED', 0, 'second-chain'],
  ]);
  expect(first.lines).toContainEqual(
    expect.objectContaining({
      level: 30,
      taskId: wf.tasks[1]?.taskId,
      msg: expect.stringMatching(/handing .* back/),
    }),
  );
}, 120_000);
