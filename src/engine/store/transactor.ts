/**
 * One SQLite transaction per engine operation. Everything an operation cascades into (decides, parent
 * workflow updates, child workflow starts) is queued with `defer` and drained inside the same transaction,
 * so an operation is atomic: after a crash either all of it is on disk or none of it. `afterCommit` hooks
 * (waking long-polling workers, arming timers, kicking async runners) fire only once the commit succeeded.
 */
import { NbcError } from '../../errors';
import type { Logger } from '../../log';
import type { Db } from './db';

/** Thrown to undo a transaction run without savepoints once something a savepoint would have undone failed. */
class SavepointSkipped extends Error {}

export class Transactor {
  private depth = 0;
  /** In `runWithoutSavepoints`: savepoints are skipped, and a failure inside one spoils the transaction. */
  private lean = false;
  private spoiled = false;
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
        if (this.spoiled) throw new SavepointSkipped();
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

  /**
   * Runs `fn` in a transaction of its own without the savepoints it (or what it cascades into) asks for,
   * which cost as much as the writes they guard. That is only sound if nothing fails inside one: then the
   * whole transaction is undone and false returned, so the caller can do the work again with savepoints.
   * Errors outside savepoints propagate as from `run`.
   */
  runWithoutSavepoints(fn: () => void): boolean {
    if (this.depth > 0)
      throw new NbcError('E_INTERNAL', 'runWithoutSavepoints cannot be nested in a transaction');
    this.lean = true;
    this.spoiled = false;
    try {
      this.run(fn);
      return true;
    } catch (err) {
      if (err instanceof SavepointSkipped || this.spoiled) return false;
      throw err;
    } finally {
      this.lean = false;
      this.spoiled = false;
    }
  }

  /** Runs `fn` in a savepoint: if it throws, only its own writes are undone and the error is rethrown. */
  savepoint<T>(fn: () => T): T {
    if (!this.lean) return this.inTx(fn) as T;
    try {
      return fn();
    } catch (err) {
      this.spoiled = true;
      throw err;
    }
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
