/**
 * Re-evaluates workflows when a deadline they registered in `decider_queue` passes (task timeouts,
 * response/poll timeouts, WAIT durations, workflow timeouts, retried decides). One timer armed for the
 * earliest deadline, recomputed after each run — no fixed tick. Deadlines live in SQLite, so they resume
 * after a restart.
 */
import type { EngineContext } from './context';
import { DeadlineTimer } from './deadline-timer';
import type { WorkflowExecutor } from './executor/executor';

const BATCH = 100;

export class Sweeper {
  private readonly timer: DeadlineTimer;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly exec: WorkflowExecutor,
  ) {
    this.timer = new DeadlineTimer(
      ctx.clock,
      () => ctx.queues.nextDecide(),
      () => this.run(),
    );
  }

  start(): void {
    this.timer.enable();
  }

  stop(): void {
    this.stopped = true;
    this.timer.disable();
  }

  /** A deadline was recorded; wake earlier if needed. */
  notify(dueAt: number): void {
    this.timer.notify(dueAt);
  }

  private run(): void {
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
    else this.timer.rearm();
  }
}
