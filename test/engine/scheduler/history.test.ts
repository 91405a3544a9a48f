/**
 * The history rule on a real SQLite store: each schedule keeps its newest `historyPerSchedule` execution
 * records and none older than `historyMaxAgeMs`, applied in steps (a round at most once a minute, each
 * step within a time budget); deleting a schedule keeps its history within the count.
 */
import type { EngineContext } from '../../../src/engine/context';
import type { ScheduleExecution, WorkflowSchedule } from '../../../src/engine/scheduler/model';
import { DEFAULT_SCHEDULER_OPTIONS, type SchedulerOptions } from '../../../src/engine/scheduler/options';
import { HistoryPruner } from '../../../src/engine/scheduler/prune';
import { ScheduleStore } from '../../../src/engine/scheduler/store';
import { openDb, type Db } from '../../../src/engine/store/db';
import { Transactor } from '../../../src/engine/store/transactor';
import { quietLogger } from '../../helpers/logger';

const NOW = Date.UTC(2026, 5, 1, 12);
const DAY = 86_400_000;

let db: Db;
let store: ScheduleStore;
let ctx: EngineContext;

beforeEach(() => {
  db = openDb({ memory: true });
  store = new ScheduleStore(db);
  const logger = quietLogger();
  // The pruner needs the transaction runner and the logger of the engine context only.
  ctx = { tx: new Transactor(db, logger, () => store.invalidate()), logger } as unknown as EngineContext;
});
afterEach(() => db.close());

function schedule(name: string): WorkflowSchedule {
  return {
    name,
    cronExpression: '0 0 * * * *',
    runCatchupScheduleInstances: false,
    paused: false,
    startWorkflowRequest: { name: 'wf', input: {}, taskToDomain: {}, priority: 0 },
    zoneId: 'UTC',
    cronSchedules: [],
    createTime: NOW,
    updatedTime: NOW,
    createdBy: '',
    updatedBy: '',
  };
}

/** `count` hourly records of `name`, the newest one hour before NOW. */
function history(name: string, count: number, cronIndex = 0): void {
  for (let i = 1; i <= count; i++) {
    const t = NOW - i * 3_600_000;
    const e: ScheduleExecution = {
      executionId: `${name}-${cronIndex}-${i}`,
      scheduleName: name,
      scheduledTime: t,
      executionTime: t,
      workflowName: 'wf',
      startWorkflowRequest: schedule(name).startWorkflowRequest,
      state: 'EXECUTED',
      zoneId: 'UTC',
    };
    store.addExecution(e, cronIndex);
  }
}

function kept(name: string): number[] {
  return store
    .searchExecutions({
      where: 'schedule_name = ?',
      params: [name],
      orderBy: 'scheduled_time DESC',
      start: 0,
      size: 10_000,
    })
    .results.map((e) => (NOW - e.scheduledTime) / 3_600_000);
}

function pruner(options: Partial<SchedulerOptions>): HistoryPruner {
  return new HistoryPruner(ctx, store, { ...DEFAULT_SCHEDULER_OPTIONS, ...options });
}

it('keeps the newest records of each schedule (over all its crons) and none past the age limit', () => {
  for (const name of ['busy', 'quiet', 'old']) store.put(schedule(name));
  history('busy', 30);
  history('busy', 3, 1); // a second cron: its records count for the same schedule
  history('quiet', 2);
  history('old', 24 * 12); // twelve days of hourly records
  const p = pruner({ historyPerSchedule: 5, historyMaxAgeMs: 10 * DAY });
  while (p.step(NOW, 1000));
  expect(kept('busy')).toEqual([1, 1, 2, 2, 3]);
  expect(kept('quiet')).toEqual([1, 2]);
  expect(kept('old')).toEqual([1, 2, 3, 4, 5]);

  // Age only (records by count are not dropped when the count is large).
  history('aged', 24 * 12);
  const q = pruner({ historyPerSchedule: 1000, historyMaxAgeMs: 10 * DAY });
  while (q.step(NOW, 1000));
  const aged = kept('aged');
  expect(aged).toHaveLength(24 * 10);
  expect(Math.max(...aged)).toBe(24 * 10);
});

it('a round starts at most once a minute and goes on in steps until every schedule is done', () => {
  const names = Array.from({ length: 40 }, (_v, i) => `s${String(i).padStart(2, '0')}`);
  for (const name of names) {
    store.put(schedule(name));
    history(name, 8);
  }
  const p = pruner({ historyPerSchedule: 3, historyMaxAgeMs: 0 });
  // A zero budget does one schedule per step.
  expect(p.step(NOW, 0)).toBe(true);
  expect(kept('s00')).toHaveLength(3);
  expect(kept('s01')).toHaveLength(8);
  const more = [true]; // the first step, above
  while (more[more.length - 1]) more.push(p.step(NOW, 0));
  expect(more).toHaveLength(40); // one schedule per step; the last step ends the round
  for (const name of names) expect(kept(name)).toEqual([1, 2, 3]);

  store.put(schedule('late'));
  history('late', 8);
  expect(p.step(NOW + 59_000, 1000)).toBe(false);
  expect(kept('late')).toHaveLength(8);
  while (p.step(NOW + 60_000, 1000));
  expect(kept('late')).toHaveLength(3);
});
