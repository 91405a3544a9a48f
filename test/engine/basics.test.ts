/** Metadata and a SIMPLE-task workflow end to end through the official SDK. */
import {
  harness,
  raw,
  startWorkers,
  taskByRef,
  waitForStatus,
  workflow,
  type Harness,
  type Json,
} from './support';

let h: Harness;
beforeAll(async () => {
  h = await harness();
});
afterAll(async () => {
  await h.stop();
});

describe('metadata API', () => {
  it('registers, reads back (with Conductor defaults), updates and deletes task definitions', async () => {
    await h.metadata.registerTasks([{ name: 'md_a', retryCount: 2, timeoutSeconds: 0 } as never]);
    const def = (await h.metadata.getTask('md_a')) as Json;
    expect(def).toMatchObject({
      name: 'md_a',
      retryCount: 2,
      retryLogic: 'FIXED',
      retryDelaySeconds: 60,
      responseTimeoutSeconds: 3600,
    });
    expect(def.timeoutPolicy).toBe('TIME_OUT_WF');
    await h.metadata.updateTask({ ...def, retryCount: 5 } as never);
    expect(((await h.metadata.getTask('md_a')) as Json).retryCount).toBe(5);
    await h.metadata.unregisterTask('md_a');
    const missing = await raw(h.url, 'GET', '/api/metadata/taskdefs/md_a');
    expect(missing.status).toBe(404);
    expect(missing.json.message).toBe('No such taskType found by name: md_a');
  });

  it('PUT of an unknown task definition is a 404 with Conductor’s message', async () => {
    const r = await raw(h.url, 'PUT', '/api/metadata/taskdefs', { name: 'nope_def' });
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ status: 404, message: 'No such task by name nope_def', retryable: false });
  });

  it('workflow definitions: 409 on a duplicate name+version unless overwrite, latest version by default', async () => {
    const def = { name: 'md_wf', version: 1, tasks: [{ name: 'x', taskReferenceName: 'x' }] };
    await h.metadata.registerWorkflowDef(def as never);
    const dup = await raw(h.url, 'POST', '/api/metadata/workflow', def);
    expect(dup.status).toBe(409);
    expect(dup.json.message).toBe('Workflow with md_wf.1 already exists!');
    const over = await raw(h.url, 'POST', '/api/metadata/workflow?overwrite=true', {
      ...def,
      description: 'v1b',
    });
    expect(over.status).toBe(200);
    await h.metadata.registerWorkflowDef({ ...def, version: 2 } as never);
    expect(((await h.metadata.getWorkflowDef('md_wf')) as Json).version).toBe(2);
    expect(((await h.metadata.getWorkflowDef('md_wf', 1)) as Json).description).toBe('v1b');
    const got = (await h.metadata.getWorkflowDef('md_wf', 1)) as Json;
    expect(got.tasks[0]).toMatchObject({ type: 'SIMPLE', optional: false, startDelay: 0 });
    const missing = await raw(h.url, 'GET', '/api/metadata/workflow/md_wf?version=9');
    expect(missing.json.message).toBe('No such workflow found by name: md_wf, version: 9');
    await h.metadata.unregisterWorkflow('md_wf', 2);
    expect(((await h.metadata.getWorkflowDef('md_wf')) as Json).version).toBe(1);
  });

  it('PUT /workflow upserts a list and answers a BulkResponse', async () => {
    const r = await raw(h.url, 'PUT', '/api/metadata/workflow', [
      { name: 'bulk_a', tasks: [{ name: 'a', taskReferenceName: 'a' }] },
      { name: 'bulk_b', tasks: [{ name: 'b', taskReferenceName: 'b' }] },
    ]);
    expect(r.status).toBe(200);
    expect(r.json.bulkSuccessfulResults).toEqual(['bulk_a', 'bulk_b']);
  });
});

