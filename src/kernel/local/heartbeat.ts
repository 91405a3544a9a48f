/**
 * Heartbeat watchdog: ping the kernel's echo socket every `intervalMs`; if no pong arrives for
 * `timeoutMs` while the process is still there (stopped, hung, wedged), report it as lost.
 *
 * The watchdog arms on the first pong. ipykernel binds the heartbeat in a thread, and if that bind fails
 * (port taken) the kernel runs fine without one: killing it for silence would be wrong, so a heartbeat
 * that never answered is only reported (`onNeverAnswered`) and process-exit monitoring remains.
 * A stall of our own event loop is not held against the kernel either.
 */
import { every, withTimeout } from '../wait';

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  ping(): void;
  onLost(silentForMs: number): void;
  onNeverAnswered(): void;
}

export class HeartbeatMonitor {
  private stopTicking: (() => void) | undefined;
  private armed = false;
  private onArmed: (() => void) | undefined;
  private reportedSilence = false;
  private since = 0;
  private lastPong = 0;
  private lastTick = 0;

  constructor(private readonly options: HeartbeatOptions) {}

  get enabled(): boolean {
    return this.options.intervalMs > 0;
  }

  /**
   * Ping and wait (up to `ms`) for the first pong, so the watchdog is armed before the session is handed
   * out. Pings sent before the kernel bound its heartbeat socket can be lost, so this pings again.
   */
  async awaitFirstPong(ms: number): Promise<boolean> {
    if (!this.enabled || this.armed) return this.armed;
    const armed = new Promise<void>((resolve) => (this.onArmed = resolve));
    this.options.ping();
    await withTimeout(armed, ms);
    this.onArmed = undefined;
    return this.armed;
  }

  start(): void {
    if (this.stopTicking || !this.enabled) return;
    const now = Date.now();
    this.since = now;
    this.lastPong = now;
    this.lastTick = now;
    this.options.ping();
    // The kernel process keeps us alive while it runs; the watchdog alone must not (every() unrefs).
    this.stopTicking = every(this.options.intervalMs, () => this.tick());
  }

  pong(): void {
    this.armed = true;
    this.onArmed?.();
    this.lastPong = Date.now();
  }

  stop(): void {
    this.stopTicking?.();
    this.stopTicking = undefined;
  }

  private tick(): void {
    const now = Date.now();
    // Our loop was blocked (GC, sync work, suspended laptop): restart the clock instead of blaming the kernel.
    if (now - this.lastTick > 3 * this.options.intervalMs) this.lastPong = now;
    this.lastTick = now;
    if (!this.armed) {
      if (!this.reportedSilence && now - this.since > this.options.timeoutMs) {
        this.reportedSilence = true;
        this.options.onNeverAnswered();
      }
    } else if (now - this.lastPong > this.options.timeoutMs) {
      this.stop();
      this.options.onLost(now - this.lastPong);
      return;
    }
    this.options.ping();
  }
}
