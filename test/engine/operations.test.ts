/** Terminate, pause/resume, skip, restart, rerun and reset-callbacks, with Conductor's status codes. */
import {
  complete,
  harness,
  pollTask,
  raw,
  simpleTask,
  taskByRef,
  waitForStatus,
  workflow,
  type Harness,
  type Json,
} from './support';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  await h.metadata.registerTasks([
    { name: 'op_a', retryCount: 0 },
    { name: 'op_b', retryCount: 0 },
    { name: 'op_c', retryCount: 0 },
  ] as never);
  await h.metadata.registerWorkflowDef({
    name: 'op_wf',
    version: 1,
    tasks: [
      simpleTask('a', 'op_a', { in: '${workflow.input.x}' }),
      simpleTask('b', 'op_b', { prev: '${a.output.v}' }),
      simpleTask('c', 'op_c'),
    ],
  } as never);
});
afterAll(async () => {
  await h.stop();
});

const startOp = async (input: Json = { x: 1 }): Promise<string> =>
  (await h.workflows.startWorkflow({ name: 'op_wf', input })) as string;

async function finish(type: string, output: Json = {}): Promise<Json> {
  const t = (await pollTask(h.url, type)) as Json;
  await complete(h.url, t, output);
  return t;
}

it('terminate: TERMINATED with reason, pending task CANCELED; again is a no-op; a COMPLETED workflow answers 409', async () => {
  const id = await startOp();
  await h.workflows.terminate(id, 'operator said so');
  const wf = await waitForStatus(h, id, 'TERMINATED');
  expect(wf.reasonForIncompletion).toBe('operator said so');
  expect(taskByRef(wf, 'a').status).toBe('CANCELED');
  expect((await raw(h.url, 'DELETE', `/api/workflow/${id}?reason=again`)).status).toBe(200);
  const done = await startOp();
  await finish('op_a');
  await finish('op_b');
  await finish('op_c');
  await waitForStatus(h, done, 'COMPLETED');
  const r = await raw(h.url, 'DELETE', `/api/workflow/${done}`);
  expect(r.status).toBe(409);
  expect(r.json.message).toBe('Cannot terminate a COMPLETED workflow.');
});

it('pause stops scheduling (queued tasks still complete); resume continues; resuming a running workflow is a 500', async () => {
  const id = await startOp();
  await h.workflows.pause(id);
  expect((await workflow(h, id)).status).toBe('PAUSED');
  await finish('op_a', { v: 7 });
  const paused = await workflow(h, id);
  expect(paused.status).toBe('PAUSED');
  expect(paused.tasks).toHaveLength(1);
  await h.workflows.resume(id);
  const b = (await pollTask(h.url, 'op_b')) as Json;
  expect(b.inputData).toEqual({ prev: 7 });
  const again = await raw(h.url, 'PUT', `/api/workflow/${id}/resume`);
  expect(again.status).toBe(500);
  expect(again.json.message).toBe(
    `The workflow ${id} is not PAUSED so cannot resume. Current status is RUNNING`,
  );
  await h.workflows.terminate(id, 'done');
  const pauseEnded = await raw(h.url, 'PUT', `/api/workflow/${id}/pause`);
  expect(pauseEnded.status).toBe(409);
});

it('skip task: a SKIPPED entry with seq 0 sorts first and the decider steps over it', async () => {
  const id = await startOp();
  await h.workflows.skipTasksFromWorkflow(id, 'b', { taskOutput: { v: 'skipped' } });
  await finish('op_a');
  const c = (await pollTask(h.url, 'op_c')) as Json;
  await complete(h.url, c);
  const wf = await waitForStatus(h, id, 'COMPLETED');
  expect(wf.tasks.map((t: Json) => [t.referenceTaskName, t.status, t.seq])).toEqual([
    ['b', 'SKIPPED', 0],
    ['a', 'COMPLETED', 1],
    ['c', 'COMPLETED', 2],
  ]);
  const late = await raw(h.url, 'PUT', `/api/workflow/${id}/skiptask/a`, {});
  expect(late.status).toBe(500);
});

it('restart: 409 while running; re-runs a finished workflow from scratch under the same id (204)', async () => {
  const id = await startOp();
  const running = await raw(h.url, 'POST', `/api/workflow/${id}/restart`);
  expect(running.status).toBe(409);
  await h.workflows.terminate(id, 'stop');
  await waitForStatus(h, id, 'TERMINATED');
  const r = await raw(h.url, 'POST', `/api/workflow/${id}/restart`);
  expect(r.status).toBe(204);
  const wf = await workflow(h, id);
  expect(wf.status).toBe('RUNNING');
  expect(wf.tasks.map((t: Json) => [t.referenceTaskName, t.status])).toEqual([['a', 'SCHEDULED']]);
  await finish('op_a');
  await finish('op_b');
  await finish('op_c');
  await waitForStatus(h, id, 'COMPLETED');
});

it('rerun from the start with new input, and from a task with new task input', async () => {
  const id = await startOp({ x: 1 });
  await finish('op_a', { v: 'first' });
  const b = (await pollTask(h.url, 'op_b')) as Json;
  await complete(h.url, b, {}, 'FAILED', { reasonForIncompletion: 'nope' });
  await waitForStatus(h, id, 'FAILED');
  const fromTask = await raw(h.url, 'POST', `/api/workflow/${id}/rerun`, {
    reRunFromTaskId: b.taskId,
    taskInput: { prev: 'patched' },
  });
  expect(fromTask.status).toBe(200);
  expect(fromTask.text).toBe(id);
  const b2 = (await pollTask(h.url, 'op_b')) as Json;
  expect(b2).toMatchObject({ taskId: b.taskId, inputData: { prev: 'patched' } });
  await complete(h.url, b2);
  await finish('op_c');
  await waitForStatus(h, id, 'COMPLETED');
  const fromStart = await h.workflows.reRun(id, { workflowInput: { x: 2 } });
  expect(fromStart).toBe(id);
  const a = (await pollTask(h.url, 'op_a')) as Json;
  expect(a.inputData).toEqual({ in: 2 });
  expect((await workflow(h, id)).tasks).toHaveLength(1);
  await h.workflows.terminate(id, 'done');
  const unknown = await raw(h.url, 'POST', `/api/workflow/${id}/rerun`, { reRunFromTaskId: 'nope' });
  expect(unknown.status).toBe(400);
  expect(unknown.json.message).toBe('Task nope not found');
});

it('resetcallbacks makes a postponed task pollable now', async () => {
  const id = await startOp();
  const a = (await pollTask(h.url, 'op_a')) as Json;
  await complete(h.url, a, {}, 'IN_PROGRESS', { callbackAfterSeconds: 600 });
  expect(await pollTask(h.url, 'op_a', 0)).toBeUndefined();
  expect((await raw(h.url, 'POST', `/api/workflow/${id}/resetcallbacks`)).status).toBe(204);
  expect(((await pollTask(h.url, 'op_a', 500)) as Json).taskId).toBe(a.taskId);
  await h.workflows.terminate(id, 'done');
});
