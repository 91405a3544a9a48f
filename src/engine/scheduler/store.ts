/**
 * Schedules, their pending slots (one row per cron of a schedule: the next slot to fire and how many
 * overdue slots the current catch-up has fired) and their execution history, in the engine's SQLite.
 */
import { parseJsonExact, stringifyJsonExact } from '../../json';
import type { Db } from '../store/db';
import type { ScheduleExecution, WorkflowSchedule } from './model';

export interface SlotRow {
  scheduleName: string;
  cronIndex: number;
  /** `<expression> <zoneId>` of the cron this row belongs to (to keep a pending slot across an upsert). */
  cron: string;
  nextRun: number;
  catchupFired: number;
}

export interface ScheduleFilter {
  workflowName?: string;
  /** Case-insensitive substring. */
  scheduleName?: string;
  paused?: boolean;
}

export interface ExecutionQuery {
  where: string;
  params: unknown[];
  orderBy: string;
  start: number;
  size: number;
}

/** A `schedule_slots` row as `raw` statements read it (the columns in `SLOT_COLUMNS`' order). */
type RawSlot = [scheduleName: string, cronIndex: number, cron: string, nextRun: number, catchupFired: number];

const SLOT_COLUMNS = 'schedule_name, cron_index, cron, next_run, catchup_fired';

function slot([scheduleName, cronIndex, cron, nextRun, catchupFired]: RawSlot): SlotRow {
  return { scheduleName, cronIndex, cron, nextRun, catchupFired };
}

export class ScheduleStore {
  private readonly stmts;
  /** Parsed schedules by name (the firing loop reads one per fire); dropped on every write and rollback. */
  private readonly cache = new Map<string, WorkflowSchedule>();

  constructor(private readonly db: Db) {
    this.stmts = {
      get: db.prepare('SELECT json FROM schedules WHERE name = ?'),
      put: db.prepare(
        'INSERT INTO schedules (name, workflow_name, paused, json) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET workflow_name = excluded.workflow_name, paused = excluded.paused, json = excluded.json',
      ),
      delete: db.prepare('DELETE FROM schedules WHERE name = ?'),
      // Rows as arrays: a row object costs a native property definition per column, per due slot.
      slots: db
        .prepare(`SELECT ${SLOT_COLUMNS} FROM schedule_slots WHERE schedule_name = ? ORDER BY cron_index`)
        .raw(true),
      putSlot: db.prepare(
        'INSERT INTO schedule_slots (schedule_name, cron_index, cron, next_run, catchup_fired) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (schedule_name, cron_index) DO UPDATE SET cron = excluded.cron, next_run = excluded.next_run, ' +
          'catchup_fired = excluded.catchup_fired',
      ),
      deleteSlot: db.prepare('DELETE FROM schedule_slots WHERE schedule_name = ? AND cron_index = ?'),
      deleteSlots: db.prepare('DELETE FROM schedule_slots WHERE schedule_name = ?'),
      due: db
        .prepare(`SELECT ${SLOT_COLUMNS} FROM schedule_slots WHERE next_run <= ? ORDER BY next_run LIMIT ?`)
        .raw(true),
      earliest: db.prepare('SELECT MIN(next_run) AS t FROM schedule_slots'),
      nextRun: db.prepare('SELECT MIN(next_run) AS t FROM schedule_slots WHERE schedule_name = ?'),
      addExecution: db.prepare(
        'INSERT INTO schedule_executions (execution_id, schedule_name, cron_index, scheduled_time, execution_time, ' +
          'workflow_name, workflow_id, state, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      fired: db.prepare(
        'SELECT 1 FROM schedule_executions WHERE schedule_name = ? AND cron_index = ? AND scheduled_time = ?',
      ),
      firedAt: db.prepare(
        'SELECT schedule_name AS scheduleName, cron_index AS cronIndex FROM schedule_executions WHERE scheduled_time = ?',
      ),
      lastExecution: db.prepare(
        'SELECT json FROM schedule_executions WHERE schedule_name = ? ORDER BY scheduled_time DESC, execution_time DESC LIMIT 1',
      ),
      names: db.prepare('SELECT name FROM schedules ORDER BY name'),
      countExecutions: db.prepare('SELECT COUNT(*) AS n FROM schedule_executions WHERE schedule_name = ?'),
      pruneSchedule: db.prepare(
        `DELETE FROM schedule_executions WHERE execution_id IN (
           SELECT execution_id FROM schedule_executions WHERE schedule_name = ?
           ORDER BY scheduled_time DESC, execution_time DESC LIMIT -1 OFFSET ?)`,
      ),
      pruneAge: db.prepare(
        `DELETE FROM schedule_executions WHERE execution_id IN (
           SELECT execution_id FROM schedule_executions WHERE scheduled_time < ? LIMIT ?)`,
      ),
    };
  }

