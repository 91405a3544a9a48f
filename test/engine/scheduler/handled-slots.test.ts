/**
 * A slot that was handled before is not started again, whether its record exists or only its workflow
 * (its history pruned): the firing loop reads both facts once per slot time (at its first batch, keeping
 * what later batches fire), and this checks they hold for every slot of every batch. In-process engine on an
 * in-memory store, with a clock the test sets (the loop's timer follows it).
 */
import { Engine } from '../../../src/engine/engine';
import { nameDigest, timedIdPrefix, timedNameUuid } from '../../../src/engine/ids';
import { normalizeWorkflowDef } from '../../../src/engine/model/defaults';
import { openDb, type Db } from '../../../src/engine/store/db';
import { captureLogger, type CapturedLine } from '../../helpers/logger';

const T0 = Date.UTC(2026, 4, 1, 12, 0, 0, 500);
const SLOT = T0 + 500;

interface Fixture {
  db: Db;
  engine: Engine;
  /** Warnings and errors logged. */
  lines: CapturedLine[];
  /** Sets the engine's clock. */
  setNow(t: number): void;
}

/** An engine on an in-memory store at T0, with the workflow `hs` (one SIMPLE task) registered. */
function fixture(): Fixture {
  let now = T0;
  const db = openDb({ memory: true });
  const { logger, lines } = captureLogger('warn');
  const engine = new Engine({ db, logger, clock: () => now });
  engine.ctx.tx.run(() =>
    engine.ctx.defs.putWorkflowDef(
      normalizeWorkflowDef({ name: 'hs', version: 1, tasks: [{ name: 'hs_task', taskReferenceName: 't' }] }),
    ),
  );
  return { db, engine, lines, setNow: (t) => (now = t) };
}

async function close(f: Fixture): Promise<void> {
  await f.engine.stop();
  f.db.close();
}

/** Runs the firing loop until every slot at or before SLOT is handled. */
async function fireSlot(f: Fixture): Promise<void> {
  const { scheduler } = f.engine;
  scheduler.loop.start();
  f.setNow(SLOT + 10);
  scheduler.loop.rearm();
  const deadline = Date.now() + 20_000;
  while ((scheduler.store.earliestSlot() ?? Infinity) <= SLOT) {
    if (Date.now() > deadline) throw new Error('the slot was not handled');
    await new Promise((r) => setTimeout(r, 10));
  }
  scheduler.loop.stop();
}

/** Before the loop runs: `recorded` has a record for SLOT, `started` the slot's workflow but no record. */
function handledBefore(f: Fixture, recorded: string, started: string): void {
  const { engine } = f;
  engine.ctx.tx.run(() => {
    engine.scheduler.store.addExecution(
      {
        executionId: 'earlier',
        scheduleName: recorded,
        scheduledTime: SLOT,
        executionTime: SLOT,
        workflowName: 'hs',
        startWorkflowRequest: { name: 'hs', input: {}, taskToDomain: {}, priority: 0 },
        state: 'EXECUTED',
        zoneId: 'UTC',
      },
      0,
    );
    engine.exec.startWorkflow({
      name: 'hs',
      workflowId: timedNameUuid(SLOT, nameDigest(`scheduler:${started}:0`)),
      input: { by: 'hand' },
    });
  });
}

it('a batch skips slots already recorded or already started, and fires the others once', async () => {
  const f = fixture();
  try {
    const { scheduler, ctx } = f.engine;
    for (const name of ['recorded', 'started', 'fresh'])
      scheduler.save({ name, cronExpression: '* * * * * *', startWorkflowRequest: { name: 'hs' } });
    handledBefore(f, 'recorded', 'started');
    await fireSlot(f);

    const records = scheduler.store.searchExecutions({
      where: 'scheduled_time = ?',
      params: [SLOT],
      orderBy: 'schedule_name',
      start: 0,
      size: 10,
    }).results;
    expect(
      records.map((r) => `${r.scheduleName}:${r.executionId === 'earlier' ? 'earlier' : r.state}`),
    ).toEqual(['fresh:EXECUTED', 'recorded:earlier']);
    const workflows = f.db
      .prepare(
        "SELECT json_extract(json, '$.input._startedByScheduler') AS s, json_extract(json, '$.input.by') AS by FROM workflows ORDER BY 1",
      )
      .all();
    expect(workflows).toEqual([
      { s: null, by: 'hand' },
      { s: 'fresh', by: null },
    ]);
    // The batch was fired at once (its facts read by prefix), not slot by slot after a failure.
    const ids = ctx.workflows.idsFrom(timedIdPrefix(SLOT));
    expect(ids).toHaveLength(2);
    expect(ids).toContain(timedNameUuid(SLOT, nameDigest('scheduler:started:0')));
    expect(f.lines.map((l) => l.msg)).toEqual([]);
  } finally {
    await close(f);
  }
});

