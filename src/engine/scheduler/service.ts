/**
 * The scheduler's operations (Conductor's `SchedulerService`), each in one transaction: upsert, get,
 * list, search, delete, pause/resume (one, bulk, and the whole scheduler), preview and execution search.
 * Differences from Conductor OSS, on purpose: bad cron/zone → 400; resuming an active schedule is a
 * no-op 200; `nextRunTime` is filled in; preview takes a `zoneId`; bounds of 0 mean "none".
 */
import { BadRequestError, NotFoundError } from '../api-errors';
import type { EngineContext } from '../context';
import type { WorkflowExecutor } from '../executor/executor';
import { nextSlots, zoneFor } from './cron-next';
import { parseCron } from './cron-parse';
import { SlotFirer, nextInBounds } from './fire';
import { DEFAULT_SCHEDULER_OPTIONS, type SchedulerOptions } from './options';
import { SchedulerLoop } from './loop';
import {
  cronProblem,
  effectiveCrons,
  notFound,
  scheduleFromBody,
  type BulkResponse,
  type ScheduleExecution,
  type WorkflowSchedule,
} from './model';
import { executionQuery } from './search';
import { ScheduleStore, type ScheduleFilter } from './store';

/** Conductor caps the preview at 5 slots. */
const PREVIEW_MAX = 5;

export interface PreviewRequest {
  cronExpression: string | undefined;
  scheduleStartTime?: number;
  scheduleEndTime?: number;
  limit: number;
  zoneId?: string;
}

export class SchedulerService {
  readonly store: ScheduleStore;
  readonly loop: SchedulerLoop;
  private readonly options: SchedulerOptions;

  constructor(
    private readonly ctx: EngineContext,
    exec: WorkflowExecutor,
    options: Partial<SchedulerOptions> = {},
  ) {
    this.options = { ...DEFAULT_SCHEDULER_OPTIONS, ...options };
    this.store = new ScheduleStore(ctx.db);
    this.loop = new SchedulerLoop(
      ctx,
      this.store,
      new SlotFirer(ctx, exec, this.store, this.options),
      this.options,
    );
  }

  private withNextRun(s: WorkflowSchedule): WorkflowSchedule {
    const next = s.paused ? undefined : this.store.nextRun(s.name);
    const { nextRunTime: _stale, ...rest } = s;
    return next === undefined ? rest : { ...rest, nextRunTime: next };
  }

  /**
   * (Re)computes the pending slot of every cron of `s` from now. A cron that is unchanged and still has
   * an overdue slot keeps it (so a re-register right after a restart does not drop the catch-up).
   */
  private schedule(s: WorkflowSchedule, now: number): void {
    const existing = new Map(this.store.slots(s.name).map((r) => [r.cronIndex, r]));
    const crons = s.paused ? [] : effectiveCrons(s);
    for (const cron of crons) {
      const old = existing.get(cron.index);
      existing.delete(cron.index);
      if (old && old.cron === cron.label && old.nextRun <= now) continue;
      const next = nextInBounds(s, cron, now);
      if (next === null) this.store.deleteSlot(s.name, cron.index);
      else {
        this.store.putSlot({
          scheduleName: s.name,
          cronIndex: cron.index,
          cron: cron.label,
          nextRun: next,
          catchupFired: 0,
        });
        this.ctx.tx.afterCommit(() => this.loop.notify(next));
      }
    }
    for (const stale of existing.values()) this.store.deleteSlot(s.name, stale.cronIndex);
  }

  save(body: unknown): WorkflowSchedule {
    const parsed = scheduleFromBody(body, this.options.catchUpDefault);
    return this.ctx.tx.run(() => {
      const now = this.ctx.clock();
      const old = this.store.get(parsed.name);
      const s: WorkflowSchedule = {
        ...parsed,
        createTime: old?.createTime ?? now,
        updatedTime: now,
        createdBy: old?.createdBy ?? '',
        updatedBy: '',
      };
      this.store.put(s);
      this.schedule(s, now);
      return this.withNextRun(s);
    });
  }

  get(name: string): WorkflowSchedule {
    const s = this.store.get(name);
    if (!s) throw new NotFoundError(notFound(name));
    return this.withNextRun(s);
  }

  list(filter: ScheduleFilter = {}): WorkflowSchedule[] {
    return this.store.list(filter).map((s) => this.withNextRun(s));
  }

