/**
 * One timer armed for the earliest pending deadline of a persisted queue (the sweeper's decides, the
 * scheduler's slots): no fixed tick. `notify` wakes earlier when a nearer deadline is stored; `rearm`
 * re-reads the earliest one (after deletes, or after a run). Timers are unref'd and capped at an hour.
 */
const MAX_TIMER_MS = 3_600_000;

export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private nextAt = Infinity;
  private enabled = false;

  constructor(
    private readonly clock: () => number,
    /** The earliest deadline in the store, or null when there is none. */
    private readonly earliest: () => number | null,
    private readonly onDue: () => void,
  ) {}

  /** Arms for the earliest stored deadline and keeps arming until `disable`. */
  enable(): void {
    this.enabled = true;
    this.rearm();
  }

  disable(): void {
    this.enabled = false;
    this.clear();
  }

  notify(dueAt: number): void {
    if (dueAt < this.nextAt) this.arm(dueAt);
  }

  rearm(): void {
    if (!this.enabled) return;
    const next = this.earliest();
    if (next === null) this.clear();
    else this.arm(next);
  }

  arm(at: number): void {
    if (!this.enabled) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextAt = at;
    const delay = Math.min(Math.max(0, at - this.clock()), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nextAt = Infinity;
      if (this.enabled) this.onDue();
    }, delay);
    this.timer.unref();
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAt = Infinity;
  }
}
