/**
 * Handles one due slot of one cron of a schedule, inside the caller's SQLite transaction: records the
 * execution and starts the workflow in the same transaction (so a crash leaves both or neither), under a
 * unique (schedule, cron, slot) key and a workflow id derived from it (so nothing can fire a slot twice),
 * then moves the cron to its next slot.
 *
 * Missed slots (due while the engine was down or the scheduler was paused by `/admin/pause`):
 *   - catch-up off: the first missed slot runs once, late (Conductor's rule); the rest are recorded SKIPPED;
 *   - catch-up on: missed slots run in order, at most `catchUpMax` of them; the rest are recorded SKIPPED.
 * Slots that came due while the engine was running always run, however late.
 */
import type { EngineContext } from '../context';
import { shallowCopy } from '../../json';
import { nameDigest, timedIdPrefix, timedNameUuid } from '../ids';
import type { WorkflowExecutor } from '../executor/executor';
import { nextSlots } from './cron-next';
import { effectiveCrons, type EffectiveCron, type ScheduleExecution, type WorkflowSchedule } from './model';
import type { ScheduleStore, SlotRow } from './store';
import type { SchedulerOptions } from './options';

/** More missed slots than this in one gap are summed up in the last SKIPPED record instead of one each. */
export const MAX_SKIP_RECORDS = 1000;

function iso(t: number): string {
  return new Date(t).toISOString();
}

/** The first slot of `cron` after `after` within the schedule's bounds, or null when there is none. */
export function nextInBounds(s: WorkflowSchedule, cron: EffectiveCron, after: number): number | null {
  const [next] = nextSlots(cron.spec, cron.zone, after, 1, {
    start: s.scheduleStartTime,
    end: s.scheduleEndTime,
  });
  return next ?? null;
}

/** `nextInBounds`, computed once per (cron, zone, bounds, after) in a batch: many schedules share a cron. */
function sharedNext(
  facts: BatchFacts,
  s: WorkflowSchedule,
  cron: EffectiveCron,
  after: number,
): number | null {
  // The label is the cron's expression and zone.
  const key = `${after} ${s.scheduleStartTime ?? ''} ${s.scheduleEndTime ?? ''} ${cron.label}`;
  let next = facts.next.get(key);
  if (next === undefined) facts.next.set(key, (next = nextInBounds(s, cron, after)));
  return next;
}

/** What an execution record says beyond the slot it is about: its state, and the workflow or the reason. */
type RecordFields = Pick<ScheduleExecution, 'state' | 'workflowId' | 'reason' | 'stackTrace'>;

/** The execution record of `slot` of `cron` (each field named: a spread would be slower, see shallowCopy). */
function executionRecord(
  s: WorkflowSchedule,
  cron: EffectiveCron,
  slot: number,
  executionId: string,
  executionTime: number,
  fields: RecordFields,
): ScheduleExecution {
  return {
    executionId,
    scheduleName: s.name,
    scheduledTime: slot,
    executionTime,
    workflowName: s.startWorkflowRequest.name,
    startWorkflowRequest: s.startWorkflowRequest,
    state: fields.state,
    zoneId: cron.zoneId,
    workflowId: fields.workflowId,
    reason: fields.reason,
    stackTrace: fields.stackTrace,
  };
}

/** What handling a due slot came to: a workflow started, a start that failed, or neither (skip, no-op). */
export type FireOutcome = 'started' | 'failed' | 'none';

/** What a slot time's firing knows: which (schedule, cron) have a record, which slot workflow ids exist. */
interface SlotKnown {
  handled: Set<string>;
  existing: Set<string>;
}

/** Read once for a batch of due slots instead of twice per slot. */
export interface BatchFacts {
  /** Per slot time of the batch's rows. */
  known: Map<number, SlotKnown>;
  /** Next slots computed in this batch, shared by schedules with the same cron, zone and bounds. */
  next: Map<string, number | null>;
}