  /** The stored schedule; callers must not modify it (build a new object and `put` it). */
  get(name: string): WorkflowSchedule | undefined {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const row = this.stmts.get.get(name) as { json: string } | undefined;
    if (!row) return undefined;
    const s = parseJsonExact(row.json) as WorkflowSchedule;
    this.cache.set(name, s);
    return s;
  }

  invalidate(): void {
    this.cache.clear();
  }

  put(s: WorkflowSchedule): void {
    this.cache.delete(s.name);
    const { nextRunTime: _ignored, ...stored } = s;
    this.stmts.put.run(s.name, s.startWorkflowRequest.name, s.paused ? 1 : 0, stringifyJsonExact(stored));
  }

  /** Removes the schedule and its pending slots; its execution history stays (as Conductor's archive). */
  delete(name: string): boolean {
    this.cache.delete(name);
    this.stmts.deleteSlots.run(name);
    return this.stmts.delete.run(name).changes > 0;
  }

  list(filter: ScheduleFilter = {}): WorkflowSchedule[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.workflowName) {
      where.push('workflow_name = ?');
      params.push(filter.workflowName);
    }
    if (filter.scheduleName) {
      where.push("LOWER(name) LIKE ? ESCAPE '\\'");
      params.push(`%${filter.scheduleName.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    if (filter.paused !== undefined) {
      where.push('paused = ?');
      params.push(filter.paused ? 1 : 0);
    }
    const sql = `SELECT json FROM schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name`;
    return (this.db.prepare(sql).all(...params) as { json: string }[]).map(
      (r) => parseJsonExact(r.json) as WorkflowSchedule,
    );
  }

  slots(name: string): SlotRow[] {
    return (this.stmts.slots.all(name) as RawSlot[]).map(slot);
  }

  putSlot(s: SlotRow): void {
    this.stmts.putSlot.run(s.scheduleName, s.cronIndex, s.cron, s.nextRun, s.catchupFired);
  }

  deleteSlot(name: string, cronIndex: number): void {
    this.stmts.deleteSlot.run(name, cronIndex);
  }

  deleteSlots(name: string): void {
    this.stmts.deleteSlots.run(name);
  }

  due(now: number, limit: number): SlotRow[] {
    return (this.stmts.due.all(now, limit) as RawSlot[]).map(slot);
  }

  earliestSlot(): number | null {
    return (this.stmts.earliest.get() as { t: number | null }).t;
  }

  nextRun(name: string): number | undefined {
    return (this.stmts.nextRun.get(name) as { t: number | null }).t ?? undefined;
  }

  /** False when this (schedule, cron, slot) already has a record: the slot was handled before. */
  addExecution(e: ScheduleExecution, cronIndex: number): boolean {
    const r = this.stmts.addExecution.run(
      e.executionId,
      e.scheduleName,
      cronIndex,
      e.scheduledTime,
      e.executionTime,
      e.workflowName,
      e.workflowId ?? null,
      e.state,
      stringifyJsonExact(e),
    );
    return r.changes > 0;
  }

  wasHandled(name: string, cronIndex: number, scheduledTime: number): boolean {
    return this.stmts.fired.get(name, cronIndex, scheduledTime) !== undefined;
  }

  /** The (schedule, cron) pairs whose slot at `scheduledTime` has a record. */
  handledAt(scheduledTime: number): { scheduleName: string; cronIndex: number }[] {
    return this.stmts.firedAt.all(scheduledTime) as { scheduleName: string; cronIndex: number }[];
  }

  lastExecution(name: string): ScheduleExecution | undefined {
    const row = this.stmts.lastExecution.get(name) as { json: string } | undefined;
    return row ? (parseJsonExact(row.json) as ScheduleExecution) : undefined;
  }

  searchExecutions(q: ExecutionQuery): { totalHits: number; results: ScheduleExecution[] } {
    const where = q.where ? `WHERE ${q.where}` : '';
    const total = this.db
      .prepare(`SELECT COUNT(*) AS n FROM schedule_executions ${where}`)
      .get(...q.params) as {
      n: number;
    };
    const rows = this.db
      .prepare(`SELECT json FROM schedule_executions ${where} ORDER BY ${q.orderBy} LIMIT ? OFFSET ?`)
      .all(...q.params, q.size, q.start) as { json: string }[];
    return { totalHits: total.n, results: rows.map((r) => parseJsonExact(r.json) as ScheduleExecution) };
  }

  scheduleNames(): string[] {
    return (this.stmts.names.all() as { name: string }[]).map((r) => r.name);
  }

  /** Drops all but the newest `keep` execution records of one schedule; returns how many were dropped. */
  pruneSchedule(name: string, keep: number): number {
    const { n } = this.stmts.countExecutions.get(name) as { n: number };
    return n > keep ? this.stmts.pruneSchedule.run(name, keep).changes : 0;
  }

  /** Drops up to `limit` execution records of slots before `before`; returns how many were dropped. */
  pruneOlderThan(before: number, limit: number): number {
    return this.stmts.pruneAge.run(before, limit).changes;
  }
}
