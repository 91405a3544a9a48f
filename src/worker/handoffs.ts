/**
 * Tasks Conductor has given this worker that have not reached `execute` yet: those a batch poll in flight
 * will bring, and those an update-v2 answer handed over (chained). Shutdown needs to know: the SDK's
 * stopPolling() waits for neither, a poll in flight still delivers its tasks, and a chained task that
 * arrives after stopPolling is dropped (left IN_PROGRESS until its response timeout). A stopping worker
 * waits until nothing is on its way, so that every such task reaches `execute` and is handed back.
 */
export class Handoffs {
  private polls = 0;
  private tasks = 0;
  private waiters: (() => void)[] = [];

  pollStarted(): void {
    this.polls++;
  }

  /** A poll answered (`received` tasks, which the SDK passes to `execute` next) or failed (0). */
  pollEnded(received: number): void {
    this.polls = Math.max(0, this.polls - 1);
    this.tasks += received;
    this.wake();
  }

  /** An update-v2 answer handed over a task, which the SDK runs next while it is polling. */
  chained(): void {
    this.tasks++;
  }

  /** A task reached `execute`. */
  arrived(): void {
    this.tasks = Math.max(0, this.tasks - 1);
    this.wake();
  }

  /** Resolves once no poll is in flight and every task they or update-v2 brought has reached `execute`. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.polls === 0 && this.tasks === 0;
  }

  private wake(): void {
    if (!this.isIdle()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
