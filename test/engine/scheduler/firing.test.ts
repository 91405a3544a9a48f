/**
 * Schedules firing on the embedded engine (crons with a seconds field, so each case takes seconds): the
 * injected input keys, execution records, failed fires, pause/resume without back-fill, cronSchedules,
 * bounds, zones (one with DST), catch-up after an admin pause, upsert without a double fire.
 */
import {
  cronAt,
  executions,
  raw,
  scheduledRuns,
  schedulerHarness,
  untilClockPasses,
  waitFor,
  waitForExecutions,
  WF,
  type Json,
  type SchedulerHarness,
} from './support';

let h: SchedulerHarness;
const B = '/api/scheduler';

beforeAll(async () => {
  h = await schedulerHarness({ memory: true, options: { scheduler: { catchUpMax: 2 } } });
});
afterAll(async () => {
  await h.stop();
});

async function save(body: Json): Promise<Json> {
  const r = await raw(h.url, 'POST', `${B}/schedules`, body);
  if (r.status !== 200) throw new Error(`save: ${r.status} ${r.text}`);
  return r.json as Json;
}

async function pause(name: string): Promise<void> {
  await raw(h.url, 'PUT', `${B}/schedules/${name}/pause`);
}

it('fires each slot once with Conductor’s injected input; every fire is an execution record', async () => {
  await save({
    name: 'f1',
    cronExpression: '* * * * * *',
    startWorkflowRequest: {
      name: WF,
      correlationId: 'c-${scheduledTime}',
      input: { k: 'v', _scheduledTime: 'mine' },
    },
  });
  const records = await waitForExecutions(h.url, 'f1', 3);
  await pause('f1');
  const runs = await scheduledRuns(h.url, 'f1');
  const slots = new Set<number>();
  for (const [i, wf] of runs.entries()) {
    const rec =
      records.find((r) => r.workflowId === wf.workflowId) ??
      (await executions(h.url, `executionId=${String(wf.input._executionId)}`))[0];
    expect(wf.correlationId).toBe('c-${scheduledTime}');
    expect(wf.input).toMatchObject({ k: 'v', _startedByScheduler: 'f1', _schedulerCron: '* * * * * * UTC' });
    expect(wf.input._scheduledTime % 1000).toBe(0);
    expect(wf.input._executedTime).toBeGreaterThanOrEqual(wf.input._scheduledTime);
    expect(wf.input._executionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rec).toMatchObject({
      scheduleName: 'f1',
      state: 'EXECUTED',
      workflowName: WF,
      workflowId: wf.workflowId,
      executionId: wf.input._executionId,
      scheduledTime: wf.input._scheduledTime,
      zoneId: 'UTC',
      startWorkflowRequest: { name: WF, input: { k: 'v' } },
    });
    if (i > 0) expect(wf.input._scheduledTime).toBeGreaterThan(runs[i - 1]?.input._scheduledTime);
    slots.add(wf.input._scheduledTime as number);
  }
  expect(slots.size).toBe(runs.length);
});

