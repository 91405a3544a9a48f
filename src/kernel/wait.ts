/**
 * Waiting helpers shared by both kernel providers. They always clean up their timers and listeners (so
 * jest and the CLI can exit), and they word aborts the same way everywhere (E_ABORTED, "... was aborted").
 */
import { NbcError } from '../errors';

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

/** `promise`'s value, or a rejection with `onTimeout()` after `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  const result = await withTimeout(promise, ms);
  if (result === TIMED_OUT) throw onTimeout();
  return result;
}

/** `promise`, or E_ABORTED as soon as `signal` aborts (the work itself is not stopped: the caller cleans up). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortedError(what, signal));
  return new Promise<T>((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => reject(abortedError(what, signal)));
    promise.then(
      (value) => {
        unsubscribe();
        resolve(value);
      },
      (err: unknown) => {
        unsubscribe();
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** "1 ms", "950 ms", "2.0 s": durations in messages. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** E_ABORTED for `what`, with the abort reason (a signal's, or given) when there is one. */
export function abortedError(what: string, cause?: AbortSignal | string): NbcError {
  const reason: unknown = typeof cause === 'string' ? cause : cause?.reason;
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

/**
 * Run `check` every `ms` until the returned stop function is called. The timer never keeps the process
 * alive, and an asynchronous check that is still running skips the next tick instead of piling up.
 */
export function every(ms: number, check: () => void | Promise<void>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    const result = check();
    if (result instanceof Promise) {
      running = true;
      void result.catch(() => undefined).finally(() => (running = false));
    }
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
