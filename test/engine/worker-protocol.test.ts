/** The task API as workers see it: polls, updates, long-poll wake-up, logs, leases, queues, domains. */
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
    { name: 'wp_short', retryCount: 0, responseTimeoutSeconds: 2 } as never,
    { name: 'wp_cb', retryCount: 0 } as never,
  ]);
});
afterAll(async () => {
  await h.stop();
});

async function start(tasks: Json[], input: Json = {}, extra: Json = {}): Promise<string> {
  const name = `wp_${Math.random().toString(36).slice(2, 8)}`;
  return (await h.workflows.startWorkflow({
    name,
    input,
    workflowDef: { name, version: 1, tasks } as never,
    ...extra,
  })) as string;
}

describe('polling', () => {
  it('single poll answers 204 and batch poll [] when nothing is queued', async () => {
    const single = await raw(h.url, 'GET', '/api/tasks/poll/nothing_here?workerid=w1');
    expect(single.status).toBe(204);
    expect(single.text).toBe('');
    const batch = await raw(h.url, 'GET', '/api/tasks/poll/batch/nothing_here?count=5&timeout=50');
    expect(batch.status).toBe(200);
    expect(batch.json).toEqual([]);
  });

  it('rejects a long-poll timeout above 5 s with 400', async () => {
    const r = await raw(h.url, 'GET', '/api/tasks/poll/batch/x?timeout=6000');
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('Long Poll Timeout value cannot be more than 5 seconds');
  });

  it('a waiting long poll is released by a task scheduled while it waits', async () => {
    const waiting = pollTask(h.url, 'wp_late', 5000);
    await new Promise((r) => setTimeout(r, 50));
    const id = await start([simpleTask('late', 'wp_late')]);
    const task = await waiting;
    expect(task).toMatchObject({
      workflowInstanceId: id,
      referenceTaskName: 'late',
      status: 'IN_PROGRESS',
      workerId: 'raw',
    });
  });

  it('400 concurrent long polls wait without blocking the engine; each scheduled task goes to one of them', async () => {
    const type = 'wp_crowd';
    const polls = Array.from({ length: 400 }, (_, i) =>
      raw(h.url, 'GET', `/api/tasks/poll/batch/${type}?count=1&timeout=5000&workerid=crowd-${i}`),
    );
    // while they wait, the engine answers everything else
    expect((await raw(h.url, 'GET', '/api/health')).status).toBe(200);
    expect((await raw(h.url, 'GET', `/api/tasks/queue/size?taskType=${type}`)).json).toBe(0);
    const started = await Promise.all(Array.from({ length: 400 }, () => start([simpleTask('t', type)])));
    expect(new Set(started).size).toBe(400);
    const answers = await Promise.all(polls);
    expect(answers.filter((a) => a.status !== 200 || !Array.isArray(a.json))).toEqual([]);
    const handed = answers.flatMap((a) => a.json as Json[]);
    expect(handed.every((t) => t.status === 'IN_PROGRESS' && t.taskType === type)).toBe(true);
    // exactly once: no task handed to two polls, none lost (those scheduled after a poll gave up wait)
    expect(new Set(handed.map((t) => t.taskId)).size).toBe(handed.length);
    expect(handed.length).toBeGreaterThan(0);
    const left = (await raw(h.url, 'GET', `/api/tasks/queue/size?taskType=${type}`)).json as number;
    expect(handed.length + left).toBe(400);
  });

  it('polling marks IN_PROGRESS, counts polls, records poll data and empties the queue', async () => {
    const id = await start([simpleTask('a', 'wp_polled')]);
    expect((await raw(h.url, 'GET', '/api/tasks/queue/size?taskType=wp_polled')).json).toBe(1);
    const t = await pollTask(h.url, 'wp_polled');
    expect(t).toMatchObject({ pollCount: 1, status: 'IN_PROGRESS' });
    expect(t?.startTime).toBeGreaterThan(0);
    expect((await raw(h.url, 'GET', '/api/tasks/queue/size?taskType=wp_polled')).json).toBe(0);
    const poll = await raw(h.url, 'GET', '/api/tasks/queue/polldata?taskType=wp_polled');
    expect(poll.json[0]).toMatchObject({ queueName: 'wp_polled', workerId: 'raw' });
    await complete(h.url, t as Json);
    await waitForStatus(h, id, 'COMPLETED');
  });
});

