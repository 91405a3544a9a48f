/**
 * What Conductor's UI asks of the engine: DYNAMIC and KAFKA_PUBLISH definitions, the bulk workflow
 * operations, `/api/version`, task search and workflow search by tasks, and a 404 for any path that does
 * not exist instead of an answer from a route it was mistaken for.
 */
import { packageVersion } from '../../src/paths';
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
  await h.metadata.registerTasks([
    { name: 'ui_work', retryCount: 0 },
    { name: 'ui_dyn_a', retryCount: 0 },
    { name: 'ui_search', retryCount: 0 },
  ] as never);
  await h.metadata.registerWorkflowDef({
    name: 'ui_wait',
    version: 1,
    tasks: [{ name: 'w', taskReferenceName: 'w', type: 'WAIT' }],
  } as never);
});
afterAll(async () => {
  await h.stop();
});

const startWait = async (): Promise<string> =>
  (await h.workflows.startWorkflow({ name: 'ui_wait', input: {} })) as string;

describe('GET /api/version', () => {
  it('answers the version as text', async () => {
    const res = await raw(h.url, 'GET', '/api/version');
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/plain');
    expect(res.text).toBe(packageVersion());
  });
});

describe('bulk workflow operations', () => {
  it('pause, resume and terminate apply to each id; unknown ids are reported, not fatal', async () => {
    const [a, b] = [await startWait(), await startWait()];
    const paused = await raw(h.url, 'PUT', '/api/workflow/bulk/pause', [a, b, 'nope']);
    expect(paused.status).toBe(200);
    expect(paused.json).toEqual({
      bulkSuccessfulResults: [a, b],
      bulkErrorResults: { nope: expect.stringContaining('nope') },
    });
    expect((await workflow(h, a as string)).status).toBe('PAUSED');
    const resumed = await raw(h.url, 'PUT', '/api/workflow/bulk/resume', [a, b]);
    expect(resumed.json).toEqual({ bulkSuccessfulResults: [a, b], bulkErrorResults: {} });
    expect((await workflow(h, b as string)).status).toBe('RUNNING');
    const terminated = await raw(h.url, 'POST', '/api/workflow/bulk/terminate?reason=cleanup', [a, b]);
    expect(terminated.json).toEqual({ bulkSuccessfulResults: [a, b], bulkErrorResults: {} });
    const wf = await workflow(h, a as string);
    expect([wf.status, wf.reasonForIncompletion]).toEqual(['TERMINATED', 'cleanup']);
  });

  it('restart and retry re-run ended workflows; running ones are refused with the reason', async () => {
    const [a, b] = [await startWait(), await startWait()];
    await raw(h.url, 'POST', '/api/workflow/bulk/terminate', [a]);
    const restarted = await raw(h.url, 'POST', '/api/workflow/bulk/restart', [a, b]);
    expect(restarted.json).toEqual({
      bulkSuccessfulResults: [a],
      bulkErrorResults: { [b as string]: expect.any(String) },
    });
    expect((await workflow(h, a as string)).status).toBe('RUNNING');
    await raw(h.url, 'POST', '/api/workflow/bulk/terminate', [a, b]);
    const retried = await raw(h.url, 'POST', '/api/workflow/bulk/retry', [a, b]);
    expect(retried.json.bulkSuccessfulResults).toEqual([a, b]);
    expect((await workflow(h, b as string)).status).toBe('RUNNING');
  });

  it('remove and terminate-remove delete the workflows; search returns them', async () => {
    const [a, b, c] = [await startWait(), await startWait(), await startWait()];
    const found = await raw(h.url, 'POST', '/api/workflow/bulk/search?includeTasks=false', [a, 'nope']);
    expect(found.json.bulkSuccessfulResults).toEqual([expect.objectContaining({ workflowId: a, tasks: [] })]);
    expect(Object.keys(found.json.bulkErrorResults)).toEqual(['nope']);
    await raw(h.url, 'POST', '/api/workflow/bulk/terminate', [a]);
    expect((await raw(h.url, 'DELETE', '/api/workflow/bulk/remove', [a])).json).toEqual({
      bulkSuccessfulResults: [a],
      bulkErrorResults: {},
    });
    expect((await raw(h.url, 'DELETE', '/api/workflow/bulk/terminate-remove', [b, c])).json).toEqual({
      bulkSuccessfulResults: [b, c],
      bulkErrorResults: {},
    });
    for (const id of [a, b, c]) expect((await raw(h.url, 'GET', `/api/workflow/${id}`)).status).toBe(404);
  });

  it('an empty list or more than 1000 ids is a 400 naming the problem', async () => {
    const empty = await raw(h.url, 'PUT', '/api/workflow/bulk/pause', []);
    expect(empty.status).toBe(400);
    expect(empty.json.validationErrors[0].message).toBe('WorkflowIds list cannot be null.');
    const many = await raw(h.url, 'POST', '/api/workflow/bulk/retry', Array(1001).fill('x'));
    expect(many.status).toBe(400);
    expect(many.json.validationErrors[0].message).toBe(
      'Cannot process more than 1000 workflows. Please use multiple requests.',
    );
  });
});

