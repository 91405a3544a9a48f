/**
 * `/api/scheduler` through the official SDK's SchedulerClient and raw HTTP: shapes, status codes and
 * error bodies as Conductor's, plus the documented improvements (400 on a bad cron or zone, GET and PUT
 * for pause/resume, idempotent resume, nextRunTime, preview in a zone).
 */
import { raw, schedulerHarness, WF, type Json, type SchedulerHarness } from './support';

let h: SchedulerHarness;
const B = '/api/scheduler';

beforeAll(async () => {
  h = await schedulerHarness();
});
afterAll(async () => {
  await h.stop();
});

const yearly = (name: string, extra: Json = {}): Json => ({
  name,
  cronExpression: '0 0 0 1 1 *',
  startWorkflowRequest: { name: WF },
  ...extra,
});

describe('schedules CRUD', () => {
  it('create answers the stored schedule with Conductor defaults and nextRunTime', async () => {
    const before = Date.now();
    const r = await raw(h.url, 'POST', `${B}/schedules`, yearly('t1'));
    expect(r.status).toBe(200);
    const s = r.json as Json;
    expect(s).toMatchObject({
      name: 't1',
      cronExpression: '0 0 0 1 1 *',
      zoneId: 'UTC',
      paused: false,
      runCatchupScheduleInstances: false,
      cronSchedules: [],
      createdBy: '',
      updatedBy: '',
      startWorkflowRequest: { name: WF, input: {}, taskToDomain: {}, priority: 0 },
    });
    expect(s.createTime).toBeGreaterThanOrEqual(before);
    expect(s.updatedTime).toBe(s.createTime);
    for (const absent of ['pausedReason', 'scheduleStartTime', 'scheduleEndTime'])
      expect(s).not.toHaveProperty(absent);
    const nextJan1 = Date.UTC(new Date().getUTCFullYear() + 1, 0, 1);
    expect(s.nextRunTime).toBe(nextJan1);
    // The SDK reads the same thing.
    expect(await h.schedules.getSchedule('t1')).toMatchObject({ name: 't1', nextRunTime: nextJan1 });
  });

  it('upsert keeps createTime and createdBy and replaces everything else', async () => {
    await h.schedules.saveSchedule(yearly('t2', { zoneId: 'Asia/Tokyo', description: 'first' }) as never);
    const first = await h.schedules.getSchedule('t2');
    await new Promise((r) => setTimeout(r, 5));
    await h.schedules.saveSchedule(yearly('t2') as never);
    const second = (await h.schedules.getSchedule('t2')) as Json;
    expect(second.createTime).toBe(first.createTime);
    expect(second.updatedTime).toBeGreaterThan(first.updatedTime as number);
    expect(second.zoneId).toBe('UTC');
    expect(second).not.toHaveProperty('description');
  });

  it('get of an unknown schedule is 404 with Conductor’s error body; the SDK throws', async () => {
    const r = await raw(h.url, 'GET', `${B}/schedules/nope`);
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ status: 404, message: "Schedule 'nope' not found", retryable: false });
    await expect(h.schedules.getSchedule('nope')).rejects.toThrow(/Schedule 'nope' not found/);
  });

  it('lists all schedules or those of one workflow (exact name)', async () => {
    await h.metadata.registerWorkflowDef({
      name: 'wf_other',
      version: 1,
      tasks: [{ name: 'x', taskReferenceName: 'x', type: 'SIMPLE' }],
    } as never);
    await h.schedules.saveSchedule({
      ...yearly('other-1'),
      startWorkflowRequest: { name: 'wf_other' },
    } as never);
    const all = (await h.schedules.getAllSchedules()) as Json[];
    expect(all.map((s) => s.name)).toEqual(expect.arrayContaining(['t1', 't2', 'other-1']));
    const mine = (await h.schedules.getAllSchedules('wf_other')) as Json[];
    expect(mine.map((s) => s.name)).toEqual(['other-1']);
    expect(((await raw(h.url, 'GET', `${B}/schedules?workflowName=`)).json as Json[]).length).toBe(
      all.length,
    );
    expect((await raw(h.url, 'GET', `${B}/schedules?workflowName=wf_oth`)).json).toEqual([]);
  });

  it('searches by name (case-insensitive substring), paused and page', async () => {
    await h.schedules.saveSchedule(yearly('alpha-1', { paused: true }) as never);
    await h.schedules.saveSchedule(yearly('alpha-2') as never);
    const paused = (await raw(h.url, 'GET', `${B}/schedules/search?scheduleName=ALPHA&paused=true`))
      .json as Json;
    expect(paused.totalHits).toBe(1);
    expect(paused.results.map((s: Json) => s.name)).toEqual(['alpha-1']);
    const page = (await raw(h.url, 'GET', `${B}/schedules/search?scheduleName=alpha&size=1&start=1`))
      .json as Json;
    expect(page).toMatchObject({ totalHits: 2, results: [{ name: 'alpha-2' }] });
  });

  it('delete is 200 with an empty body, also for an unknown name', async () => {
    await h.schedules.saveSchedule(yearly('gone') as never);
    const r = await raw(h.url, 'DELETE', `${B}/schedules/gone`);
    expect(r).toMatchObject({ status: 200, text: '' });
    expect((await raw(h.url, 'GET', `${B}/schedules/gone`)).status).toBe(404);
    expect((await raw(h.url, 'DELETE', `${B}/schedules/gone`)).status).toBe(200);
    await h.schedules.deleteSchedule('gone');
  });
});