describe('a SIMPLE-task workflow with an SDK worker', () => {
  beforeAll(async () => {
    await h.metadata.registerWorkflowDef({
      name: 'greet',
      version: 1,
      tasks: [
        { name: 'greet_upper', taskReferenceName: 'up', inputParameters: { who: '${workflow.input.name}' } },
        {
          name: 'greet_wrap',
          taskReferenceName: 'wrap',
          inputParameters: { text: '${up.output.text}', n: '${workflow.input.n}' },
        },
      ],
      outputParameters: { greeting: '${wrap.output.text}', upper: '${up.output.text}' },
    } as never);
    startWorkers(h, [
      {
        taskDefName: 'greet_upper',
        execute: async (t) => ({
          status: 'COMPLETED',
          outputData: { text: String(t.inputData?.who).toUpperCase() },
        }),
      },
      {
        taskDefName: 'greet_wrap',
        execute: async (t) => ({
          status: 'COMPLETED',
          outputData: { text: `hello ${String(t.inputData?.text)} x${String(t.inputData?.n)}` },
        }),
      },
    ]);
  });

  it('runs to COMPLETED with typed inputs, outputs from outputParameters and tasks in seq order', async () => {
    const id = await h.workflows.startWorkflow({
      name: 'greet',
      input: { name: 'ada', n: 2 },
      correlationId: 'c-1',
    });
    const wf = await waitForStatus(h, id as string, 'COMPLETED');
    expect(wf.output).toEqual({ greeting: 'hello ADA x2', upper: 'ADA' });
    expect(wf.tasks.map((t: Json) => [t.referenceTaskName, t.seq, t.status])).toEqual([
      ['up', 1, 'COMPLETED'],
      ['wrap', 2, 'COMPLETED'],
    ]);
    expect(taskByRef(wf, 'wrap').inputData).toEqual({ text: 'ADA', n: 2 });
    expect(taskByRef(wf, 'up')).toMatchObject({
      taskType: 'greet_upper',
      workerId: 'test-worker',
      pollCount: 1,
    });
    expect(wf.correlationId).toBe('c-1');
    expect(wf.workflowName).toBe('greet');
    expect(wf.endTime).toBeGreaterThan(0);
  });

  it('starts by name with POST /api/workflow/{name} answering the id as text/plain', async () => {
    const r = await raw(h.url, 'POST', '/api/workflow/greet?correlationId=c-2', { name: 'bob', n: 1 });
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^text\/plain/);
    const wf = await waitForStatus(h, r.text, 'COMPLETED');
    expect(wf.output.greeting).toBe('hello BOB x1');
  });

  it('starts an inline (unregistered) definition from a StartWorkflowRequest', async () => {
    const id = await h.workflows.startWorkflow({
      name: 'inline_greet',
      input: { name: 'cy' },
      workflowDef: {
        name: 'inline_greet',
        version: 1,
        timeoutSeconds: 0,
        tasks: [
          {
            name: 'greet_upper',
            taskReferenceName: 'only',
            inputParameters: { who: '${workflow.input.name}' },
          },
        ],
      } as never,
    });
    const wf = await waitForStatus(h, id as string, 'COMPLETED');
    expect(wf.output).toEqual({ text: 'CY' });
  });

  it('getWorkflow without tasks, status summary, search, correlated and running lists', async () => {
    const id = (await h.workflows.startWorkflow({
      name: 'greet',
      input: { name: 'dee', n: 3 },
      correlationId: 'corr-x',
    })) as string;
    await waitForStatus(h, id, 'COMPLETED');
    const noTasks = await raw(h.url, 'GET', `/api/workflow/${id}?includeTasks=false`);
    expect(noTasks.json.tasks).toEqual([]);
    const status = await raw(h.url, 'GET', `/api/workflow/${id}/status?includeOutput=true`);
    expect(status.json).toMatchObject({
      workflowId: id,
      status: 'COMPLETED',
      output: { greeting: 'hello DEE x3' },
    });
    const found = (await h.workflows.search(
      0,
      10,
      'workflowType IN (greet) AND status IN (COMPLETED)',
      'corr-x',
    )) as Json;
    expect(found.totalHits).toBe(1);
    expect(found.results[0]).toMatchObject({ workflowId: id, workflowType: 'greet', status: 'COMPLETED' });
    const page = (await h.workflows.search(0, 1, 'workflowType = greet', '*', 'startTime:DESC')) as Json;
    expect(page.results).toHaveLength(1);
    expect(page.totalHits).toBeGreaterThanOrEqual(3);
    const byCorr = await raw(h.url, 'GET', `/api/workflow/greet/correlated/corr-x?includeClosed=true`);
    expect(byCorr.json.map((w: Json) => w.workflowId)).toEqual([id]);
    const running = await raw(h.url, 'GET', '/api/workflow/running/greet?version=1');
    expect(running.json).toEqual([]);
  });

  it('unknown workflow id → 404 "Workflow with id: … not found."', async () => {
    const r = await raw(h.url, 'GET', '/api/workflow/nope-123');
    expect(r.status).toBe(404);
    expect(r.json.message).toBe('Workflow with id: nope-123 not found.');
    await expect(workflow(h, 'nope-123')).rejects.toThrow();
  });

  it('executeWorkflow starts and waits: to the end, or until the workflow blocks on a WAIT', async () => {
    await h.metadata.registerWorkflowDef({
      name: 'exec_wf',
      version: 1,
      tasks: [
        {
          name: 'i',
          taskReferenceName: 'i',
          type: 'INLINE',
          inputParameters: { expression: '$.x + 1', x: '${workflow.input.x}' },
        },
      ],
      outputParameters: { y: '${i.output.result}' },
    } as never);
    const done = (await h.workflows.executeWorkflow(
      { name: 'exec_wf', input: { x: 41 } },
      'exec_wf',
      1,
      'req-1',
    )) as Json;
    expect(done).toMatchObject({ status: 'COMPLETED', output: { y: 42 }, targetWorkflowStatus: 'COMPLETED' });
    await h.metadata.registerWorkflowDef({
      name: 'exec_wait',
      version: 1,
      tasks: [{ name: 'w', taskReferenceName: 'w', type: 'WAIT' }],
    } as never);
    const blocked = (await h.workflows.executeWorkflow(
      { name: 'exec_wait', input: {} },
      'exec_wait',
      1,
      'req-2',
    )) as Json;
    expect(blocked.status).toBe('RUNNING');
    await h.workflows.terminate(blocked.workflowId as string, 'done');
  });

  it('search by time range and sort order', async () => {
    const before = Date.now() - 1;
    const id = (await h.workflows.startWorkflow({ name: 'greet', input: { name: 'time', n: 0 } })) as string;
    await waitForStatus(h, id, 'COMPLETED');
    const inRange = (await h.workflows.search(
      0,
      10,
      `workflowType = greet AND startTime > ${before}`,
      '*',
    )) as Json;
    expect(inRange.results.map((r: Json) => r.workflowId)).toEqual([id]);
    const none = (await h.workflows.search(
      0,
      10,
      `workflowType = greet AND startTime < ${before - 3_600_000}`,
      '*',
    )) as Json;
    expect(none.totalHits).toBe(0);
    const sorted = (await h.workflows.search(0, 100, 'workflowType = greet', '*', 'startTime:ASC')) as Json;
    const times = (sorted.results as Json[]).map((r) => Date.parse(r.startTime));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
