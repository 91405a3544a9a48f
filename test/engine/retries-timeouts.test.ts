/** Retries (FIXED/LINEAR/EXPONENTIAL, terminal errors, optional tasks), timeouts, failure workflows, limits. */
import { retryDelaySeconds } from '../../src/engine/decider/retry';
import { normalizeTaskDef } from '../../src/engine/model/defaults';
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
    { name: 'rt_fixed', retryCount: 2, retryDelaySeconds: 0 },
    { name: 'rt_delay', retryCount: 1, retryDelaySeconds: 1 },
    {
      name: 'rt_timeout_retry',
      retryCount: 1,
      retryDelaySeconds: 0,
      timeoutSeconds: 1,
      responseTimeoutSeconds: 1,
      timeoutPolicy: 'RETRY',
    },
    {
      name: 'rt_timeout_wf',
      retryCount: 3,
      timeoutSeconds: 1,
      responseTimeoutSeconds: 1,
      timeoutPolicy: 'TIME_OUT_WF',
    },
    { name: 'rt_poll', retryCount: 0, pollTimeoutSeconds: 1 },
    { name: 'rt_once', retryCount: 0 },
    { name: 'rt_rate', retryCount: 0, rateLimitPerFrequency: 1, rateLimitFrequencyInSeconds: 2 },
    { name: 'rt_conc', retryCount: 0, concurrentExecLimit: 1 },
  ] as never);
});
afterAll(async () => {
  await h.stop();
});

async function start(tasks: Json[], input: Json = {}, def: Json = {}): Promise<string> {
  const name = `rt_${Math.random().toString(36).slice(2, 8)}`;
  return (await h.workflows.startWorkflow({
    name,
    input,
    workflowDef: { name, version: 1, tasks, ...def } as never,
  })) as string;
}

describe('retry delays', () => {
  it('computes FIXED, LINEAR_BACKOFF and EXPONENTIAL_BACKOFF delays with the max cap', () => {
    const fixed = normalizeTaskDef({ name: 'a', retryDelaySeconds: 5 });
    expect([0, 1, 2].map((n) => retryDelaySeconds(fixed, n))).toEqual([5, 5, 5]);
    const linear = normalizeTaskDef({
      name: 'b',
      retryDelaySeconds: 2,
      retryLogic: 'LINEAR_BACKOFF',
      backoffScaleFactor: 3,
    });
    expect([0, 1, 2].map((n) => retryDelaySeconds(linear, n))).toEqual([6, 12, 18]);
    const exp = normalizeTaskDef({
      name: 'c',
      retryDelaySeconds: 1,
      retryLogic: 'EXPONENTIAL_BACKOFF',
      maxRetryDelaySeconds: 5,
    });
    expect([0, 1, 2, 3].map((n) => retryDelaySeconds(exp, n))).toEqual([1, 2, 4, 5]);
  });
});