describe('pause and resume', () => {
  it('pause takes a reason; PUT and GET both work; the SDK call works unchanged', async () => {
    await h.schedules.saveSchedule(yearly('p1') as never);
    const before = (await h.schedules.getSchedule('p1')) as Json;
    const put = await raw(h.url, 'PUT', `${B}/schedules/p1/pause?reason=maint%20window`);
    expect(put).toMatchObject({ status: 200, text: '' });
    const paused = (await h.schedules.getSchedule('p1')) as Json;
    expect(paused).toMatchObject({ paused: true, pausedReason: 'maint window' });
    expect(paused.updatedTime).toBeGreaterThanOrEqual(before.updatedTime);
    expect(paused).not.toHaveProperty('nextRunTime');
    expect((await raw(h.url, 'GET', `${B}/schedules/p1/pause?reason=again`)).status).toBe(200);
    expect(((await h.schedules.getSchedule('p1')) as Json).pausedReason).toBe('again');

    expect((await raw(h.url, 'GET', `${B}/schedules/p1/resume`)).status).toBe(200);
    const resumed = (await h.schedules.getSchedule('p1')) as Json;
    expect(resumed.paused).toBe(false);
    expect(resumed).not.toHaveProperty('pausedReason');
    expect(resumed.nextRunTime).toBe(before.nextRunTime);

    await h.schedules.pauseSchedule('p1', 'via sdk');
    expect(((await h.schedules.getSchedule('p1')) as Json).pausedReason).toBe('via sdk');
    await h.schedules.resumeSchedule('p1');
    // Resuming an active schedule is a no-op 200 (Conductor answers 404).
    await h.schedules.resumeSchedule('p1');
    expect((await raw(h.url, 'PUT', `${B}/schedules/p1/resume`)).status).toBe(200);
  });

  it('pause or resume of an unknown schedule is 404', async () => {
    for (const path of ['pause', 'resume']) {
      const r = await raw(h.url, 'PUT', `${B}/schedules/nope/${path}`);
      expect(r.status).toBe(404);
      expect(r.json.message).toBe("Schedule 'nope' not found");
    }
    await expect(h.schedules.pauseSchedule('nope')).rejects.toThrow(/not found/);
  });

  it('bulk pause and resume report per-name results; an empty list is a 400', async () => {
    await h.schedules.saveSchedule(yearly('b1') as never);
    const r = await raw(h.url, 'PUT', `${B}/bulk/pause`, ['b1', 'nope']);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      bulkSuccessfulResults: ['b1'],
      bulkErrorResults: { nope: "Schedule 'nope' not found" },
    });
    expect(((await h.schedules.getSchedule('b1')) as Json).paused).toBe(true);
    const resumed = await raw(h.url, 'PUT', `${B}/bulk/resume`, ['b1', 't1']);
    expect(resumed.json).toEqual({ bulkSuccessfulResults: ['b1', 't1'], bulkErrorResults: {} });
    const empty = await raw(h.url, 'PUT', `${B}/bulk/pause`, []);
    expect(empty.status).toBe(400);
    expect(empty.json.validationErrors).toHaveLength(1);
    expect((await raw(h.url, 'PUT', `${B}/bulk/pause`, { not: 'a list' })).status).toBe(400);
  });
});

