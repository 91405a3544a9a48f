/**
 * Exactly once per slot across crashes, with the engine in a child process on a file-backed store:
 *   - SIGKILL inside the transaction that starts a slot's workflow and records the fire: after the
 *     restart that slot runs exactly once (the start and the record commit together or not at all);
 *   - slots missed while the engine was down follow the catch-up rule after the restart (off: one late
 *     run for the first missed slot, the rest SKIPPED; on: each missed slot in order).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { kill9, startEngineChild, type EngineChild } from '../../helpers/engine-child';
import { executions, raw, untilClockPasses, waitFor, WF, type Json } from './support';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-sched-durable-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

async function setup(child: EngineChild, schedules: Json[]): Promise<void> {
  const def = await raw(child.url, 'POST', '/api/metadata/workflow', {
    name: WF,
    version: 1,
    tasks: [{ name: 'sched_task', taskReferenceName: 't', type: 'SIMPLE' }],
  });
  expect(def.status).toBe(200);
  for (const s of schedules)
    expect((await raw(child.url, 'POST', '/api/scheduler/schedules', s)).status).toBe(200);
}

async function runsOf(url: string, schedule: string): Promise<Json[]> {
  const r = await raw(
    url,
    'GET',
    `/api/workflow/search?size=1000&query=${encodeURIComponent(`workflowType IN (${WF})`)}`,
  );
  const ids = ((r.json as Json).results as Json[]).map((w) => w.workflowId as string);
  const runs = await Promise.all(
    ids.map(async (id) => (await raw(url, 'GET', `/api/workflow/${id}`)).json as Json),
  );
  return runs.filter((w) => w.input._startedByScheduler === schedule);
}

/** Every slot from the first to the last record appears exactly once (run or skipped), and each run once. */
async function expectEachSlotOnce(url: string, schedule: string, stepMs = 1000): Promise<Json[]> {
  const recs = await executions(url, `scheduleName IN (${schedule})`);
  const slots = recs.map((e) => e.scheduledTime as number);
  expect(new Set(slots).size).toBe(slots.length);
  for (let t = Math.min(...slots); t <= Math.max(...slots); t += stepMs) expect(slots).toContain(t);
  const runs = await runsOf(url, schedule);
  const ran = runs.map((w) => w.input._scheduledTime as number).sort((a, b) => a - b);
  expect(new Set(ran).size).toBe(ran.length);
  expect(ran).toEqual(
    recs
      .filter((e) => e.state === 'EXECUTED')
      .map((e) => e.scheduledTime as number)
      .sort((a, b) => a - b),
  );
  return recs;
}

it('SIGKILL between starting the workflow and recording the fire: the slot runs exactly once', async () => {
  const dir = path.join(root, 'crash');
  const marker = path.join(root, 'crash-slot');
  let child = await startEngineChild(dir, {
    crash: {
      crashOnScheduledStart: 'every-second',
      afterFires: 2,
      markerFile: marker,
    },
  });
  await setup(child, [
    { name: 'every-second', cronExpression: '* * * * * *', startWorkflowRequest: { name: WF } },
  ]);
  await child.exited;
  const crashedSlot = Number(fs.readFileSync(marker, 'utf8'));
  expect(crashedSlot % 1000).toBe(0);

  child = await startEngineChild(dir);
  await waitFor('a fire after the restart', async () =>
    (await executions(child.url, 'scheduleName IN (every-second) AND state IN (EXECUTED)')).some(
      (e) => e.scheduledTime > crashedSlot,
    ),
  );
  await raw(child.url, 'PUT', '/api/scheduler/schedules/every-second/pause');
  const recs = await expectEachSlotOnce(child.url, 'every-second');
  const crashed = recs.filter((e) => e.scheduledTime === crashedSlot);
  expect(crashed).toHaveLength(1);
  expect(crashed[0]?.state).toBe('EXECUTED');
  expect(
    (await runsOf(child.url, 'every-second')).filter((w) => w.input._scheduledTime === crashedSlot),
  ).toHaveLength(1);
  await kill9(child);
}, 60_000);

it('slots missed while the engine was down follow the catch-up rule after the restart', async () => {
  const dir = path.join(root, 'down');
  let child = await startEngineChild(dir);
  await setup(child, [
    { name: 'off', cronExpression: '* * * * * *', startWorkflowRequest: { name: WF } },
    {
      name: 'on',
      cronExpression: '* * * * * *',
      runCatchupScheduleInstances: true,
      startWorkflowRequest: { name: WF },
    },
  ]);
  await waitFor(
    'both schedules to fire',
    async () =>
      (await executions(child.url, 'state IN (EXECUTED)')).map((e) => e.scheduleName).includes('on') &&
      (await executions(child.url, 'state IN (EXECUTED)')).map((e) => e.scheduleName).includes('off'),
  );
  await kill9(child);
  const downAt = Date.now();
  await untilClockPasses(downAt + 4000);
  child = await startEngineChild(dir);
  const upAt = Date.now();
  await waitFor('both schedules to fire after the restart', async () => {
    const recs = await executions(child.url, 'state IN (EXECUTED)');
    return ['on', 'off'].every((n) => recs.some((e) => e.scheduleName === n && e.scheduledTime > upAt));
  });
  await raw(child.url, 'PUT', '/api/scheduler/bulk/pause', ['on', 'off']);

  const off = await expectEachSlotOnce(child.url, 'off');
  const offMissed = off.filter((e) => e.scheduledTime > downAt && e.scheduledTime < upAt - 1000);
  expect(offMissed.filter((e) => e.state === 'EXECUTED')).toHaveLength(1);
  expect(offMissed[0]?.state).toBe('EXECUTED');
  expect(offMissed.filter((e) => e.state === 'SKIPPED').length).toBeGreaterThanOrEqual(2);

  const on = await expectEachSlotOnce(child.url, 'on');
  const onMissed = on.filter((e) => e.scheduledTime > downAt && e.scheduledTime < upAt - 1000);
  expect(onMissed.length).toBeGreaterThanOrEqual(3);
  for (const e of onMissed) expect(e.state).toBe('EXECUTED');
  const lateRuns = (await runsOf(child.url, 'on')).filter(
    (w) => w.input._scheduledTime > downAt && w.input._scheduledTime < upAt - 1000,
  );
  // A late run still carries the slot it stands for, not the time it ran.
  for (const w of lateRuns) expect(w.input._executedTime - w.input._scheduledTime).toBeGreaterThan(1000);
  await kill9(child);
}, 60_000);