describe('task retries', () => {
  it('re-creates a failed task as a new task id chained by retriedTaskId until it succeeds', async () => {
    const id = await start(
      [simpleTask('t', 'rt_fixed', { p: '${workflow.input.p}', me: '${CPEWF_TASK_ID}' })],
      { p: 'v' },
    );
    const a = (await pollTask(h.url, 'rt_fixed')) as Json;
    await complete(h.url, a, {}, 'FAILED', { reasonForIncompletion: 'first' });
    const b = (await pollTask(h.url, 'rt_fixed')) as Json;
    await complete(h.url, b, {}, 'FAILED', { reasonForIncompletion: 'second' });
    const c = (await pollTask(h.url, 'rt_fixed')) as Json;
    expect(new Set([a.taskId, b.taskId, c.taskId]).size).toBe(3);
    expect([b.retriedTaskId, c.retriedTaskId, c.retryCount]).toEqual([a.taskId, b.taskId, 2]);
    expect(c.inputData).toEqual({ p: 'v', me: c.taskId });
    await complete(h.url, c, { ok: true });
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(wf.tasks.map((t: Json) => t.status)).toEqual(['FAILED', 'FAILED', 'COMPLETED']);
    expect(wf.tasks.map((t: Json) => t.retried)).toEqual([true, true, false]);
    expect(wf.failedReferenceTaskNames).toEqual(['t']);
  });

  it('FAILED_WITH_TERMINAL_ERROR is never retried and fails the workflow with Conductor’s reason', async () => {
    const id = await start([simpleTask('t', 'rt_fixed')]);
    const t = (await pollTask(h.url, 'rt_fixed')) as Json;
    await complete(h.url, t, { why: 'bad input' }, 'FAILED_WITH_TERMINAL_ERROR', {
      reasonForIncompletion: 'no notebook',
    });
    const wf = await waitForStatus(h, id, 'FAILED');
    expect(wf.tasks).toHaveLength(1);
    expect(wf.reasonForIncompletion).toBe(
      `Task ${t.taskId} failed with status: FAILED and reason: 'no notebook'`,
    );
    expect(wf.output).toEqual({ why: 'bad input' });
    expect(wf.failedReferenceTaskNames).toEqual(['t']);
  });

  it('waits retryDelaySeconds before the new attempt becomes pollable', async () => {
    const id = await start([simpleTask('t', 'rt_delay')]);
    const a = (await pollTask(h.url, 'rt_delay')) as Json;
    await complete(h.url, a, {}, 'FAILED');
    const retriedEarly = await pollTask(h.url, 'rt_delay', 0);
    expect(retriedEarly).toBeUndefined();
    const wfMid = await workflow(h, id);
    expect(taskByRef(wfMid, 't')).toMatchObject({
      status: 'SCHEDULED',
      callbackAfterSeconds: 1,
      startDelayInSeconds: 1,
      retryCount: 1,
    });
    const b = (await pollTask(h.url, 'rt_delay', 3000)) as Json;
    expect(b.retriedTaskId).toBe(a.taskId);
    await complete(h.url, b);
    await waitForStatus(h, id, 'COMPLETED');
  });

  it('an unregistered SIMPLE task gets the ad-hoc definition: 3 retries, 60 s apart', async () => {
    const id = await start([simpleTask('t', 'rt_unregistered')]);
    const a = (await pollTask(h.url, 'rt_unregistered')) as Json;
    expect(a.taskDefinition).toMatchObject({
      retryCount: 3,
      retryDelaySeconds: 60,
      responseTimeoutSeconds: 3600,
    });
    await complete(h.url, a, {}, 'FAILED');
    const wf = await waitFor('retry scheduled', async () => {
      const w = await workflow(h, id);
      return w.tasks.length === 2 ? w : undefined;
    });
    expect(wf.status).toBe('RUNNING');
    expect(wf.tasks[1]).toMatchObject({ status: 'SCHEDULED', callbackAfterSeconds: 60, retryCount: 1 });
    await h.workflows.terminate(id, 'done');
  });

  it('an optional task that fails ends COMPLETED_WITH_ERRORS and the workflow continues', async () => {
    const id = await start([
      { ...simpleTask('opt', 'rt_once'), optional: true },
      simpleTask('after', 'rt_after'),
    ]);
    await complete(h.url, (await pollTask(h.url, 'rt_once')) as Json, {}, 'FAILED', {
      reasonForIncompletion: 'meh',
    });
    await complete(h.url, (await pollTask(h.url, 'rt_after')) as Json);
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(wf, 'opt').status).toBe('COMPLETED_WITH_ERRORS');
  });

  it('workflow retry re-creates the last failed attempt with fresh input (204)', async () => {
    const id = await start([simpleTask('t', 'rt_once', { me: '${CPEWF_TASK_ID}' })]);
    const a = (await pollTask(h.url, 'rt_once')) as Json;
    const running = await raw(h.url, 'POST', `/api/workflow/${id}/retry`);
    expect(running.status).toBe(404);
    expect(running.json.message).toBe('Workflow is still running.  status=RUNNING');
    await complete(h.url, a, {}, 'FAILED');
    await waitForStatus(h, id, 'FAILED');
    const r = await raw(h.url, 'POST', `/api/workflow/${id}/retry`);
    expect(r.status).toBe(204);
    const b = (await pollTask(h.url, 'rt_once')) as Json;
    expect(b).toMatchObject({ retriedTaskId: a.taskId, retryCount: 1 });
    expect(b.inputData.me).toBe(b.taskId);
    await complete(h.url, b);
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(wf.lastRetriedTime).toBeGreaterThan(0);
  });
});

