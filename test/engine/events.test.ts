/** Event handlers: start_workflow / complete_task / fail_task, conditions, publishing, chained pipelines. */
import { EventClient } from '@io-orkes/conductor-javascript';

import {
  harness,
  raw,
  taskByRef,
  waitFor,
  waitForStatus,
  workflow,
  type Harness,
  type Json,
} from './support';

let h: Harness;
let events: EventClient;
beforeAll(async () => {
  h = await harness();
  events = new EventClient(h.client);
  await h.metadata.registerWorkflowDef({
    name: 'ev_pipeline',
    version: 1,
    tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
    outputParameters: { file: '${workflow.input.file}' },
  } as never);
});
afterAll(async () => {
  await h.stop();
});

async function executions(name: string): Promise<Json[]> {
  return (await raw(h.url, 'GET', `/api/event/execution/${name}`)).json as Json[];
}

it('a published message starts a workflow when the handler condition holds; otherwise the execution is SKIPPED', async () => {
  await events.addEventHandler({
    name: 'on_file',
    event: 'conductor:files',
    active: true,
    condition: "$.kind == 'notebook'",
    actions: [
      {
        action: 'start_workflow',
        start_workflow: {
          name: 'ev_pipeline',
          input: { file: '${path}', size: '${meta.size}' },
          correlationId: '${path}',
        },
      },
    ],
  } as never);
  expect((await raw(h.url, 'GET', '/api/event/conductor:files')).json.map((x: Json) => x.name)).toEqual([
    'on_file',
  ]);
  const skipped = await raw(h.url, 'POST', '/api/event/publish/files', { kind: 'csv', path: 'x.csv' });
  expect(skipped.status).toBe(200);
  const pub = await raw(h.url, 'POST', '/api/event/publish/conductor:files?messageId=m-1', {
    kind: 'notebook',
    path: 'a.ipynb',
    meta: { size: 3 },
  });
  expect(pub.json).toEqual({ messageId: 'm-1', event: 'conductor:files' });
  const execs = await waitFor('two executions', async () => {
    const list = await executions('on_file');
    return list.length === 2 && list.every((e) => e.status !== 'IN_PROGRESS') ? list : undefined;
  });
  expect(execs.map((e) => e.status).sort()).toEqual(['COMPLETED', 'SKIPPED']);
  const started = execs.find((e) => e.status === 'COMPLETED') as Json;
  const wf = await waitForStatus(h, started.output.workflowId, 'COMPLETED');
  expect(wf.input).toMatchObject({
    file: 'a.ipynb',
    size: 3,
    'conductor.event.messageId': 'm-1',
    'conductor.event.name': 'conductor:files',
  });
  expect(wf.correlationId).toBe('a.ipynb');
  expect(wf.event).toBe('conductor:files');
});

it('an EVENT task signals another workflow’s WAIT through a complete_task handler', async () => {
  await h.metadata.registerWorkflowDef({
    name: 'ev_waiter',
    version: 1,
    tasks: [{ name: 'w', taskReferenceName: 'gate', type: 'WAIT' }],
  } as never);
  await h.metadata.registerWorkflowDef({
    name: 'ev_sender',
    version: 1,
    tasks: [
      {
        name: 'e',
        taskReferenceName: 'e',
        type: 'EVENT',
        sink: 'conductor:release',
        inputParameters: { target: '${workflow.input.target}', note: 'go' },
      },
    ],
  } as never);
  await raw(h.url, 'POST', '/api/event', {
    name: 'release_gate',
    event: 'conductor:ev_sender:release',
    active: true,
    actions: [
      {
        action: 'complete_task',
        complete_task: { workflowId: '${target}', taskRefName: 'gate', output: { note: '${note}' } },
      },
    ],
  });
  const waiter = (await h.workflows.startWorkflow({ name: 'ev_waiter', input: {} })) as string;
  await h.workflows.startWorkflow({ name: 'ev_sender', input: { target: waiter } });
  const wf = await waitForStatus(h, waiter, 'COMPLETED');
  expect(taskByRef(wf, 'gate').outputData).toMatchObject({
    note: 'go',
    'conductor.event.name': 'conductor:ev_sender:release',
  });
});

