/**
 * In-process wake-ups for long-polling workers: a poller waiting on a queue is released the moment a
 * message is pushed to it (after the commit), or when the next delayed message becomes visible, or at
 * its own deadline, whichever comes first.
 */
export class QueueWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  notify(queue: string): void {
    const set = this.waiting.get(queue);
    if (!set) return;
    this.waiting.delete(queue);
    for (const wake of set) wake();
  }

  /** Resolves on notify(queue), at `until` (epoch ms), or when `signal` aborts. */
  wait(queue: string, until: number, now: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiting.get(queue);
      if (!set) {
        set = new Set();
        this.waiting.set(queue, set);
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const s = this.waiting.get(queue);
        s?.delete(done);
        if (s && s.size === 0) this.waiting.delete(queue);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, until - now));
      set.add(done);
      if (signal) {
        if (signal.aborted) done();
        else signal.addEventListener('abort', done, { once: true });
      }
    });
  }

  /** Releases everyone (shutdown). */
  releaseAll(): void {
    const all = [...this.waiting.keys()];
    for (const q of all) this.notify(q);
  }
}