const handledKey = (name: string, cronIndex: number, slot: number): string => `${slot} ${cronIndex} ${name}`;

export class SlotFirer {
  /** Digest of each cron's (schedule, cron index), from which its slots' workflow ids are made. */
  private readonly digests = new WeakMap<EffectiveCron, Buffer>();
  /** Per slot time of the current batches: what was there before its first batch, and fired since. */
  private readonly before = new Map<number, SlotKnown>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly exec: WorkflowExecutor,
    private readonly store: ScheduleStore,
    private readonly options: SchedulerOptions,
  ) {}

  /**
   * The facts `process` needs about `rows` (due slots, one per schedule cron), read in one go. What a slot
   * time had before its first batch is read once and kept for its later batches, with what this loop has
   * fired and committed since: re-reading them (hundreds of rows per batch in a busy second) costs more
   * than firing.
   */
  prefetch(rows: readonly SlotRow[]): BatchFacts {
    const facts: BatchFacts = { known: new Map(), next: new Map() };
    const times = new Set(rows.map((r) => r.nextRun));
    for (const time of this.before.keys()) if (!times.has(time)) this.before.delete(time);
    for (const slot of times) {
      let known = this.before.get(slot);
      if (!known) {
        known = { handled: new Set(), existing: new Set() };
        for (const { scheduleName, cronIndex } of this.store.handledAt(slot))
          known.handled.add(handledKey(scheduleName, cronIndex, slot));
        for (const id of this.ctx.workflows.idsFrom(timedIdPrefix(slot))) known.existing.add(id);
        this.before.set(slot, known);
      }
      facts.known.set(slot, known);
    }
    return facts;
  }

  /** Forgets what `prefetch` kept: slots were handled outside its batches (one by one). */
  forgetKnown(): void {
    this.before.clear();
  }

  /**
   * Processes `row` (its slot is due). `availableSince`: since when the scheduler has been able to fire;
   * slots before it were missed. `facts`: from `prefetch` for a batch holding `row` (else read here).
   */
  process(row: SlotRow, now: number, availableSince: number, facts?: BatchFacts): FireOutcome {
    const schedule = this.store.get(row.scheduleName);
    const cron = schedule ? effectiveCrons(schedule)[row.cronIndex] : undefined;
    if (!schedule || schedule.paused || !cron || cron.label !== row.cron) {
      this.store.deleteSlot(row.scheduleName, row.cronIndex);
      return 'none';
    }
    const slot = row.nextRun;
    const missed = slot < availableSince;
    let outcome: FireOutcome = 'none';
    let catchupFired = missed ? row.catchupFired : 0;
    let after = slot;
    if (!missed || !schedule.runCatchupScheduleInstances || catchupFired < this.options.catchUpMax) {
      outcome = this.fire(schedule, cron, slot, now, facts);
      if (missed) catchupFired += 1;
    } else {
      after = this.skip(
        schedule,
        cron,
        slot - 1,
        availableSince,
        `catch-up cap of ${this.options.catchUpMax} slots reached`,
      );
      catchupFired = 0;
    }
    if (missed && !schedule.runCatchupScheduleInstances) {
      after = this.skip(
        schedule,
        cron,
        slot,
        availableSince,
        'missed while the scheduler was not running; catch-up is off',
      );
      catchupFired = 0;
    }
    const next = facts ? sharedNext(facts, schedule, cron, after) : nextInBounds(schedule, cron, after);
    if (next === null) this.store.deleteSlot(row.scheduleName, row.cronIndex);
    else this.store.putSlot({ ...row, nextRun: next, catchupFired });
    return outcome;
  }

  /**
   * Records every slot of `cron` in (after, until) as SKIPPED (one record each, up to MAX_SKIP_RECORDS;
   * the last one then says until when more were skipped). Returns the last slot skipped (or `after`).
   */
  private skip(
    s: WorkflowSchedule,
    cron: EffectiveCron,
    after: number,
    until: number,
    reason: string,
  ): number {
    let last = after;
    let recorded = 0;
    for (;;) {
      const slot = nextInBounds(s, cron, last);
      if (slot === null || slot >= until) return last;
      if (recorded === MAX_SKIP_RECORDS - 1) {
        let end = slot;
        for (let t = nextInBounds(s, cron, end); t !== null && t < until; t = nextInBounds(s, cron, end))
          end = t;
        this.record(s, cron, slot, {
          state: 'SKIPPED',
          reason: `${reason} (this and every slot up to ${iso(end)} skipped; only the first ${MAX_SKIP_RECORDS} are recorded one by one)`,
        });
        return end;
      }
      this.record(s, cron, slot, { state: 'SKIPPED', reason });
      recorded += 1;
      last = slot;
    }
  }

  private record(s: WorkflowSchedule, cron: EffectiveCron, slot: number, fields: RecordFields): boolean {
    return this.store.addExecution(
      executionRecord(s, cron, slot, this.ctx.newId(), this.ctx.clock(), fields),
      cron.index,
    );
  }

  /** Derived from (schedule, cron, slot) and sorted by slot: a second start of the same slot collides. */
  private workflowId(s: WorkflowSchedule, cron: EffectiveCron, slot: number): string {
    let digest = this.digests.get(cron);
    if (!digest) {
      digest = nameDigest(`scheduler:${s.name}:${cron.index}`);
      this.digests.set(cron, digest);
    }
    return timedNameUuid(slot, digest);
  }

  /** Starts the workflow for `slot` unless this slot was handled before; records the outcome. */
  private fire(
    s: WorkflowSchedule,
    cron: EffectiveCron,
    slot: number,
    now: number,
    facts: BatchFacts | undefined,
  ): FireOutcome {
    const known = facts?.known.get(slot);
    const key = handledKey(s.name, cron.index, slot);
    if (known ? known.handled.has(key) : this.store.wasHandled(s.name, cron.index, slot)) return 'none';
    const workflowId = this.workflowId(s, cron, slot);
    if (known ? known.existing.has(workflowId) : this.ctx.workflows.exists(workflowId)) return 'none';
    const executionId = this.ctx.newId();
    const swr = s.startWorkflowRequest;
    const record = (fields: RecordFields): ScheduleExecution =>
      executionRecord(s, cron, slot, executionId, now, fields);
    // Not `{ ...swr.input, _startedByScheduler, ... }`: see shallowCopy.
    const input = shallowCopy(swr.input);
    input._startedByScheduler = s.name;
    input._scheduledTime = slot;
    input._executedTime = now;
    input._executionId = executionId;
    input._schedulerCron = cron.label;
    try {
      this.ctx.tx.savepoint(() =>
        this.exec.startWorkflow({
          name: swr.name,
          version: swr.version,
          workflowDefinition: swr.workflowDef as never,
          correlationId: swr.correlationId,
          priority: swr.priority,
          taskToDomain: Object.keys(swr.taskToDomain).length > 0 ? swr.taskToDomain : undefined,
          createdBy: s.createdBy || undefined,
          workflowId,
          input,
        }),
      );
      this.store.addExecution(record({ state: 'EXECUTED', workflowId }), cron.index);
      // Known to later batches of this slot time once committed (a rolled-back batch fired nothing).
      if (known)
        this.ctx.tx.afterCommit(() => {
          known.handled.add(key);
          known.existing.add(workflowId);
        });
      return 'started';
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const stack = err instanceof Error && err.stack ? err.stack : message;
      this.ctx.logger.warn(
        { err: message, schedule: s.name, scheduledTime: slot },
        'scheduler: start failed',
      );
      this.store.addExecution(
        record({ state: 'FAILED', reason: message.slice(0, 999), stackTrace: stack.slice(0, 2000) }),
        cron.index,
      );
      return 'failed';
    }
  }
}
