/** SUB_WORKFLOW, INLINE, LAMBDA, SET_VARIABLE, TERMINATE, WAIT, HUMAN, EVENT, HTTP, START_WORKFLOW, NOOP, JQ. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  complete,
  harness,
  pollTask,
  raw,
  simpleTask,
  startInline,
  taskByRef,
  waitFor,
  waitForStatus,
  workflow,
  type Harness,
  type Json,
} from './support';

let h: Harness;
let api: http.Server;
let apiUrl = '';
beforeAll(async () => {
  h = await harness();
  await h.metadata.registerTasks([
    { name: 'st_child', retryCount: 0 },
    { name: 'st_w', retryCount: 0 },
  ] as never);
  api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/fail') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('down for maintenance');
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-served-by': 'test' });
      res.end(
        JSON.stringify({
          method: req.method,
          path: req.url,
          got: body ? JSON.parse(body) : null,
          auth: req.headers.authorization ?? null,
        }),
      );
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h.stop();
  await new Promise((r) => api.close(r));
});

const start = (tasks: Json[], input: Json = {}, def: Json = {}): Promise<string> =>
  startInline(h, 'st', tasks, input, def);

const settled = ['COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT'];

describe('SUB_WORKFLOW', () => {
  beforeAll(async () => {
    await h.metadata.registerWorkflowDef({
      name: 'st_child_wf',
      version: 1,
      tasks: [simpleTask('c', 'st_child', { v: '${workflow.input.v}' })],
      outputParameters: { doubled: '${c.output.d}' },
    } as never);
  });

  it('starts the child with the task input, waits for it and merges its output', async () => {
    const id = await start(
      [
        {
          name: 'sub',
          taskReferenceName: 'sub',
          type: 'SUB_WORKFLOW',
          subWorkflowParam: { name: 'st_child_wf', version: 1 },
          inputParameters: { v: '${workflow.input.v}' },
        },
      ],
      { v: 21 },
      { outputParameters: { result: '${sub.output.doubled}' } },
    );
    const parentMid = await workflow(h, id);
    const sub = taskByRef(parentMid, 'sub');
    expect(sub.status).toBe('IN_PROGRESS');
    const child = await workflow(h, sub.subWorkflowId);
    expect(child).toMatchObject({
      status: 'RUNNING',
      parentWorkflowId: id,
      parentWorkflowTaskId: sub.taskId,
      input: { v: 21 },
    });
    const t = (await pollTask(h.url, 'st_child')) as Json;
    await complete(h.url, t, { d: t.inputData.v * 2 });
    const done = await waitForStatus(h, id, 'COMPLETED');
    expect(done.output).toEqual({ result: 42 });
    expect(taskByRef(done, 'sub').outputData).toEqual({ subWorkflowId: sub.subWorkflowId, doubled: 42 });
  });

  it('terminating the child cancels the parent task and terminates the parent', async () => {
    const id = await start(
      [
        {
          name: 'sub',
          taskReferenceName: 'sub',
          type: 'SUB_WORKFLOW',
          subWorkflowParam: { name: 'st_child_wf' },
        },
      ],
      { v: 1 },
    );
    const childId = taskByRef(await workflow(h, id), 'sub').subWorkflowId;
    await h.workflows.terminate(childId, 'stop it');
    const parent = await waitForStatus(h, id, 'TERMINATED');
    expect(taskByRef(parent, 'sub').status).toBe('CANCELED');
    expect(parent.reasonForIncompletion).toContain('stop it');
    await pollTask(h.url, 'st_child', 0);
  });

  it('terminating the parent terminates the child', async () => {
    const id = await start(
      [
        {
          name: 'sub',
          taskReferenceName: 'sub',
          type: 'SUB_WORKFLOW',
          subWorkflowParam: { name: 'st_child_wf', version: 1 },
        },
      ],
      { v: 1 },
    );
    const childId = taskByRef(await workflow(h, id), 'sub').subWorkflowId;
    await h.workflows.terminate(id, 'parent stopped');
    const child = await waitForStatus(h, childId, 'TERMINATED');
    expect(child.reasonForIncompletion).toBe(
      'Parent workflow has been terminated with reason: parent stopped',
    );
  });

  it('a failed child fails the parent; retry with resumeSubworkflowTasks resumes the child and completes both', async () => {
    const id = await start(
      [
        {
          name: 'sub',
          taskReferenceName: 'sub',
          type: 'SUB_WORKFLOW',
          subWorkflowParam: { name: 'st_child_wf', version: 1 },
        },
      ],
      { v: 2 },
    );
    const childId = taskByRef(await workflow(h, id), 'sub').subWorkflowId;
    const t = (await pollTask(h.url, 'st_child')) as Json;
    await complete(h.url, t, {}, 'FAILED', { reasonForIncompletion: 'child broke' });
    const failed = await waitForStatus(h, id, 'FAILED');
    expect(failed.reasonForIncompletion).toContain('child broke');
    expect((await workflow(h, childId)).status).toBe('FAILED');
    const r = await raw(h.url, 'POST', `/api/workflow/${id}/retry?resumeSubworkflowTasks=true`);
    expect(r.status).toBe(204);
    expect((await workflow(h, id)).status).toBe('RUNNING');
    const again = (await pollTask(h.url, 'st_child')) as Json;
    expect(again).toMatchObject({ workflowInstanceId: childId, retriedTaskId: t.taskId });
    await complete(h.url, again, { d: 4 });
    const parent = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(parent, 'sub')).toMatchObject({ status: 'COMPLETED', subWorkflowId: childId });
    expect((await workflow(h, childId)).status).toBe('COMPLETED');
  });

  it("a child that ends within its parent's first decide completes the parent (registered definitions)", async () => {
    // The parent's row is first written when the child reads it, in the middle of that decide.
    await h.metadata.registerWorkflowDef({
      name: 'st_noop_child',
      version: 1,
      tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
      outputParameters: { from: 'child' },
    } as never);
    await h.metadata.registerWorkflowDef({
      name: 'st_quick_parent',
      version: 1,
      tasks: [
        {
          name: 'sub',
          taskReferenceName: 'sub',
          type: 'SUB_WORKFLOW',
          subWorkflowParam: { name: 'st_noop_child' },
        },
        {
          name: 'set',
          taskReferenceName: 'set',
          type: 'SET_VARIABLE',
          inputParameters: { seen: '${sub.output.from}' },
        },
      ],
      outputParameters: { seen: '${workflow.variables.seen}' },
    } as never);
    const id = (await h.workflows.startWorkflow({
      name: 'st_quick_parent',
      version: 1,
      input: {},
    })) as string;
    const done = await waitForStatus(h, id, 'COMPLETED');
    expect(done.output).toEqual({ seen: 'child' });
    expect(done.variables).toEqual({ seen: 'child' });
    expect(done.updateTime).toBeGreaterThanOrEqual(done.createTime);
    const child = await workflow(h, taskByRef(done, 'sub').subWorkflowId);
    expect(child).toMatchObject({ status: 'COMPLETED', parentWorkflowId: id, output: { from: 'child' } });
  });

  it('an inline sub-workflow definition runs without registration', async () => {
    const id = await start([
      {
        name: 'sub',
        taskReferenceName: 'sub',
        type: 'SUB_WORKFLOW',
        subWorkflowParam: {
          name: 'inline_child',
          workflowDefinition: {
            name: 'inline_child',
            version: 1,
            tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
          },
        },
      },
    ]);
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(wf, 'sub').status).toBe('COMPLETED');
  });
});

describe('INLINE, LAMBDA, SET_VARIABLE, TERMINATE, NOOP', () => {
  it('INLINE returns the completion value as {result}; a throwing script fails the task terminally', async () => {
    const ok = await start([
      {
        name: 'i',
        taskReferenceName: 'i',
        type: 'INLINE',
        inputParameters: {
          evaluatorType: 'javascript',
          expression: '(function(){ return {sum: $.a + $.b, list: [1,2]}; })()',
          a: 2,
          b: 3,
        },
      },
    ]);
    expect(taskByRef(await waitForStatus(h, ok, 'COMPLETED'), 'i').outputData).toEqual({
      result: { sum: 5, list: [1, 2] },
    });
    const bad = await start([
      {
        name: 'i',
        taskReferenceName: 'i',
        type: 'INLINE',
        inputParameters: { evaluatorType: 'javascript', expression: 'throw new Error("kaboom")' },
      },
    ]);
    const wf = await waitForStatus(h, bad, 'FAILED');
    const task = taskByRef(wf, 'i');
    expect(task.status).toBe('FAILED_WITH_TERMINAL_ERROR');
    expect(task.reasonForIncompletion).toContain('kaboom');
    expect(task.outputData.error).toContain('kaboom');
    expect((await raw(h.url, 'GET', '/health')).status).toBe(200);
  });

  it('an INLINE script that never ends is stopped by the time limit', async () => {
    const name = `st_${Math.random().toString(36).slice(2, 8)}`;
    const id = await start(
      [
        {
          name: 'i',
          taskReferenceName: 'i',
          type: 'INLINE',
          inputParameters: { expression: 'while(true){}' },
        },
      ],
      {},
      { name },
    );
    const wf = await waitForStatus(h, id, 'FAILED', 20_000);
    expect(taskByRef(wf, 'i').status).toBe('FAILED');
  }, 30_000);

  it('LAMBDA wraps scriptExpression in a function', async () => {
    const id = await start([
      {
        name: 'l',
        taskReferenceName: 'l',
        type: 'LAMBDA',
        scriptExpression: 'return {testvalue: $.x > 1}',
        inputParameters: { x: 5 },
      },
    ]);
    expect(taskByRef(await waitForStatus(h, id, 'COMPLETED'), 'l').outputData).toEqual({
      result: { testvalue: true },
    });
  });

  it('SET_VARIABLE writes workflow.variables, readable by later tasks', async () => {
    const id = await start(
      [
        {
          name: 'sv',
          taskReferenceName: 'sv',
          type: 'SET_VARIABLE',
          inputParameters: { region: '${workflow.input.r}', n: 1 },
        },
        {
          name: 'i',
          taskReferenceName: 'i',
          type: 'INLINE',
          inputParameters: { expression: '$.v', v: '${workflow.variables.region}' },
        },
      ],
      { r: 'eu' },
      { variables: { n: 0, keep: true }, outputParameters: { vars: '${workflow.variables}' } },
    );
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(wf.variables).toEqual({ n: 1, keep: true, region: 'eu' });
    expect(wf.output.vars).toEqual({ n: 1, keep: true, region: 'eu' });
    expect(taskByRef(wf, 'i').outputData.result).toBe('eu');
  });

  it('TERMINATE ends the workflow with its status, reason and output; FAILED starts no next task', async () => {
    const okId = await start([
      {
        name: 't',
        taskReferenceName: 't',
        type: 'TERMINATE',
        inputParameters: { terminationStatus: 'COMPLETED', workflowOutput: { done: true } },
      },
      simpleTask('never', 'st_never'),
    ]);
    const okWf = await waitForStatus(h, okId, 'COMPLETED');
    expect(okWf.output).toEqual({ done: true });
    expect(okWf.tasks).toHaveLength(1);
    expect(okWf.reasonForIncompletion).toBe(
      `Workflow is COMPLETED by TERMINATE task: ${okWf.tasks[0].taskId}`,
    );
    const failId = await start([
      {
        name: 't',
        taskReferenceName: 't',
        type: 'TERMINATE',
        inputParameters: {
          terminationStatus: 'FAILED',
          terminationReason: 'Early exit in terminate',
          workflowOutput: 'plain',
        },
      },
    ]);
    const failWf = await waitForStatus(h, failId, 'FAILED');
    expect(failWf.reasonForIncompletion).toBe('Early exit in terminate');
    expect(failWf.output).toEqual({ output: 'plain' });
  });

  it('NOOP completes at once', async () => {
    const id = await start([{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }]);
    expect(taskByRef(await waitForStatus(h, id, 'COMPLETED'), 'n').status).toBe('COMPLETED');
  });
});

describe('WAIT and HUMAN', () => {
  it('WAIT with a duration completes by itself', async () => {
    const id = await start([
      { name: 'w', taskReferenceName: 'w', type: 'WAIT', inputParameters: { duration: '1s' } },
      { name: 'n', taskReferenceName: 'n', type: 'NOOP' },
    ]);
    const mid = await workflow(h, id);
    expect(taskByRef(mid, 'w')).toMatchObject({ status: 'IN_PROGRESS', callbackAfterSeconds: 1 });
    const wf = await waitForStatus(h, id, 'COMPLETED', 5000);
    expect(taskByRef(wf, 'w').status).toBe('COMPLETED');
  });

  it('WAIT without a duration is completed by a signal; HUMAN by a task update', async () => {
    const id = await start([
      { name: 'w', taskReferenceName: 'w', type: 'WAIT' },
      { name: 'hu', taskReferenceName: 'hu', type: 'HUMAN' },
    ]);
    const r = await raw(h.url, 'POST', `/api/tasks/${id}/COMPLETED/signal/sync`, { approved: true });
    expect(r.status).toBe(200);
    expect(r.json.targetWorkflowId).toBe(id);
    const mid = await workflow(h, id);
    expect(taskByRef(mid, 'w')).toMatchObject({ status: 'COMPLETED', outputData: { approved: true } });
    expect(taskByRef(mid, 'hu').status).toBe('IN_PROGRESS');
    await h.workflows.updateTask(taskByRef(mid, 'hu').taskId, id, 'COMPLETED', { by: 'alice' });
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(wf, 'hu').outputData).toEqual({ by: 'alice' });
    const none = await raw(h.url, 'POST', `/api/tasks/${id}/COMPLETED/signal/sync`, {});
    expect(none.status).toBe(404);
  });

  it('WAIT until a past time completes at once; both duration and until is a 400 at registration', async () => {
    const id = await start([
      { name: 'w', taskReferenceName: 'w', type: 'WAIT', inputParameters: { until: '2000-01-01 00:00 UTC' } },
    ]);
    await waitForStatus(h, id, 'COMPLETED', 5000);
    const bad = await raw(h.url, 'POST', '/api/metadata/workflow', {
      name: 'st_badwait',
      tasks: [
        {
          name: 'w',
          taskReferenceName: 'w',
          type: 'WAIT',
          inputParameters: { duration: '1s', until: '2030-01-01' },
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.json.validationErrors[0].message).toBe(
      "Both 'duration' and 'until' specified. Please provide only one input",
    );
  });
});

describe('HTTP', () => {
  it('calls the endpoint and stores {response: {statusCode, reasonPhrase, headers, body}}', async () => {
    const id = await start(
      [
        {
          name: 'call',
          taskReferenceName: 'call',
          type: 'HTTP',
          inputParameters: {
            http_request: {
              uri: `${apiUrl}/items?x=1`,
              method: 'POST',
              body: { region: '${workflow.input.r}' },
              headers: { Authorization: 'Bearer t' },
            },
          },
        },
      ],
      { r: 'eu' },
    );
    const wf = await waitForStatus(h, id, settled);
    const task = taskByRef(wf, 'call');
    expect(wf.status).toBe('COMPLETED');
    expect(task.outputData.response).toMatchObject({
      statusCode: 201,
      reasonPhrase: 'Created',
      body: { method: 'POST', path: '/items?x=1', got: { region: 'eu' }, auth: 'Bearer t' },
    });
    expect(task.outputData.response.headers['x-served-by']).toEqual(['test']);
  });

  it('a non-2xx answer fails the task with the body as reason', async () => {
    const id = await start([
      {
        name: 'call',
        taskReferenceName: 'call',
        type: 'HTTP',
        inputParameters: { uri: `${apiUrl}/fail`, method: 'GET' },
      },
    ]);
    const wf = await waitForStatus(h, id, settled);
    expect(wf.status).toBe('FAILED');
    expect(taskByRef(wf, 'call')).toMatchObject({
      status: 'FAILED',
      reasonForIncompletion: 'down for maintenance',
    });
    expect(taskByRef(wf, 'call').outputData.response.statusCode).toBe(503);
  });
});

describe('EVENT, START_WORKFLOW, JSON_JQ_TRANSFORM', () => {
  it('EVENT publishes to conductor:<workflow>:<ref> and completes', async () => {
    const name = `st_evt_${Math.random().toString(36).slice(2, 8)}`;
    const id = (await h.workflows.startWorkflow({
      name,
      input: { k: 'v' },
      workflowDef: {
        name,
        version: 1,
        tasks: [
          {
            name: 'e',
            taskReferenceName: 'e',
            type: 'EVENT',
            sink: 'conductor',
            inputParameters: { k: '${workflow.input.k}' },
          },
        ],
      } as never,
    })) as string;
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(wf, 'e').outputData).toMatchObject({
      k: 'v',
      event_produced: `conductor:${name}:e`,
      workflowInstanceId: id,
      workflowType: name,
    });
  });

  it('START_WORKFLOW starts an independent workflow inheriting the correlationId', async () => {
    await h.metadata.registerWorkflowDef({
      name: 'st_started',
      version: 1,
      tasks: [simpleTask('s', 'st_w')],
    } as never);
    const name = `st_${Math.random().toString(36).slice(2, 8)}`;
    const id = (await h.workflows.startWorkflow({
      name,
      correlationId: 'corr-sw',
      input: {},
      workflowDef: {
        name,
        version: 1,
        tasks: [
          {
            name: 's',
            taskReferenceName: 's',
            type: 'START_WORKFLOW',
            inputParameters: { startWorkflow: { name: 'st_started', input: { a: 1 } } },
          },
        ],
      } as never,
    })) as string;
    const wf = await waitForStatus(h, id, 'COMPLETED');
    const childId = taskByRef(wf, 's').outputData.workflowId;
    const child = await workflow(h, childId);
    expect(child).toMatchObject({ status: 'RUNNING', correlationId: 'corr-sw', input: { a: 1 } });
    await h.workflows.terminate(childId, 'done');
    const missing = await start([
      { name: 's', taskReferenceName: 's', type: 'START_WORKFLOW', inputParameters: {} },
    ]);
    const failed = await waitForStatus(h, missing, 'FAILED');
    expect(taskByRef(failed, 's').reasonForIncompletion).toBe("Missing 'startWorkflow' in input data.");
  });

  it('JSON_JQ_TRANSFORM returns result and resultList; a jq error fails the task with jq’s message', async () => {
    const id = await start([
      {
        name: 'jq',
        taskReferenceName: 'jq',
        type: 'JSON_JQ_TRANSFORM',
        inputParameters: {
          in1: { array: [1, 2] },
          in2: { array: [3] },
          queryExpression: '.in1 as $_ | { out: ($_.array + .in2.array) }',
        },
      },
    ]);
    const wf = await waitForStatus(h, id, settled);
    expect(taskByRef(wf, 'jq').outputData).toEqual({
      result: { out: [1, 2, 3] },
      resultList: [{ out: [1, 2, 3] }],
    });
    const bad = await start([
      {
        name: 'jq',
        taskReferenceName: 'jq',
        type: 'JSON_JQ_TRANSFORM',
        inputParameters: { in1: 'text', queryExpression: '.in1.array' },
      },
    ]);
    const failed = await waitForStatus(h, bad, settled);
    expect(failed.status).toBe('FAILED');
    expect(taskByRef(failed, 'jq').reasonForIncompletion).toBe('Cannot index string with string "array"');
    await waitFor('health', async () => (await raw(h.url, 'GET', '/health')).status === 200);
  });
});