describe('updates', () => {
  it('POST /api/tasks answers the task id as text/plain; update-v2 answers 204 or the next task', async () => {
    const id = await start([simpleTask('one', 'wp_chain'), simpleTask('two', 'wp_chain')]);
    const first = (await pollTask(h.url, 'wp_chain')) as Json;
    const v2 = await raw(h.url, 'POST', '/api/tasks/update-v2', {
      workflowInstanceId: id,
      taskId: first.taskId,
      status: 'COMPLETED',
      outputData: { n: 1 },
      workerId: 'raw',
    });
    expect(v2.status).toBe(200);
    expect(v2.json).toMatchObject({ referenceTaskName: 'two', status: 'IN_PROGRESS', inputData: {} });
    const legacy = await complete(h.url, v2.json);
    expect(legacy.status).toBe(200);
    expect(legacy.contentType).toMatch(/^text\/plain/);
    expect(legacy.text).toBe(v2.json.taskId);
    const last = await raw(h.url, 'POST', '/api/tasks/update-v2', {
      workflowInstanceId: id,
      taskId: v2.json.taskId,
      status: 'COMPLETED',
    });
    expect(last.status).toBe(204);
    await waitForStatus(h, id, 'COMPLETED');
  });

  it('outputs are replaced, not merged, and updates to a finished task are ignored', async () => {
    const id = await start([simpleTask('r', 'wp_replace')]);
    const t = (await pollTask(h.url, 'wp_replace')) as Json;
    await complete(h.url, t, { a: 1, b: 2 }, 'IN_PROGRESS');
    const again = (await pollTask(h.url, 'wp_replace')) as Json;
    expect(again.taskId).toBe(t.taskId);
    expect(again.outputData).toEqual({ a: 1, b: 2 });
    await complete(h.url, again, { c: 3 });
    const afterDone = await complete(h.url, again, { d: 4 }, 'FAILED');
    expect(afterDone.status).toBe(200);
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(wf, 'r')).toMatchObject({ status: 'COMPLETED', outputData: { c: 3 } });
  });

  it('IN_PROGRESS with callbackAfterSeconds hides the task until the callback, keeping it queued', async () => {
    const id = await start([simpleTask('cb', 'wp_cb')]);
    const t = (await pollTask(h.url, 'wp_cb')) as Json;
    await complete(h.url, t, { step: 1 }, 'IN_PROGRESS', { callbackAfterSeconds: 1 });
    expect((await raw(h.url, 'GET', '/api/tasks/queue/size?taskType=wp_cb')).json).toBe(1);
    expect(await pollTask(h.url, 'wp_cb', 0)).toBeUndefined();
    const wfMid = await workflow(h, id);
    expect(taskByRef(wfMid, 'cb')).toMatchObject({ status: 'SCHEDULED', callbackAfterSeconds: 1 });
    const back = (await pollTask(h.url, 'wp_cb', 3000)) as Json;
    expect(back).toMatchObject({ taskId: t.taskId, pollCount: 2, callbackAfterSeconds: 0 });
    await complete(h.url, back);
    await waitForStatus(h, id, 'COMPLETED');
  });

  it('unknown ids: 404 with Conductor’s messages; missing ids: 400 listing both problems', async () => {
    const id = await start([simpleTask('x', 'wp_unknown')]);
    const noTask = await raw(h.url, 'POST', '/api/tasks', {
      workflowInstanceId: id,
      taskId: 'nope',
      status: 'COMPLETED',
    });
    expect(noTask.status).toBe(404);
    expect(noTask.json.message).toBe('No such task found by id: nope');
    const get = await raw(h.url, 'GET', '/api/tasks/nope');
    expect(get.status).toBe(404);
    expect(get.json.message).toBe('Task not found for taskId: nope');
    const empty = await raw(h.url, 'POST', '/api/tasks', {});
    expect(empty.status).toBe(400);
    expect(empty.json.message).toBe('Validation failed, check below errors for detail.');
    expect(empty.json.validationErrors.map((e: Json) => e.message).sort()).toEqual([
      'Task ID cannot be null or empty',
      'Workflow Id cannot be null or empty',
    ]);
    const noStatus = await raw(h.url, 'POST', '/api/tasks', { workflowInstanceId: id, taskId: 'x' });
    expect(noStatus.status).toBe(400);
    expect(noStatus.json.validationErrors[0].message).toBe('Task status cannot be null');
    await h.workflows.terminate(id, 'cleanup');
  });

  it('update by reference name completes the pending task and merges the given output', async () => {
    const id = await start([simpleTask('byref', 'wp_byref')]);
    const taskId = await h.workflows.updateTaskByRefName('byref', id, 'COMPLETED', { via: 'ref' });
    expect(typeof taskId).toBe('string');
    const wf = await waitForStatus(h, id, 'COMPLETED');
    expect(taskByRef(wf, 'byref').outputData).toEqual({ via: 'ref' });
    const none = await raw(h.url, 'POST', `/api/tasks/${id}/byref/COMPLETED`, {});
    expect(none.text).toBe('');
  });
});

