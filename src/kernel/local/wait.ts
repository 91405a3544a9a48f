/** Small waiting helpers that always clean up their timers and listeners (so jest and the CLI can exit). */
import { NbcError } from '../../errors';

export const TIMED_OUT: unique symbol = Symbol('timed out');

/** `promise`'s value, or TIMED_OUT after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function abortedError(what: string, signal?: AbortSignal): NbcError {
  const reason: unknown = signal?.reason;
  const why =
    reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : '';
  return new NbcError('E_ABORTED', `${what} was aborted${why}`);
}

/** Call `fn` once when `signal` aborts; returns the unsubscribe function. */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}

/** A sleep that events can cut short: `sleep(ms)` resolves after `ms` or at `wake()`, whichever is first. */
export class Waker {
  private resolve: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;

  sleep(ms: number): Promise<void> {
    this.cancel();
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => this.wake(), Math.max(0, ms));
    });
  }

  wake(): void {
    const resolve = this.resolve;
    this.cancel();
    resolve?.();
  }

  /** Wake after `ms` unless woken earlier. */
  wakeIn(ms: number): void {
    if (this.resolve === undefined || this.soon !== undefined) return;
    this.soon = setTimeout(() => this.wake(), ms);
  }

  cancel(): void {
    clearTimeout(this.timer);
    clearTimeout(this.soon);
    this.timer = undefined;
    this.soon = undefined;
    this.resolve = undefined;
  }
}