it('search/executions: clauses, aliases, sort and paging', async () => {
  const all = await executions(h.url, 'scheduleName IN (f1)');
  expect(all.length).toBeGreaterThanOrEqual(3);
  const [first, second] = all as [Json, Json];
  const q = (query: string, extra = '') =>
    raw(h.url, 'GET', `${B}/search/executions?query=${encodeURIComponent(query)}${extra}`).then(
      (r) => r.json as Json,
    );
  expect((await q('scheduleName IN (f1) AND state IN (FAILED)')).totalHits).toBe(0);
  expect((await q('status IN (EXECUTED) AND scheduleName IN (f1)')).totalHits).toBe(all.length);
  expect((await q(`executionId=${first.executionId}`)).results).toEqual([first]);
  expect((await q(`executionId='${first.executionId}'`)).totalHits).toBe(1);
  expect(
    (await q(`scheduledTime>${first.scheduledTime} AND scheduledTime<${second.scheduledTime + 1}`)).results,
  ).toEqual([second]);
  expect((await q('workflowName=sched AND scheduleName IN (f1)')).totalHits).toBe(all.length);
  expect((await q('f1')).totalHits).toBe(all.length);
  const desc = await q('scheduleName IN (f1)');
  expect(desc.results[0].scheduledTime).toBeGreaterThan(desc.results[1].scheduledTime);
  const asc = await q('scheduleName IN (f1)', '&sort=scheduledTime:ASC&size=1&start=1');
  expect(asc).toMatchObject({ totalHits: all.length, results: [second] });
  const bad = await raw(
    h.url,
    'GET',
    `${B}/search/executions?query=${encodeURIComponent('scheduledTime>soon')}`,
  );
  expect(bad.status).toBe(400);
  // The SDK's search call shape (start, size, sort, freeText, query) works too.
  const sdk = await h.schedules.search(0, 2, 'scheduledTime:ASC', '*', 'scheduleName IN (f1)');
  expect(sdk.results?.map((r) => r.executionId)).toEqual([first.executionId, second.executionId]);
});

it('a workflow that is not registered: each slot is a FAILED record with Conductor’s reason; it keeps firing', async () => {
  await save({ name: 'ghost', cronExpression: '* * * * * *', startWorkflowRequest: { name: 'no_such_wf' } });
  const failed = await waitForExecutions(h.url, 'ghost', 2, 'FAILED');
  await pause('ghost');
  for (const f of failed) {
    expect(f.reason).toMatch(/^No such workflow defined\. name=no_such_wf/);
    expect(f.stackTrace.length).toBeGreaterThan(0);
    expect(f).not.toHaveProperty('workflowId');
  }
});

it('a failing schedule due in the same second as others holds none of them back; it recovers once fixed', async () => {
  // Fires due together are handled in one batch; a failure in it must not undo or delay the others.
  const names = ['mix_a', 'mix_bad', 'mix_b'];
  for (const name of names)
    await save({
      name,
      cronExpression: '* * * * * *',
      paused: true,
      startWorkflowRequest: { name: name === 'mix_bad' ? 'mix_missing' : WF },
    });
  await raw(h.url, 'PUT', `${B}/bulk/resume`, names);
  const failed = await waitForExecutions(h.url, 'mix_bad', 3, 'FAILED');
  const firstFailure = failed[0]?.scheduledTime as number;
  const lastFailure = failed[2]?.scheduledTime as number;
  await waitForExecutions(h.url, 'mix_b', 1);
  for (const name of ['mix_a', 'mix_b']) {
    const slots = (await executions(h.url, `scheduleName IN (${name}) AND state IN (EXECUTED)`))
      .map((e) => e.scheduledTime as number)
      .filter((t) => t >= firstFailure && t <= lastFailure);
    expect(slots).toEqual([firstFailure, firstFailure + 1000, firstFailure + 2000]);
  }
  // The workflow gets registered: the next slots of the failing schedule start it.
  await h.metadata.registerWorkflowDef({
    name: 'mix_missing',
    version: 1,
    tasks: [{ name: 'sched_task', taskReferenceName: 't', type: 'SIMPLE' }],
  } as never);
  await waitForExecutions(h.url, 'mix_bad', 2, 'EXECUTED');
  for (const name of names) await pause(name);
  const all = await executions(h.url, 'scheduleName IN (mix_a,mix_bad,mix_b)');
  expect(new Set(all.map((e) => `${String(e.scheduleName)}@${String(e.scheduledTime)}`)).size).toBe(
    all.length,
  );
});