describe('leases, logs and response timeouts', () => {
  it('extendLease keeps a task alive past responseTimeoutSeconds; silence re-creates it', async () => {
    const id = await start([simpleTask('lease', 'wp_short')]);
    const t = (await pollTask(h.url, 'wp_short')) as Json;
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 900));
      const r = await raw(h.url, 'POST', '/api/tasks', {
        workflowInstanceId: id,
        taskId: t.taskId,
        extendLease: true,
      });
      expect(r.status).toBe(200);
    }
    expect(taskByRef(await workflow(h, id), 'lease').status).toBe('IN_PROGRESS');
    const wf = await waitForStatus(h, id, 'TIMED_OUT', 10_000);
    const task = taskByRef(wf, 'lease');
    expect(task.status).toBe('TIMED_OUT');
    expect(task.reasonForIncompletion).toBe(
      `responseTimeout: 2 exceeded for the taskId: ${t.taskId} with Task Definition: wp_short`,
    );
  });

  it('task logs: POST appends (also from TaskResult.logs), GET lists, 204 when none', async () => {
    const id = await start([simpleTask('logs', 'wp_logs')]);
    const t = (await pollTask(h.url, 'wp_logs')) as Json;
    expect((await raw(h.url, 'GET', `/api/tasks/${t.taskId}/log`)).status).toBe(204);
    await h.tasks.addTaskLog(t.taskId, 'first line');
    await complete(h.url, t, {}, 'COMPLETED', { logs: [{ log: 'from result', createdTime: 1 }] });
    const logs = (await h.tasks.getTaskLogs(t.taskId)) as Json[];
    expect(logs.map((l) => l.log)).toEqual(['first line', 'from result']);
    expect(logs[0]).toMatchObject({ taskId: t.taskId });
    await waitForStatus(h, id, 'COMPLETED');
  });
});

describe('domains', () => {
  it('routes to an active domain, falls back to the last listed one, and NO_DOMAIN means the plain queue', async () => {
    await pollTask(h.url, 'wp_dom', 0, '&domain=gpu');
    const id = await start([simpleTask('d', 'wp_dom')], {}, { taskToDomain: { wp_dom: 'gpu,cpu' } });
    expect(await pollTask(h.url, 'wp_dom', 0)).toBeUndefined();
    const t = (await pollTask(h.url, 'wp_dom', 1000, '&domain=gpu')) as Json;
    expect(t).toMatchObject({ workflowInstanceId: id, domain: 'gpu' });
    await complete(h.url, t);
    const id2 = await start([simpleTask('d', 'wp_dom2')], {}, { taskToDomain: { '*': 'nobody,NO_DOMAIN' } });
    const plain = (await pollTask(h.url, 'wp_dom2', 1000)) as Json;
    expect(plain.workflowInstanceId).toBe(id2);
    expect(plain.domain).toBeUndefined();
    await complete(h.url, plain);
    const id3 = await start([simpleTask('d', 'wp_dom3')], {}, { taskToDomain: { wp_dom3: 'idle1,idle2' } });
    const fallback = (await pollTask(h.url, 'wp_dom3', 1000, '&domain=idle2')) as Json;
    expect(fallback.workflowInstanceId).toBe(id3);
    await complete(h.url, fallback);
    await waitFor('all done', async () =>
      (await Promise.all([id, id2, id3].map((x) => workflow(h, x)))).every((w) => w.status === 'COMPLETED'),
    );
  });
});