  search(
    filter: ScheduleFilter,
    start: number,
    size: number,
  ): { totalHits: number; results: WorkflowSchedule[] } {
    const all = this.list(filter);
    return { totalHits: all.length, results: all.slice(start, start + size) };
  }

  delete(name: string): void {
    this.ctx.tx.run(() => {
      this.store.delete(name);
      // Its history stays, within the count rule (rounds of the history rule only visit live schedules).
      this.store.pruneSchedule(name, this.options.historyPerSchedule);
    });
    this.loop.rearm();
  }

  pause(name: string, reason: string | undefined): void {
    this.ctx.tx.run(() => {
      const s = this.store.get(name);
      if (!s) throw new NotFoundError(notFound(name));
      const paused: WorkflowSchedule = { ...s, paused: true, updatedTime: this.ctx.clock() };
      if (reason !== undefined && reason !== '') paused.pausedReason = reason;
      else delete paused.pausedReason;
      this.store.put(paused);
      this.store.deleteSlots(name);
    });
    this.loop.rearm();
  }

  /** Resumes from now (the paused period is not back-filled); an active schedule is left as it is. */
  resume(name: string): void {
    this.ctx.tx.run(() => {
      const s = this.store.get(name);
      if (!s) throw new NotFoundError(notFound(name));
      if (!s.paused) return;
      const now = this.ctx.clock();
      const { pausedReason: _reason, ...rest } = s;
      const resumed: WorkflowSchedule = { ...rest, paused: false, updatedTime: now };
      this.store.put(resumed);
      this.schedule(resumed, now);
    });
  }

  bulk(names: unknown[], op: (name: string) => void): BulkResponse {
    if (names.length === 0 || names.length > 1000)
      throw new BadRequestError('The list of schedule names must hold 1 to 1000 names', [
        { path: 'names', message: 'size must be between 1 and 1000', invalidValue: names.length },
      ]);
    const out: BulkResponse = { bulkErrorResults: {}, bulkSuccessfulResults: [] };
    for (const raw of names) {
      const name = String(raw);
      try {
        op(name);
        out.bulkSuccessfulResults.push(name);
      } catch (err) {
        out.bulkErrorResults[name] = err instanceof Error ? err.message : String(err);
      }
    }
    return out;
  }

  preview(r: PreviewRequest): number[] {
    const zoneId = r.zoneId === undefined || r.zoneId === '' ? 'UTC' : r.zoneId;
    const problem = cronProblem(r.cronExpression, zoneId);
    if (problem)
      throw new BadRequestError(problem.message.charAt(0).toUpperCase() + problem.message.slice(1), [
        {
          path: problem.field === 'cron' ? 'cronExpression' : 'zoneId',
          message: problem.message,
          invalidValue: problem.field === 'cron' ? r.cronExpression : zoneId,
        },
      ]);
    const limit = Math.max(0, Math.min(PREVIEW_MAX, r.limit));
    const start = r.scheduleStartTime || undefined;
    const end = r.scheduleEndTime || undefined;
    return nextSlots(parseCron(r.cronExpression as string), zoneFor(zoneId)!, this.ctx.clock(), limit, {
      start,
      end,
    });
  }

  searchExecutions(
    query: string | undefined,
    sort: string | undefined,
    start: number,
    size: number,
  ): { totalHits: number; results: ScheduleExecution[] } {
    return this.store.searchExecutions({ ...executionQuery(query, sort), start, size });
  }

  lastExecution(name: string): ScheduleExecution | undefined {
    return this.store.lastExecution(name);
  }

  /**
   * `/admin/requeue`: Conductor re-queues live execution records for archiving; here records are written
   * once, so it re-derives every active schedule's pending slots that went missing and wakes the loop.
   */
  requeue(): Record<string, unknown> {
    const requeued: string[] = [];
    this.ctx.tx.run(() => {
      const now = this.ctx.clock();
      for (const s of this.store.list({ paused: false })) {
        const have = new Set(this.store.slots(s.name).map((r) => r.cronIndex));
        if (effectiveCrons(s).every((c) => have.has(c.index))) continue;
        this.schedule(s, now);
        requeued.push(s.name);
      }
    });
    this.loop.rearm();
    return { 'recordIds.size': requeued.length, sampleIds: requeued.slice(0, 10) };
  }
}
