/**
 * Ids and dedupe keys that must not collide: event executions (per queue + message id + handler + action),
 * event messages (per queue + id; a resent id is one message, the engine's own republishing is not),
 * workflow-status events on their two queues, and child workflows of a rerun, retried or restarted
 * SUB_WORKFLOW task.
 */
import {
  complete,
  harness,
  pollTask,
  raw,
  simpleTask,
  taskByRef,
  waitFor,
  waitForStatus,
  workflow,
  type Harness,
  type Json,
} from './support';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  await h.metadata.registerTasks([{ name: 'ids_child_task', retryCount: 0 }] as never);
  await h.metadata.registerWorkflowDef({
    name: 'ids_target',
    version: 1,
    tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
  } as never);
});
afterAll(async () => {
  await h.stop();
});

async function executions(name: string): Promise<Json[]> {
  return (await raw(h.url, 'GET', `/api/event/execution/${name}`)).json as Json[];
}

async function addHandler(name: string, event: string, extra: Json = {}, actions = 1): Promise<void> {
  const action = { action: 'start_workflow', start_workflow: { name: 'ids_target', input: { by: name } } };
  const res = await raw(h.url, 'POST', '/api/event', {
    name,
    event,
    active: true,
    actions: Array.from({ length: actions }, () => action),
    ...extra,
  });
  expect(res.status).toBe(200);
}

/** Waits until `name` has `count` executions, none in progress. */
async function settled(name: string, count: number): Promise<Json[]> {
  return waitFor(`${count} executions of ${name}`, async () => {
    const list = await executions(name);
    return list.length === count && list.every((e) => e.status !== 'IN_PROGRESS') ? list : undefined;
  });
}

it('two handlers on one event: one condition false (SKIPPED) does not take the other handler’s execution', async () => {
  await addHandler('ids_skip', 'conductor:ids_pair', { condition: '$.kind == "other"' });
  await addHandler('ids_run', 'conductor:ids_pair', {}, 2);
  await raw(h.url, 'POST', '/api/event/publish/ids_pair?messageId=pair-1', { kind: 'notebook' });
  expect(await settled('ids_skip', 1)).toEqual([
    expect.objectContaining({ id: 'pair-1_0', messageId: 'pair-1', status: 'SKIPPED' }),
  ]);
  const ran = await settled('ids_run', 2);
  expect(ran.map((e) => [e.id, e.status])).toEqual([
    ['pair-1_0', 'COMPLETED'],
    ['pair-1_1', 'COMPLETED'],
  ]);
  for (const e of ran) await waitForStatus(h, e.output.workflowId as string, 'COMPLETED');
  expect(new Set(ran.map((e) => e.output.workflowId)).size).toBe(2);
});

it('the same message id on two queues is two messages, each keeping its id', async () => {
  await addHandler('ids_q1', 'conductor:ids_q1');
  await addHandler('ids_q2', 'conductor:ids_q2');
  await raw(h.url, 'POST', '/api/event/publish/ids_q1?messageId=same', { n: 1 });
  await raw(h.url, 'POST', '/api/event/publish/ids_q2?messageId=same', { n: 2 });
  for (const name of ['ids_q1', 'ids_q2']) {
    const [e] = await settled(name, 1);
    expect(e).toMatchObject({ id: 'same_0', messageId: 'same', status: 'COMPLETED' });
    const wf = await workflow(h, (e as Json).output.workflowId as string);
    expect(wf.input['conductor.event.messageId']).toBe('same');
  }
});

it('a message sent again with the same id is handled once (redelivery)', async () => {
  await addHandler('ids_once', 'conductor:ids_once');
  const first = await raw(h.url, 'POST', '/api/event/publish/ids_once?messageId=dup', { n: 1 });
  const again = await raw(h.url, 'POST', '/api/event/publish/ids_once?messageId=dup', { n: 1 });
  expect([first.json, again.json]).toEqual([
    { messageId: 'dup', event: 'conductor:ids_once' },
    { messageId: 'dup', event: 'conductor:ids_once' },
  ]);
  // A later message proves the queue was drained past both.
  await raw(h.url, 'POST', '/api/event/publish/ids_once?messageId=later', { n: 2 });
  const list = await settled('ids_once', 2);
  expect(list.map((e) => e.messageId)).toEqual(['dup', 'later']);
});