it('paused at creation does not fire; resume fires from then on, without back-filling', async () => {
  await save({ name: 'pz', cronExpression: '* * * * * *', paused: true, startWorkflowRequest: { name: WF } });
  await untilClockPasses(Date.now() + 2200);
  expect(await executions(h.url, 'scheduleName IN (pz)')).toEqual([]);
  const resumedAt = Date.now();
  await h.schedules.resumeSchedule('pz');
  const recs = await waitForExecutions(h.url, 'pz', 1);
  await pause('pz');
  expect(recs[0]?.scheduledTime).toBeGreaterThan(resumedAt);
  const after = (await executions(h.url, 'scheduleName IN (pz)')).length;
  await untilClockPasses(Date.now() + 2200);
  expect((await executions(h.url, 'scheduleName IN (pz)')).length).toBe(after);
});

it('cronSchedules: every cron fires, each in its zone, labelled in _schedulerCron', async () => {
  await save({
    name: 'multi',
    cronSchedules: [{ cronExpression: '*/2 * * * * *', zoneId: 'UTC' }, { cronExpression: '*/3 * * * * *' }],
    startWorkflowRequest: { name: WF },
  });
  const labels = await waitFor('both crons to fire', async () => {
    const runs = await scheduledRuns(h.url, 'multi');
    const seen = new Set(runs.map((r) => r.input._schedulerCron as string));
    return seen.size === 2 ? seen : undefined;
  });
  await pause('multi');
  expect([...labels].sort()).toEqual(['*/2 * * * * * UTC', '*/3 * * * * * UTC']);
  for (const r of await scheduledRuns(h.url, 'multi')) {
    const step = r.input._schedulerCron.startsWith('*/2') ? 2000 : 3000;
    expect((r.input._scheduledTime as number) % step).toBe(0);
  }
});

it('bounds: nothing before the start or after the end; the schedule stays, without a next run', async () => {
  const start = Math.ceil((Date.now() + 1500) / 1000) * 1000;
  const end = start + 2000;
  await save({
    name: 'bounded',
    cronExpression: '* * * * * *',
    scheduleStartTime: start,
    scheduleEndTime: end,
    startWorkflowRequest: { name: WF },
  });
  await waitFor('the schedule to run out', async () => {
    const s = (await h.schedules.getSchedule('bounded')) as Json;
    return s.nextRunTime === undefined;
  });
  const slots = (await executions(h.url, 'scheduleName IN (bounded)')).map((e) => e.scheduledTime as number);
  expect(slots).toEqual([start, start + 1000, start + 2000]);
  expect(((await h.schedules.getSchedule('bounded')) as Json).paused).toBe(false);
});

it.each(['Asia/Kolkata', 'America/New_York'])(
  'a cron in %s fires at that zone’s wall-clock time',
  async (zone) => {
    const at = Math.ceil((Date.now() + 2500) / 1000) * 1000;
    const name = `zone-${zone.replace('/', '-')}`;
    await save({ name, cronExpression: cronAt(at, zone), zoneId: zone, startWorkflowRequest: { name: WF } });
    const [rec] = await waitForExecutions(h.url, name, 1);
    expect(rec?.scheduledTime).toBe(at);
    const [run] = await scheduledRuns(h.url, name);
    expect(run?.input._schedulerCron).toBe(`${cronAt(at, zone)} ${zone}`);
  },
);

it('upsert of a firing schedule takes effect without firing a slot twice', async () => {
  await save({
    name: 'up',
    cronExpression: '* * * * * *',
    startWorkflowRequest: { name: WF, input: { v: 1 } },
  });
  await waitForExecutions(h.url, 'up', 1);
  // Re-register many times while it fires, then change the input.
  for (let i = 0; i < 20; i++)
    await save({
      name: 'up',
      cronExpression: '* * * * * *',
      startWorkflowRequest: { name: WF, input: { v: 1 } },
    });
  await save({
    name: 'up',
    cronExpression: '* * * * * *',
    startWorkflowRequest: { name: WF, input: { v: 2 } },
  });
  const changedAt = Date.now();
  await waitFor('a run with the new input', async () =>
    (await scheduledRuns(h.url, 'up')).some((r) => r.input.v === 2),
  );
  await pause('up');
  const runs = await scheduledRuns(h.url, 'up');
  const slots = runs.map((r) => r.input._scheduledTime as number);
  expect(new Set(slots).size).toBe(slots.length);
  for (const r of runs) if (r.input._scheduledTime > changedAt + 1000) expect(r.input.v).toBe(2);
});