it('fail_task fails the target task with the given reason', async () => {
  await raw(h.url, 'POST', '/api/event', {
    name: 'fail_gate',
    event: 'conductor:fail_gate',
    active: true,
    actions: [
      {
        action: 'fail_task',
        fail_task: { workflowId: '${wf}', taskRefName: 'gate', reasonForIncompletion: '${why}' },
      },
    ],
  });
  const waiter = (await h.workflows.startWorkflow({ name: 'ev_waiter', input: {} })) as string;
  await raw(h.url, 'POST', '/api/event/publish/fail_gate', { wf: waiter, why: 'upstream broke' });
  const wf = await waitForStatus(h, waiter, 'FAILED');
  expect(taskByRef(wf, 'gate')).toMatchObject({ status: 'FAILED', reasonForIncompletion: 'upstream broke' });
});

it('one pipeline’s completion starts the next through conductor:workflow_status:<name>', async () => {
  await h.metadata.registerWorkflowDef({
    name: 'ev_next',
    version: 1,
    tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
  } as never);
  await raw(h.url, 'POST', '/api/event', {
    name: 'chain',
    event: 'conductor:workflow_status:ev_pipeline',
    active: true,
    condition: "$.status == 'COMPLETED'",
    actions: [
      {
        action: 'start_workflow',
        start_workflow: { name: 'ev_next', input: { upstream: '${workflowId}', file: '${output.file}' } },
      },
    ],
  });
  const first = (await h.workflows.startWorkflow({
    name: 'ev_pipeline',
    input: { file: 'b.ipynb' },
  })) as string;
  await waitForStatus(h, first, 'COMPLETED');
  const exec = await waitFor('chain execution', async () =>
    (await executions('chain')).find((e) => e.status === 'COMPLETED'),
  );
  const next = await workflow(h, exec.output.workflowId);
  expect(next.workflowName).toBe('ev_next');
  expect(next.input).toMatchObject({ upstream: first, file: 'b.ipynb' });
});

it('event handler CRUD: 409 on a duplicate, 404 on unknown, inactive handlers do not fire', async () => {
  const dup = await raw(h.url, 'POST', '/api/event', {
    name: 'chain',
    event: 'conductor:x',
    actions: [{ action: 'start_workflow', start_workflow: { name: 'ev_next' } }],
  });
  expect(dup.status).toBe(409);
  expect(dup.json.message).toBe('EventHandler with name chain already exists!');
  const missing = await raw(h.url, 'PUT', '/api/event', {
    name: 'ghost',
    event: 'conductor:x',
    actions: [{ action: 'start_workflow', start_workflow: { name: 'ev_next' } }],
  });
  expect(missing.status).toBe(404);
  await raw(h.url, 'PUT', '/api/event', {
    name: 'on_file',
    event: 'conductor:files',
    active: false,
    actions: [{ action: 'start_workflow', start_workflow: { name: 'ev_pipeline', input: {} } }],
  });
  await raw(h.url, 'POST', '/api/event', {
    name: 'marker_h',
    event: 'conductor:marker',
    active: true,
    actions: [{ action: 'start_workflow', start_workflow: { name: 'ev_next', input: {} } }],
  });
  const before = (await executions('on_file')).length;
  await raw(h.url, 'POST', '/api/event/publish/files', { kind: 'notebook' });
  await raw(h.url, 'POST', '/api/event/publish/marker', { done: true });
  // Messages are processed in order: once the marker ran, the message before it was handled too.
  await waitFor('marker processed', async () =>
    (await executions('marker_h')).some((e) => e.status === 'COMPLETED'),
  );
  expect((await executions('on_file')).length).toBe(before);
  expect((await raw(h.url, 'DELETE', '/api/event/on_file')).status).toBe(200);
  expect((await raw(h.url, 'DELETE', '/api/event/on_file')).status).toBe(404);
});

it('queue admin: POST /api/queue/update/{workflowId}/{ref}/{status} completes a waiting task', async () => {
  const waiter = (await h.workflows.startWorkflow({ name: 'ev_waiter', input: {} })) as string;
  const r = await raw(h.url, 'POST', `/api/queue/update/${waiter}/gate/COMPLETED`, { from: 'queue' });
  expect(r.status).toBe(200);
  const wf = await waitForStatus(h, waiter, 'COMPLETED');
  expect(taskByRef(wf, 'gate').outputData).toEqual({ from: 'queue' });
});