it('an EVENT task that runs again (rerun) publishes again: its handler runs each time', async () => {
  await addHandler('ids_event_task', 'conductor:ids_sender:out');
  await h.metadata.registerWorkflowDef({
    name: 'ids_sender',
    version: 1,
    tasks: [
      { name: 'e', taskReferenceName: 'e', type: 'EVENT', sink: 'conductor:out', inputParameters: { v: 1 } },
    ],
  } as never);
  const id = (await h.workflows.startWorkflow({ name: 'ids_sender', input: {} })) as string;
  const wf = await waitForStatus(h, id, 'COMPLETED');
  await settled('ids_event_task', 1);
  const rerun = await raw(h.url, 'POST', `/api/workflow/${id}/rerun`, {
    reRunFromWorkflowId: id,
    reRunFromTaskId: taskByRef(wf, 'e').taskId,
  });
  expect(rerun.status).toBe(200);
  const list = await settled('ids_event_task', 2);
  expect(list[0]?.messageId).toBe(taskByRef(wf, 'e').taskId);
  expect(list[1]?.messageId).not.toBe(list[0]?.messageId);
});

it('a workflow-status event has the same message id on both status queues', async () => {
  await h.metadata.registerWorkflowDef({
    name: 'ids_status',
    version: 1,
    tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
  } as never);
  await addHandler('ids_status_all', 'conductor:workflow_status', {
    condition: '$.workflowType == "ids_status"',
  });
  await addHandler('ids_status_named', 'conductor:workflow_status:ids_status');
  const id = (await h.workflows.startWorkflow({ name: 'ids_status', input: {} })) as string;
  await waitForStatus(h, id, 'COMPLETED');
  const all = (await waitFor('the status event', async () =>
    (await executions('ids_status_all')).find((e) => e.status === 'COMPLETED'),
  )) as Json;
  const [named] = await settled('ids_status_named', 1);
  expect((named as Json).messageId).toBe(all.messageId);
  expect(all.messageId).toMatch(new RegExp(`^${id}:COMPLETED:`));
});

describe('child workflows of a SUB_WORKFLOW task that runs again', () => {
  beforeAll(async () => {
    await h.metadata.registerWorkflowDef({
      name: 'ids_child',
      version: 1,
      tasks: [simpleTask('c', 'ids_child_task')],
    } as never);
    await h.metadata.registerWorkflowDef({
      name: 'ids_parent',
      version: 1,
      tasks: [
        {
          name: 'sub',
          taskReferenceName: 'sub',
          type: 'SUB_WORKFLOW',
          subWorkflowParam: { name: 'ids_child', version: 1 },
          retryCount: 0,
        },
      ],
    } as never);
  });

  /** Starts ids_parent and fails its child's task: the parent ends FAILED. */
  async function failedParent(): Promise<{ id: string; childId: string; subTaskId: string }> {
    const id = (await h.workflows.startWorkflow({ name: 'ids_parent', input: {} })) as string;
    const t = (await waitFor('the child task', () => pollTask(h.url, 'ids_child_task'))) as Json;
    await complete(h.url, t, {}, 'FAILED', { reasonForIncompletion: 'first run fails' });
    const wf = await waitForStatus(h, id, 'FAILED');
    return { id, childId: t.workflowInstanceId as string, subTaskId: taskByRef(wf, 'sub').taskId as string };
  }

  async function finishChild(notChild: string): Promise<string> {
    const t = (await waitFor('the new child task', () => pollTask(h.url, 'ids_child_task'))) as Json;
    expect(t.workflowInstanceId).not.toBe(notChild);
    await complete(h.url, t);
    return t.workflowInstanceId as string;
  }

  it('rerun from the SUB_WORKFLOW task starts a fresh child instead of re-attaching the failed one', async () => {
    const { id, childId, subTaskId } = await failedParent();
    const res = await raw(h.url, 'POST', `/api/workflow/${id}/rerun`, {
      reRunFromWorkflowId: id,
      reRunFromTaskId: subTaskId,
    });
    expect(res.status).toBe(200);
    const newChild = await finishChild(childId);
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(wf, 'sub').subWorkflowId).toBe(newChild);
    expect((await workflow(h, childId)).status).toBe('FAILED');
  });

  it('retry and restart of the parent each start a new child', async () => {
    const retried = await failedParent();
    expect((await raw(h.url, 'POST', `/api/workflow/${retried.id}/retry`)).status).toBe(204);
    await finishChild(retried.childId);
    await waitForStatus(h, retried.id, 'COMPLETED');

    const restarted = await failedParent();
    expect((await raw(h.url, 'POST', `/api/workflow/${restarted.id}/restart`)).status).toBe(204);
    await finishChild(restarted.childId);
    await waitForStatus(h, restarted.id, 'COMPLETED');
  });
});