describe('timeouts', () => {
  it('timeoutSeconds with RETRY: TIMED_OUT, retried, TIMED_OUT again ⇒ workflow TIMED_OUT', async () => {
    const id = await start([simpleTask('t', 'rt_timeout_retry')]);
    await pollTask(h.url, 'rt_timeout_retry');
    await pollTask(h.url, 'rt_timeout_retry', 4000);
    const wf = await waitForStatus(h, id, 'TIMED_OUT', 10_000);
    expect(wf.tasks.map((t: Json) => t.status)).toEqual(['TIMED_OUT', 'TIMED_OUT']);
  });

  it('timeoutSeconds with TIME_OUT_WF times the workflow out at once', async () => {
    const id = await start([simpleTask('t', 'rt_timeout_wf')]);
    await pollTask(h.url, 'rt_timeout_wf');
    const wf = await waitForStatus(h, id, 'TIMED_OUT', 10_000);
    expect(wf.tasks).toHaveLength(1);
    expect(wf.reasonForIncompletion).toMatch(
      /^Task timed out after \d+ seconds\. Timeout configured as 1 seconds\. Timeout policy configured to TIME_OUT_WF$/,
    );
  });

  it('pollTimeoutSeconds: a task nobody polls times out', async () => {
    const id = await start([simpleTask('t', 'rt_poll')]);
    const wf = await waitForStatus(h, id, 'TIMED_OUT', 10_000);
    expect(taskByRef(wf, 't').reasonForIncompletion).toMatch(
      /^Task poll timed out after \d+ seconds\. Poll timeout configured as 1 seconds/,
    );
  });

  it('workflow timeoutSeconds (TIME_OUT_WF) cancels the running task', async () => {
    const id = await start(
      [simpleTask('t', 'rt_wf_timeout')],
      {},
      { timeoutSeconds: 1, timeoutPolicy: 'TIME_OUT_WF' },
    );
    const wf = await waitForStatus(h, id, 'TIMED_OUT', 10_000);
    expect(taskByRef(wf, 't').status).toBe('CANCELED');
    expect(wf.reasonForIncompletion).toMatch(
      /^Workflow timed out after \d+ seconds\. Timeout configured as 1 seconds/,
    );
  });
});

describe('failure workflows', () => {
  it('starts failureWorkflow with the failed workflow’s id, reason and status', async () => {
    await h.metadata.registerWorkflowDef({
      name: 'rt_on_failure',
      version: 1,
      tasks: [simpleTask('cleanup', 'rt_cleanup')],
    } as never);
    const id = await start(
      [simpleTask('t', 'rt_once')],
      { region: 'eu' },
      { failureWorkflow: 'rt_on_failure' },
    );
    await complete(h.url, (await pollTask(h.url, 'rt_once')) as Json, {}, 'FAILED', {
      reasonForIncompletion: 'kaput',
    });
    const wf = await waitForStatus(h, id, 'FAILED');
    const failureId = wf.output['conductor.failure_workflow'];
    expect(typeof failureId).toBe('string');
    const fw = await workflow(h, failureId);
    expect(fw.workflowName).toBe('rt_on_failure');
    expect(fw.input).toMatchObject({ region: 'eu', workflowId: id, failureStatus: 'FAILED' });
    expect(fw.input.reason).toContain("reason: 'kaput'");
    expect(fw.input.failedWorkflow.workflowId).toBe(id);
    await h.workflows.terminate(failureId, 'done');
  });
});

describe('rate and concurrency limits', () => {
  it('concurrentExecLimit 1: a second task is not handed out until the first finishes', async () => {
    const a = await start([simpleTask('t', 'rt_conc')]);
    const b = await start([simpleTask('t', 'rt_conc')]);
    const first = (await pollTask(h.url, 'rt_conc')) as Json;
    expect(await pollTask(h.url, 'rt_conc', 200)).toBeUndefined();
    const waiting = pollTask(h.url, 'rt_conc', 3000);
    await complete(h.url, first);
    const second = (await waiting) as Json;
    expect(second.workflowInstanceId).toBe(first.workflowInstanceId === a ? b : a);
    await complete(h.url, second);
    await waitForStatus(h, a, 'COMPLETED');
    await waitForStatus(h, b, 'COMPLETED');
  });

  it('rateLimitPerFrequency 1 per 2 s: the second task waits for the window', async () => {
    const a = await start([simpleTask('t', 'rt_rate')]);
    const b = await start([simpleTask('t', 'rt_rate')]);
    const first = (await pollTask(h.url, 'rt_rate')) as Json;
    await complete(h.url, first);
    expect(await pollTask(h.url, 'rt_rate', 100)).toBeUndefined();
    const second = (await pollTask(h.url, 'rt_rate', 4000)) as Json;
    expect(second).toBeDefined();
    await complete(h.url, second);
    await waitForStatus(h, a, 'COMPLETED');
    await waitForStatus(h, b, 'COMPLETED');
  });
});
