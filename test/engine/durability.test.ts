/**
 * Crash durability: the engine runs in a child process; it is killed with SIGKILL mid-workflow and
 * restarted on the same data directory. Nothing acknowledged is lost or duplicated, and timers (WAIT
 * durations, retry delays, callbacks) resume.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { MetadataClient, WorkflowExecutor } from '@io-orkes/conductor-javascript';

import type { ConductorClient } from '../../src/worker/conductor-client';
import { kill9, startEngineChild, type EngineChild } from '../helpers/engine-child';
import { complete, pollTask, raw, sdkClient, simpleTask, waitFor, type Json } from './support';

const children: ChildProcess[] = [];

const startChild = (dataDir: string): Promise<EngineChild> => startEngineChild(dataDir, { children });

const sdkClients: ConductorClient[] = [];

async function clients(
  child: EngineChild,
): Promise<{ workflows: WorkflowExecutor; metadata: MetadataClient }> {
  const client = await sdkClient(child.url, child.credentials);
  sdkClients.push(client);
  return { workflows: new WorkflowExecutor(client), metadata: new MetadataClient(client) };
}

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-durable-'));
});
afterAll(() => {
  for (const c of sdkClients) c.stopBackgroundRefresh?.();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('SIGKILL mid-workflow, restart: state, timers and queues resume; the workflows finish', async () => {
  let child = await startChild(dataDir);
  let api = await clients(child);
  await api.metadata.registerTasks([
    { name: 'du_a', retryCount: 0 },
    { name: 'du_b', retryCount: 0 },
    { name: 'du_retry', retryCount: 1, retryDelaySeconds: 2 },
  ] as never);
  await api.metadata.registerWorkflowDef({
    name: 'du_flow',
    version: 1,
    tasks: [
      simpleTask('a', 'du_a'),
      { name: 'pause', taskReferenceName: 'pause', type: 'WAIT', inputParameters: { duration: '2s' } },
      simpleTask('b', 'du_b', { from: '${a.output.v}' }),
    ],
  } as never);
  await api.metadata.registerWorkflowDef({
    name: 'du_retry_flow',
    version: 1,
    tasks: [simpleTask('r', 'du_retry')],
  } as never);

  const w1 = (await api.workflows.startWorkflow({ name: 'du_flow', input: {} })) as string;
  const w2 = (await api.workflows.startWorkflow({ name: 'du_retry_flow', input: {} })) as string;
  await complete(child.url, (await pollTask(child.url, 'du_a')) as Json, { v: 'kept' });
  const r1 = (await pollTask(child.url, 'du_retry')) as Json;
  await complete(child.url, r1, {}, 'FAILED', { reasonForIncompletion: 'transient' });
  const w3 = (await api.workflows.startWorkflow({ name: 'du_flow', input: {} })) as string;

  await kill9(child);
  child = await startChild(dataDir);
  api = await clients(child);

  const after1 = (await api.workflows.getWorkflow(w1, true)) as Json;
  expect(after1.tasks[0]).toMatchObject({
    referenceTaskName: 'a',
    status: 'COMPLETED',
    outputData: { v: 'kept' },
  });
  expect(after1.tasks[1]).toMatchObject({ referenceTaskName: 'pause', taskType: 'WAIT' });
  expect(((await api.workflows.getWorkflow(w3, true)) as Json).tasks).toHaveLength(1);

  // The WAIT resumes from the database and releases b; the retry delay resumes and releases r again.
  const b = (await waitFor('b after the WAIT', () => pollTask(child.url, 'du_b', 1000))) as Json;
  expect(b).toMatchObject({ workflowInstanceId: w1, inputData: { from: 'kept' } });
  await complete(child.url, b);
  const r2 = (await waitFor('retried task', () => pollTask(child.url, 'du_retry', 1000))) as Json;
  expect(r2).toMatchObject({ workflowInstanceId: w2, retriedTaskId: r1.taskId, retryCount: 1 });
  await complete(child.url, r2);
  await complete(child.url, (await pollTask(child.url, 'du_a')) as Json, { v: 'w3' });
  await complete(child.url, (await waitFor('b of w3', () => pollTask(child.url, 'du_b', 1000))) as Json);
  for (const id of [w1, w2, w3]) {
    const wf = await waitFor(`workflow ${id}`, async () => {
      const w = (await api.workflows.getWorkflow(id, true)) as Json;
      return w.status === 'COMPLETED' ? w : undefined;
    });
    const refs = (wf.tasks as Json[]).map((t) => `${t.referenceTaskName}#${t.retryCount}`);
    expect(new Set(refs).size).toBe(refs.length);
  }
  expect((await raw(child.url, 'GET', '/api/tasks/queue/all')).json).toEqual({});
  await kill9(child);
}, 60_000);

it('SIGKILL during a burst of updates: every acknowledged update survives, none is applied twice', async () => {
  const dir = path.join(dataDir, 'burst');
  let child = await startChild(dir);
  let api = await clients(child);
  await api.metadata.registerTasks([{ name: 'du_burst', retryCount: 0 }] as never);
  await api.metadata.registerWorkflowDef({
    name: 'du_burst_flow',
    version: 1,
    tasks: [simpleTask('t', 'du_burst'), simpleTask('u', 'du_burst_next')],
  } as never);
  const ids: string[] = [];
  for (let i = 0; i < 30; i++)
    ids.push((await api.workflows.startWorkflow({ name: 'du_burst_flow', input: { i } })) as string);
  const tasks = (
    await raw(child.url, 'GET', '/api/tasks/poll/batch/du_burst?count=30&timeout=1000&workerid=w')
  ).json as Json[];
  expect(tasks).toHaveLength(30);

  const acknowledged = new Set<string>();
  let killing: Promise<void> | undefined;
  const current = child;
  await Promise.allSettled(
    tasks.map(async (t) => {
      const r = await complete(current.url, t, { done: t.workflowInstanceId });
      if (r.status === 200) acknowledged.add(t.workflowInstanceId as string);
      if (acknowledged.size >= 10) killing ??= kill9(current);
    }),
  );
  await killing;
  expect(acknowledged.size).toBeGreaterThanOrEqual(10);

  child = await startChild(dir);
  api = await clients(child);
  for (const id of ids) {
    const wf = (await api.workflows.getWorkflow(id, true)) as Json;
    const t = (wf.tasks as Json[]).filter((x) => x.referenceTaskName === 't');
    expect(t).toHaveLength(1);
    if (acknowledged.has(id)) {
      expect(t[0]).toMatchObject({ status: 'COMPLETED', outputData: { done: id } });
      expect((wf.tasks as Json[]).filter((x) => x.referenceTaskName === 'u')).toHaveLength(1);
    } else {
      expect(['IN_PROGRESS', 'COMPLETED']).toContain(t[0]?.status);
    }
  }
  const scheduledNext = (await raw(child.url, 'GET', '/api/tasks/queue/size?taskType=du_burst_next'))
    .json as number;
  const completedT = (
    await Promise.all(ids.map(async (id) => (await api.workflows.getWorkflow(id, true)) as Json))
  ).filter((w) => (w.tasks as Json[]).some((x) => x.referenceTaskName === 'u')).length;
  expect(scheduledNext).toBe(completedT);
  await kill9(child);
}, 60_000);