describe('validation: a bad schedule is a 400 naming the problem, and nothing is saved', () => {
  it.each([
    [
      'a 5-field cron',
      { cronExpression: '0 9 * * *' },
      'cronExpression',
      /cron expression "0 9 \* \* \*".*6 fields.*found 5/,
    ],
    [
      'a cron value out of range',
      { cronExpression: '0 0 25 * * *' },
      'cronExpression',
      /hour field '25': 25 is out of range 0-23/,
    ],
    ['an unknown zone', { zoneId: 'Mars/Olympus' }, 'zoneId', /unknown time-zone ID: "Mars\/Olympus"/],
    [
      'no cron at all',
      { cronExpression: undefined },
      'cronExpression',
      /cronExpression \(or a non-empty cronSchedules list\) is required/,
    ],
    [
      'a bad cronSchedules entry',
      { cronSchedules: [{ cronExpression: '* * * * * *' }, { cronExpression: 'x', zoneId: 'UTC' }] },
      'cronSchedules[1].cronExpression',
      /invalid cron expression "x"/,
    ],
    [
      'no workflow name',
      { startWorkflowRequest: { input: {} } },
      'startWorkflowRequest.name',
      /the workflow to start/,
    ],
    [
      'a non-object input',
      { startWorkflowRequest: { name: WF, input: [1] } },
      'startWorkflowRequest.input',
      /JSON object/,
    ],
    [
      'an end before the start',
      { scheduleStartTime: 2000, scheduleEndTime: 1000 },
      'scheduleEndTime',
      /before scheduleStartTime/,
    ],
    ['a non-numeric bound', { scheduleStartTime: 'soon' }, 'scheduleStartTime', /epoch milliseconds/],
    [
      'a priority out of range',
      { startWorkflowRequest: { name: WF, priority: 100 } },
      'startWorkflowRequest.priority',
      /0-99/,
    ],
  ])('%s', async (_what, patch, path, message) => {
    const body = { ...yearly('bad'), ...patch };
    const r = await raw(h.url, 'POST', `${B}/schedules`, body);
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(message);
    expect(r.json.validationErrors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect((await raw(h.url, 'GET', `${B}/schedules/bad`)).status).toBe(404);
  });

  it('the SDK rejects a bad cron on save (its typed client sees an invalid cron expression)', async () => {
    await expect(
      h.schedules.saveSchedule(yearly('bad', { cronExpression: '0 9 * * *' }) as never),
    ).rejects.toThrow(/cron/i);
  });

  it('a missing or malformed body is a 400', async () => {
    expect((await raw(h.url, 'POST', `${B}/schedules`)).status).toBe(400);
    expect((await raw(h.url, 'POST', `${B}/schedules`, undefined, '{"name":')).status).toBe(400);
    expect((await raw(h.url, 'POST', `${B}/schedules`, ['x'])).status).toBe(400);
  });

  it('bounds of 0 mean "no bound" (Conductor reads 0 as 1970 and never fires)', async () => {
    const s = (
      await raw(h.url, 'POST', `${B}/schedules`, yearly('zero', { scheduleStartTime: 0, scheduleEndTime: 0 }))
    ).json as Json;
    expect(s).not.toHaveProperty('scheduleEndTime');
    expect(s.nextRunTime).toBeGreaterThan(Date.now());
  });

  it('a workflow that does not exist is accepted (as Conductor); its fires are recorded as FAILED', async () => {
    expect(
      (
        await raw(
          h.url,
          'POST',
          `${B}/schedules`,
          yearly('ghost', { startWorkflowRequest: { name: 'no_such_wf' } }),
        )
      ).status,
    ).toBe(200);
  });
});

describe('nextFewSchedules', () => {
  const preview = (q: string) => raw(h.url, 'GET', `${B}/nextFewSchedules?${q}`);

  it('defaults to 5 increasing slots, capped at 5; limit 0 gives none', async () => {
    const now = Date.now();
    const r = await preview(`cronExpression=${encodeURIComponent('0 0 * * * *')}`);
    expect(r.status).toBe(200);
    const v = r.json as number[];
    expect(v).toHaveLength(5);
    expect(v[0]).toBeGreaterThan(now);
    expect(v[0]).toBeLessThanOrEqual(now + 3_600_000);
    v.forEach((t, i) => {
      expect(t % 3_600_000).toBe(0);
      if (i > 0) expect(t).toBe((v[i - 1] as number) + 3_600_000);
    });
    expect(((await preview(`cronExpression=@hourly&limit=10`)).json as number[]).length).toBe(5);
    expect(((await preview(`cronExpression=@hourly&limit=2`)).json as number[]).length).toBe(2);
    expect((await preview(`cronExpression=@hourly&limit=0`)).json).toEqual([]);
  });

  it('honours the bounds: the start is inclusive, nothing after the end', async () => {
    const start = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
    const v = (
      await preview(
        `cronExpression=${encodeURIComponent('0 * * * * *')}&scheduleStartTime=${start}&scheduleEndTime=${start + 90_000}`,
      )
    ).json as number[];
    expect(v).toEqual([start, start + 60_000]);
  });

  it('evaluates in UTC by default and in zoneId when given', async () => {
    const utc = (await preview(`cronExpression=${encodeURIComponent('0 0 9 * * *')}`)).json as number[];
    for (const t of utc) expect(new Date(t).toISOString()).toMatch(/T09:00:00.000Z$/);
    const kolkata = (await preview(`cronExpression=${encodeURIComponent('0 0 9 * * *')}&zoneId=Asia/Kolkata`))
      .json as number[];
    for (const t of kolkata) expect(new Date(t).toISOString()).toMatch(/T03:30:00.000Z$/);
    const macro = (await preview('cronExpression=@daily')).json as number[];
    for (const t of macro) expect(t % 86_400_000).toBe(0);
  });

  it('a bad cron, a missing cron or an unknown zone is a 400 naming the problem', async () => {
    const bad = await preview('cronExpression=not-a-cron');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/cron expression "not-a-cron".*6 fields/);
    expect((await preview(`cronExpression=${encodeURIComponent('0 9 * * *')}`)).json.message).toMatch(
      /found 5/,
    );
    expect((await preview('')).json.message).toMatch(/cron expression is required/);
    expect((await preview('cronExpression=@daily&zoneId=Nowhere/Land')).json.message).toMatch(/time-zone ID/);
  });

  it('the SDK preview works unchanged (it asks for 3)', async () => {
    const v = await h.schedules.getNextFewSchedules('0 0 0 * * *');
    expect(v).toHaveLength(3);
  });
});

