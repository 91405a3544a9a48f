/**
 * One SQLite transaction per engine operation. Everything an operation cascades into (decides, parent
 * workflow updates, child workflow starts) is queued with `defer` and drained inside the same transaction,
 * so an operation is atomic: after a crash either all of it is on disk or none of it. `afterCommit` hooks
 * (waking long-polling workers, arming timers, kicking async runners) fire only once the commit succeeded.
 */
import type { Logger } from '../../log';
import type { Db } from './db';

export class Transactor {
  private depth = 0;
  private deferred: (() => void)[] = [];
  private hooks: (() => void)[] = [];
  /** One wrapper, reused: better-sqlite3 turns a nested call into a savepoint. */
  private readonly inTx: (fn: () => unknown) => unknown;

  constructor(
    db: Db,
    private readonly logger: Logger,
    private readonly onRollback: () => void,
  ) {
    this.inTx = db.transaction((fn: () => unknown) => fn());
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  run<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    this.depth = 1;
    let result: T;
    try {
      result = this.inTx(() => {
        const r = fn();
        this.drain();
        return r;
      }) as T;
    } catch (err) {
      this.depth = 0;
      this.deferred = [];
      this.hooks = [];
      this.onRollback();
      throw err;
    }
    this.depth = 0;
    const hooks = this.hooks;
    this.hooks = [];
    for (const hook of hooks) {
      try {
        hook();
      } catch (err) {
        this.logger.error({ err }, 'engine: after-commit hook failed');
      }
    }
    return result;
  }

  /** Runs `fn` in a savepoint: if it throws, only its own writes are undone and the error is rethrown. */
  savepoint<T>(fn: () => T): T {
    return this.inTx(fn) as T;
  }

  /** Work to run later in the current transaction (or immediately in a new one when none is open). */
  defer(fn: () => void): void {
    if (this.depth === 0) {
      this.run(fn);
      return;
    }
    this.deferred.push(fn);
  }

  afterCommit(fn: () => void): void {
    if (this.depth === 0) {
      fn();
      return;
    }
    this.hooks.push(fn);
  }

  private drain(): void {
    while (this.deferred.length > 0) {
      const next = this.deferred.shift() as () => void;
      next();
    }
  }
}