describe('task search and workflow search by tasks', () => {
  let w1: string;
  let w2: string;
  beforeAll(async () => {
    await h.metadata.registerWorkflowDef({
      name: 'ui_search_flow',
      version: 1,
      tasks: [simpleTask('s1', 'ui_search'), simpleTask('s2', 'ui_search')],
    } as never);
    w1 = (await h.workflows.startWorkflow({ name: 'ui_search_flow', input: { tag: 'first' } })) as string;
    w2 = (await h.workflows.startWorkflow({ name: 'ui_search_flow', input: { tag: 'second' } })) as string;
    // w1: s1 completed, s2 scheduled; w2: s1 scheduled.
    const t = (await pollTask(h.url, 'ui_search')) as Json;
    expect(t.workflowInstanceId).toBe(w1);
    await complete(h.url, t, { done: 'yes' });
    await waitFor('w1.s2', async () => (await workflow(h, w1)).tasks.length === 2);
  });

  it('/api/tasks/search answers TaskSummary results for a query; -v2 answers tasks', async () => {
    const q = encodeURIComponent('taskDefName = ui_search AND status IN (SCHEDULED)');
    const res = await raw(h.url, 'GET', `/api/tasks/search?query=${q}&sort=scheduledTime:ASC`);
    expect(res.status).toBe(200);
    expect(res.json.totalHits).toBe(2);
    const results = res.json.results as Json[];
    expect(results.map((r) => [r.workflowId, r.status]).sort()).toEqual(
      [
        [w1, 'SCHEDULED'],
        [w2, 'SCHEDULED'],
      ].sort(),
    );
    const times = results.map((r) => Date.parse(r.scheduledTime));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(results[0]).toMatchObject({
      taskDefName: 'ui_search',
      taskType: 'ui_search',
      workflowType: 'ui_search_flow',
      input: expect.any(String),
      scheduledTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    const v2 = await raw(
      h.url,
      'GET',
      `/api/tasks/search-v2?query=${encodeURIComponent('status = COMPLETED')}`,
    );
    expect(v2.json.results).toEqual([
      expect.objectContaining({
        workflowInstanceId: w1,
        referenceTaskName: 's1',
        outputData: { done: 'yes' },
      }),
    ]);
    const text = await raw(h.url, 'GET', `/api/tasks/search?freeText=${encodeURIComponent('"done":"yes"')}`);
    expect(text.json.results.map((r: Json) => r.workflowId)).toEqual([w1]);
  });

  it('/api/workflow/search-by-tasks answers each matching workflow once; -v2 answers workflows', async () => {
    const q = encodeURIComponent('taskDefName = ui_search');
    const res = await raw(h.url, 'GET', `/api/workflow/search-by-tasks?query=${q}`);
    expect(res.status).toBe(200);
    expect(res.json.totalHits).toBe(2);
    expect(res.json.results.map((r: Json) => r.workflowId)).toEqual([w1, w2]);
    expect(res.json.results[0]).toMatchObject({ workflowType: 'ui_search_flow', input: expect.any(String) });
    const v2 = await raw(h.url, 'GET', `/api/workflow/search-by-tasks-v2?query=${q}&size=1&start=1`);
    expect(v2.json.totalHits).toBe(2);
    expect(v2.json.results).toEqual([expect.objectContaining({ workflowId: w2, input: { tag: 'second' } })]);
  });
});

describe('unknown paths', () => {
  it.each([
    ['GET', '/api/workflow/bulk'],
    ['GET', '/api/tasks/queue'],
    ['GET', '/api/no/such/thing'],
    ['POST', '/api/workflow/bulk/pauze'],
    ['GET', '/api/metadata/nothing'],
  ])('%s %s is a 404 saying the resource does not exist', async (method, path) => {
    const res = await raw(h.url, method, path, method === 'POST' ? [] : undefined);
    expect(res.status).toBe(404);
    expect(res.json.message).toBe(`No such resource: ${method} ${path} does not exist`);
  });

  it('ids still work where they do not name a sub-resource (a task whose reference name is "log")', async () => {
    await h.metadata.registerWorkflowDef({
      name: 'ui_log_ref',
      version: 1,
      tasks: [simpleTask('log', 'ui_work')],
    } as never);
    const id = (await h.workflows.startWorkflow({ name: 'ui_log_ref', input: {} })) as string;
    await waitFor('the task', () => pollTask(h.url, 'ui_work'));
    const res = await raw(h.url, 'POST', `/api/tasks/${id}/log/COMPLETED`, { ok: 1 });
    expect(res.status).toBe(200);
    expect(taskByRef(await waitForStatus(h, id, 'COMPLETED'), 'log').outputData).toEqual({ ok: 1 });
  });
});

describe('DYNAMIC', () => {
  const dynamic = (inputParameters: Json, extra: Json = {}): Json => ({
    name: 'dyn',
    taskReferenceName: 'dyn',
    type: 'DYNAMIC',
    dynamicTaskNameParam: 'taskToExecute',
    inputParameters,
    ...extra,
  });

  it('runs the task named by the input parameter, under the DYNAMIC task’s reference name', async () => {
    await h.metadata.registerWorkflowDef({
      name: 'ui_dynamic',
      version: 1,
      tasks: [
        dynamic({ taskToExecute: '${workflow.input.which}', x: '${workflow.input.x}' }),
        simpleTask('after', 'ui_work', { got: '${dyn.output.v}' }),
      ],
    } as never);
    const id = (await h.workflows.startWorkflow({
      name: 'ui_dynamic',
      input: { which: 'ui_dyn_a', x: 7 },
    })) as string;
    const t = (await waitFor('the dynamic task', () => pollTask(h.url, 'ui_dyn_a'))) as Json;
    expect(t).toMatchObject({
      workflowInstanceId: id,
      referenceTaskName: 'dyn',
      taskType: 'ui_dyn_a',
      taskDefName: 'ui_dyn_a',
      inputData: { taskToExecute: 'ui_dyn_a', x: 7 },
    });
    await complete(h.url, t, { v: 'from dyn_a' });
    const after = (await waitFor('the next task', () => pollTask(h.url, 'ui_work'))) as Json;
    expect(after.inputData).toEqual({ got: 'from dyn_a' });
    await complete(h.url, after);
    await waitForStatus(h, id, 'COMPLETED');
  });

  it('fails the workflow when the input names no task', async () => {
    const name = 'ui_dynamic_missing';
    const id = (await h.workflows.startWorkflow({
      name,
      input: {},
      workflowDef: {
        name,
        version: 1,
        tasks: [dynamic({ taskToExecute: '${workflow.input.which}' })],
      } as never,
    })) as string;
    const wf = await waitForStatus(h, id, 'FAILED');
    expect(wf.reasonForIncompletion).toContain(
      'Cannot map a dynamic task based on the parameter and input. Parameter= taskToExecute',
    );
  });

  it('registration needs dynamicTaskNameParam', async () => {
    const res = await raw(h.url, 'POST', '/api/metadata/workflow', {
      name: 'ui_dynamic_bad',
      version: 1,
      tasks: [dynamic({}, { dynamicTaskNameParam: undefined })],
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain(
      'dynamicTaskNameParam field is required for taskType: DYNAMIC taskName: dyn',
    );
  });
});

describe('KAFKA_PUBLISH', () => {
  const kafka = (inputParameters: Json): Json => ({
    name: 'k',
    taskReferenceName: 'k',
    type: 'KAFKA_PUBLISH',
    inputParameters,
  });

  it('is accepted at registration and fails at run time saying no Kafka is configured', async () => {
    const reg = await raw(h.url, 'POST', '/api/metadata/workflow', {
      name: 'ui_kafka',
      version: 1,
      tasks: [kafka({ kafka_request: { topic: 't', value: 'v', bootStrapServers: 'localhost:9092' } })],
    });
    expect(reg.status).toBe(200);
    const id = (await h.workflows.startWorkflow({ name: 'ui_kafka', input: {} })) as string;
    const wf = await waitForStatus(h, id, 'FAILED');
    const task = taskByRef(wf, 'k');
    expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(task.reasonForIncompletion).toContain('no Kafka is configured');
  });

  it('registration needs kafka_request', async () => {
    const res = await raw(h.url, 'POST', '/api/metadata/workflow', {
      name: 'ui_kafka_bad',
      version: 1,
      tasks: [kafka({})],
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain(
      'inputParameters.kafka_request field is required for taskType: KAFKA_PUBLISH taskName: k',
    );
  });
});