describe('admin and routing', () => {
  it('admin pause/resume/requeue answer as Conductor', async () => {
    expect((await raw(h.url, 'GET', `${B}/admin/pause`)).json).toEqual({ status: 'done' });
    expect((await raw(h.url, 'GET', `${B}/admin/resume`)).json).toEqual({ status: 'done' });
    const requeue = (await raw(h.url, 'GET', `${B}/admin/requeue`)).json as Json;
    expect(requeue).toHaveProperty(['recordIds.size'], 0);
    expect(Array.isArray(requeue.sampleIds)).toBe(true);
    await h.schedules.pauseAllSchedules();
    await h.schedules.resumeAllSchedules();
    await h.schedules.requeueAllExecutionRecords();
  });

  it('a wrong verb is a 405 with an error body, not a 500', async () => {
    const r = await raw(h.url, 'DELETE', `${B}/schedules/t1/pause`);
    expect(r.status).toBe(405);
    expect(r.json.status).toBe(405);
  });

  it('names with spaces and slashes round-trip through the SDK’s encoding', async () => {
    await h.schedules.saveSchedule(yearly('a b/c') as never);
    expect(((await h.schedules.getSchedule('a b/c')) as Json).name).toBe('a b/c');
    await h.schedules.deleteSchedule('a b/c');
  });
});
