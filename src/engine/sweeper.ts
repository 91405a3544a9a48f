/**
 * Re-evaluates workflows when a deadline they registered in `decider_queue` passes (task timeouts,
 * response/poll timeouts, WAIT durations, workflow timeouts, retried decides). One timer armed for the
 * earliest deadline, recomputed after each run — no fixed tick. Deadlines live in SQLite, so they resume
 * after a restart.
 */
import type { EngineContext } from './context';
import type { WorkflowExecutor } from './executor/executor';

const BATCH = 100;
const MAX_TIMER_MS = 3_600_000;

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private nextAt = Infinity;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly exec: WorkflowExecutor,
  ) {}

  start(): void {
    this.armFromDb();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** A deadline was recorded; wake earlier if needed. */
  notify(dueAt: number): void {
    if (dueAt < this.nextAt) this.arm(dueAt);
  }

  private arm(at: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = at;
    const delay = Math.min(Math.max(0, at - this.ctx.clock()), MAX_TIMER_MS);
    this.timer = setTimeout(() => this.run(), delay);
    this.timer.unref();
  }

  private armFromDb(): void {
    const next = this.ctx.queues.nextDecide();
    if (next === null) {
      this.nextAt = Infinity;
      if (this.timer) clearTimeout(this.timer);
      return;
    }
    this.arm(next);
  }

  private run(): void {
    this.timer = undefined;
    this.nextAt = Infinity;
    if (this.stopped) return;
    const due = this.ctx.queues.dueDecides(this.ctx.clock(), BATCH);
    for (const workflowId of due) {
      try {
        this.ctx.tx.run(() => {
          this.ctx.queues.removeDecide(workflowId);
          this.exec.decide(workflowId);
        });
      } catch (err) {
        this.ctx.logger.error({ err, workflowId }, 'engine: sweeper decide failed');
      }
    }
    if (due.length === BATCH) setImmediate(() => this.run());
    else this.armFromDb();
  }
}