describe('catch-up after the scheduler was paused (/admin/pause), as after downtime', () => {
  async function missSlots(
    name: string,
    catchUp: boolean,
    missed: number,
  ): Promise<{ pausedAt: number; resumedAt: number }> {
    await save({
      name,
      cronExpression: '* * * * * *',
      runCatchupScheduleInstances: catchUp,
      startWorkflowRequest: { name: WF },
    });
    await waitForExecutions(h.url, name, 1);
    await raw(h.url, 'GET', `${B}/admin/pause`);
    const pausedAt = Date.now();
    await untilClockPasses(pausedAt + missed * 1000 + 300);
    const resumedAt = Date.now();
    await raw(h.url, 'GET', `${B}/admin/resume`);
    return { pausedAt, resumedAt };
  }

  /** After the resume: waits for an on-time run, pauses, and splits the missed slots by outcome. */
  async function outcome(
    name: string,
    resumedAt: number,
  ): Promise<{ all: Json[]; late: Json[]; skipped: Json[] }> {
    await waitFor('a run after the resume', async () =>
      (await executions(h.url, `scheduleName IN (${name}) AND state IN (EXECUTED)`)).some(
        (e) => e.scheduledTime > resumedAt,
      ),
    );
    await pause(name);
    const all = await executions(h.url, `scheduleName IN (${name})`);
    const missed = all.filter((e) => e.scheduledTime < resumedAt && e.executionTime >= resumedAt - 5);
    const slots = all.map((e) => e.scheduledTime as number);
    expect(new Set(slots).size).toBe(slots.length);
    // No slot between the first fire and the last is unaccounted for.
    for (let t = Math.min(...slots); t <= Math.max(...slots); t += 1000) expect(slots).toContain(t);
    return {
      all,
      late: missed.filter((e) => e.state === 'EXECUTED'),
      skipped: missed.filter((e) => e.state === 'SKIPPED'),
    };
  }

  it('catch-up off: one late run for the first missed slot, the others SKIPPED, then on schedule', async () => {
    const { resumedAt } = await missSlots('cu-off', false, 4);
    const { late, skipped } = await outcome('cu-off', resumedAt);
    expect(late).toHaveLength(1);
    expect(skipped.length).toBeGreaterThanOrEqual(3);
    expect(late[0]?.scheduledTime).toBeLessThan(Math.min(...skipped.map((e) => e.scheduledTime as number)));
    for (const s of skipped) expect(s.reason).toMatch(/catch-up is off/);
  });

  it('catch-up on: missed slots run in order up to the cap (2 here); the rest are SKIPPED', async () => {
    const { resumedAt } = await missSlots('cu-on', true, 4);
    const { late, skipped } = await outcome('cu-on', resumedAt);
    expect(late).toHaveLength(2);
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    expect(late[1]?.scheduledTime).toBe((late[0]?.scheduledTime as number) + 1000);
    for (const s of skipped) expect(s.reason).toMatch(/catch-up cap of 2/);
  });
});

it('schedule inputs are data: template-looking strings reach the workflow literally', async () => {
  const hostile = { a: '${workflow.input}', b: '{{ 7*7 }}', c: '$.x', d: "'); process.exit(1); ('" };
  await save({
    name: 'hostile',
    cronExpression: '* * * * * *',
    startWorkflowRequest: { name: WF, input: hostile },
  });
  await waitForExecutions(h.url, 'hostile', 1);
  await pause('hostile');
  const [run] = await scheduledRuns(h.url, 'hostile');
  expect(run?.input).toMatchObject(hostile);
});
