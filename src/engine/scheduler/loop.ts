/**
 * The firing loop: one timer armed for the earliest pending slot in `schedule_slots` (no fixed tick), due
 * slots handled in batches (one transaction per batch), re-armed after each run. `/admin/pause` stops it
 * (this process only, as Conductor's); `/admin/resume` restarts it, and slots that came due meanwhile
 * count as missed (the catch-up rule applies), as after an engine restart.
 */
import type { EngineContext } from '../context';
import { DeadlineTimer } from '../deadline-timer';
import type { SlotFirer } from './fire';
import type { SchedulerOptions } from './options';
import type { ScheduleStore, SlotRow } from './store';

const BATCH = 250;
const PRUNE_EVERY_MS = 60_000;
const RETRY_MS = 60_000;

export class SchedulerLoop {
  private readonly timer: DeadlineTimer;
  private stopped = true;
  private paused = false;
  private availableSince = 0;
  private lastPrune = 0;

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
  }

  pause(): void {
    this.paused = true;
    this.timer.disable();
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
        this.ctx.tx.run(() => {
          for (const row of due) this.processOne(row);
        });
      } catch (err) {
        this.ctx.logger.error({ err }, 'scheduler: firing a batch of slots failed');
        // Retry the whole batch shortly rather than spinning on a persistent fault.
        this.timer.arm(this.ctx.clock() + 1000);
        return;
      }
    }
    if (now - this.lastPrune >= PRUNE_EVERY_MS) this.prune(now);
    if (due.length === BATCH) setImmediate(() => this.run());
    else this.timer.rearm();
  }

  /** One slot in a savepoint: a fault in one schedule neither blocks the others nor spins. */
  private processOne(row: SlotRow): void {
    try {
      this.ctx.tx.savepoint(() => this.firer.process(row, this.ctx.clock(), this.availableSince));
    } catch (err) {
      this.ctx.logger.error(
        { err, schedule: row.scheduleName, scheduledTime: row.nextRun },
        'scheduler: handling a due slot failed; retrying in a minute',
      );
      this.store.putSlot({ ...row, nextRun: this.ctx.clock() + RETRY_MS });
    }
  }

  private prune(now: number): void {
    this.lastPrune = now;
    const { historyPerSchedule, historyMaxAgeMs } = this.options;
    try {
      this.ctx.tx.run(() =>
        this.store.prune(historyPerSchedule, historyMaxAgeMs > 0 ? now - historyMaxAgeMs : null),
      );
    } catch (err) {
      this.ctx.logger.error({ err }, 'scheduler: pruning execution history failed');
    }
  }
}
