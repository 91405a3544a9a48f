/**
 * The firing loop: one timer armed for the earliest pending slot in `schedule_slots` (no fixed tick), due
 * slots handled in batches (one transaction per batch), re-armed after each run. `/admin/pause` stops it
 * (this process only, as Conductor's); `/admin/resume` restarts it, and slots that came due meanwhile
 * count as missed (the catch-up rule applies), as after an engine restart.
 *
 * A batch first runs without savepoints (they cost as much as the writes of a fire). If any slot fails in
 * it, the batch is undone and handled again slot by slot, each in a savepoint, so that one bad schedule
 * neither blocks nor undoes the others; schedules whose last slot failed are handled that way until one of
 * their slots starts again, so a schedule failing every time does not make its batch run twice.
 *
 * Housekeeping waits for the gaps between slots: after many fires the WAL is checkpointed (so that no
 * commit of a busy second has to), and the history rule is applied in short steps (`prune.ts`).
 */
import type { EngineContext } from '../context';
import { DeadlineTimer } from '../deadline-timer';
import { checkpointWal } from '../store/db';
import type { FireOutcome, SlotFirer } from './fire';
import type { SchedulerOptions } from './options';
import { HistoryPruner } from './prune';
import type { ScheduleStore, SlotRow } from './store';

const BATCH = 250;
const RETRY_MS = 60_000;
/** Housekeeping runs only when the next slot is at least this far away. */
const IDLE_MIN_MS = 100;
/** Longest housekeeping step; steps continue after this pause while a pruning round lasts. */
const STEP_MS = 20;
const STEP_PAUSE_MS = 50;
/** Fires after which the WAL is checkpointed in the next gap. */
const CHECKPOINT_AFTER = 200;
/** How long a schedule stays marked as failing without a new failure. */
const FAILING_FOR_MS = 60_000;

export class SchedulerLoop {
  private readonly timer: DeadlineTimer;
  private stopped = true;
  private paused = false;
  private availableSince = 0;
  /** Schedules whose last handled slot failed (handled in savepoints); forgotten after a quiet minute. */
  private readonly failing = new Set<string>();
  private lastFailure = 0;
  private firedSinceCheckpoint = 0;
  private readonly pruner: HistoryPruner;
  private housekeeping: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly store: ScheduleStore,
    private readonly firer: SlotFirer,
    private readonly options: SchedulerOptions,
  ) {
    this.timer = new DeadlineTimer(
      ctx.clock,
      () => store.earliestSlot(),
      () => this.run(),
    );
    this.pruner = new HistoryPruner(ctx, store, options);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  start(): void {
    this.stopped = false;
    this.availableSince = this.ctx.clock();
    if (!this.paused) this.timer.enable();
  }

  stop(): void {
    this.stopped = true;
    this.timer.disable();
    this.stopHousekeeping();
  }

  pause(): void {
    this.paused = true;
    this.timer.disable();
    this.stopHousekeeping();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.availableSince = this.ctx.clock();
    if (!this.stopped) this.timer.enable();
  }

  /** A slot was stored for `dueAt`; wake earlier if needed. */
  notify(dueAt: number): void {
    this.timer.notify(dueAt);
  }

  /** Re-reads the earliest slot (after deletes or an admin requeue). */
  rearm(): void {
    this.timer.rearm();
  }

  private run(): void {
    if (this.stopped || this.paused) return;
    const now = this.ctx.clock();
    const due = this.store.due(now, BATCH);
    if (due.length > 0) {
      try {
        this.fireBatch(due);
      } catch (err) {
        this.ctx.logger.error({ err }, 'scheduler: firing a batch of slots failed');
        // Retry the whole batch shortly rather than spinning on a persistent fault.
        this.timer.arm(this.ctx.clock() + 1000);
        return;
      }
    }
    if (due.length === BATCH) setImmediate(() => this.run());
    else {
      this.timer.rearm();
      this.housekeep();
    }
  }

  private fireBatch(due: SlotRow[]): void {
    const fast = due.filter((row) => !this.failing.has(row.scheduleName));
    let slow = due.filter((row) => this.failing.has(row.scheduleName));
    if (fast.length > 0 && !this.fireWithoutSavepoints(fast)) slow = due;
    if (slow.length > 0) {
      this.firer.forgetKnown();
      this.ctx.tx.run(() => {
        for (const row of slow) this.processOne(row);
      });
    }
    this.firedSinceCheckpoint += due.length;
  }

  /** The slots in one transaction without savepoints; false (and nothing done) if any of them failed. */
  private fireWithoutSavepoints(rows: SlotRow[]): boolean {
    try {
      return this.ctx.tx.runWithoutSavepoints(() => {
        const facts = this.firer.prefetch(rows);
        for (const row of rows) this.firer.process(row, this.ctx.clock(), this.availableSince, facts);
      });
    } catch (err) {
      // Not a schedule's own fault (those spoil the batch and return false): say so, then go slot by slot.
      this.ctx.logger.warn({ err }, 'scheduler: firing a batch at once failed; firing its slots one by one');
      return false;
    }
  }

  /** One slot in a savepoint: a fault in one schedule neither blocks the others nor spins. */
  private processOne(row: SlotRow): void {
    let outcome: FireOutcome = 'failed';
    try {
      outcome = this.ctx.tx.savepoint(() => this.firer.process(row, this.ctx.clock(), this.availableSince));
    } catch (err) {
      this.ctx.logger.error(
        { err, schedule: row.scheduleName, scheduledTime: row.nextRun },
        'scheduler: handling a due slot failed; retrying in a minute',
      );
      this.store.putSlot({ ...row, nextRun: this.ctx.clock() + RETRY_MS });
    }
    if (outcome === 'failed') {
      this.failing.add(row.scheduleName);
      this.lastFailure = this.ctx.clock();
    } else if (outcome === 'started') this.failing.delete(row.scheduleName);
  }

  /** In a gap between slots: a WAL checkpoint after many fires, and a step of the history rule. */
  private housekeep(): void {
    this.stopHousekeeping();
    if (this.stopped || this.paused) return;
    const now = this.ctx.clock();
    const next = this.store.earliestSlot();
    // Too close to the next slot: its run calls this again.
    if (next !== null && next - now < IDLE_MIN_MS) return;
    if (this.failing.size > 0 && now - this.lastFailure >= FAILING_FOR_MS) this.failing.clear();
    if (this.firedSinceCheckpoint >= CHECKPOINT_AFTER) {
      this.firedSinceCheckpoint = 0;
      try {
        checkpointWal(this.ctx.db);
      } catch (err) {
        this.ctx.logger.warn({ err }, 'scheduler: WAL checkpoint failed');
      }
    }
    if (this.pruner.step(now, STEP_MS)) {
      this.housekeeping = setTimeout(() => this.housekeep(), STEP_PAUSE_MS);
      this.housekeeping.unref();
    }
  }

  private stopHousekeeping(): void {
    if (this.housekeeping) clearTimeout(this.housekeeping);
    this.housekeeping = undefined;
  }
}