it('schedules sharing a cron in one batch each get the next slot their own bounds allow', async () => {
  const f = fixture();
  try {
    const { scheduler } = f.engine;
    const cron = '* * * * * *';
    const request = { startWorkflowRequest: { name: 'hs' } };
    scheduler.save({ name: 'open', cronExpression: cron, ...request });
    // Ends right after the slot: no next slot (it would be wrong to take 'open's).
    scheduler.save({ name: 'ending', cronExpression: cron, scheduleEndTime: SLOT + 10, ...request });
    scheduler.save({ name: 'paris', cronExpression: cron, zoneId: 'Europe/Paris', ...request });
    await fireSlot(f);
    expect(scheduler.store.nextRun('open')).toBe(SLOT + 1000);
    expect(scheduler.store.nextRun('paris')).toBe(SLOT + 1000);
    expect(scheduler.store.nextRun('ending')).toBeUndefined();
  } finally {
    await close(f);
  }
});

it('later batches of a busy second keep what the first found and what earlier batches fired', async () => {
  const f = fixture();
  try {
    const { ctx, scheduler } = f.engine;
    // 600 schedules: three batches (250 per batch) for one slot time, in the order they were saved.
    const names = Array.from({ length: 600 }, (_v, i) => `s${String(i).padStart(3, '0')}`);
    for (const name of names)
      scheduler.save({ name, cronExpression: '* * * * * *', startWorkflowRequest: { name: 'hs' } });
    // In the last batch: s599 has a record for the slot, s598 the slot's workflow, both from before.
    handledBefore(f, 's599', 's598');
    // Before the second batch, s000 (fired in the first) is due at the same slot again, as a clock set
    // back under an upsert could make it: it must not fire twice.
    const due = scheduler.store.due.bind(scheduler.store);
    let calls = 0;
    scheduler.store.due = (at, limit) => {
      calls += 1;
      if (calls === 2)
        scheduler.store.putSlot({
          scheduleName: 's000',
          cronIndex: 0,
          cron: '* * * * * * UTC',
          nextRun: SLOT,
          catchupFired: 0,
        });
      return due(at, limit);
    };
    await fireSlot(f);
    expect(calls).toBeGreaterThanOrEqual(3);

    const perSchedule = f.db
      .prepare(
        'SELECT schedule_name AS name, COUNT(*) AS n, MIN(execution_id) AS id FROM schedule_executions WHERE scheduled_time = ? GROUP BY schedule_name',
      )
      .all(SLOT) as { name: string; n: number; id: string }[];
    expect(perSchedule).toHaveLength(599); // s598 has its workflow and no record
    expect(perSchedule.filter((r) => r.n !== 1)).toEqual([]);
    expect(perSchedule.find((r) => r.name === 's599')?.id).toBe('earlier');
    expect(perSchedule.find((r) => r.name === 's598')).toBeUndefined();
    const byHand = f.db
      .prepare("SELECT COUNT(*) AS n FROM workflows WHERE json_extract(json, '$.input.by') = 'hand'")
      .get() as { n: number };
    expect(byHand.n).toBe(1);
    const ids = ctx.workflows.idsFrom(timedIdPrefix(SLOT));
    expect(ids).toHaveLength(599);
    // One start each: a second start of s000's slot would have added a second first task.
    const tasks = f.db.prepare('SELECT workflow_id AS id FROM tasks').all() as { id: string }[];
    expect(tasks).toHaveLength(599);
    expect(new Set(tasks.map((t) => t.id))).toEqual(new Set(ids));
    expect(f.lines.map((l) => l.msg)).toEqual([]);
  } finally {
    await close(f);
  }
});
