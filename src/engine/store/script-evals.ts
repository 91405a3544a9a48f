/**
 * Script evaluations requested by the decider or the event processor and run outside any transaction
 * (see `executor/script-runner.ts`). One row per place a script is evaluated (`owner` = the workflow, or
 * an event queue; `site` = the task, the loop iteration, or the message and handler), from request
 * (PENDING) through evaluation (RUNNING, committed before the script starts) to its outcome (DONE), which
 * the requester consumes (deletes) when it applies it. A RUNNING row found at start-up was in flight when
 * the engine died: it is settled as interrupted and never evaluated again.
 */
import type { Db } from './db';

export type ScriptEvalKind = 'workflow' | 'event';
export type ScriptEvalState = 'PENDING' | 'RUNNING' | 'DONE';

export interface ScriptEvalRow {
  owner: string;
  site: string;
  kind: ScriptEvalKind;
  expression: string;
  input: string;
  timeoutMs: number;
  state: ScriptEvalState;
  /** JSON of the outcome once DONE. */
  outcome: string | null;
  created: number;
  started: number;
}

const COLUMNS =
  'owner, site, kind, expression, input, timeout_ms AS timeoutMs, state, outcome, created, started';

export class ScriptEvalStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      get: db.prepare(`SELECT ${COLUMNS} FROM script_evals WHERE owner = ? AND site = ?`),
      request: db.prepare(
        "INSERT INTO script_evals (owner, site, kind, expression, input, timeout_ms, state, created) VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?) " +
          'ON CONFLICT (owner, site) DO NOTHING',
      ),
      pending: db.prepare(
        `SELECT ${COLUMNS} FROM script_evals WHERE state = 'PENDING' ORDER BY created, rowid LIMIT ?`,
      ),
      start: db.prepare(
        "UPDATE script_evals SET state = 'RUNNING', started = ? WHERE owner = ? AND site = ? AND state = 'PENDING'",
      ),
      finish: db.prepare(
        "UPDATE script_evals SET state = 'DONE', outcome = ? WHERE owner = ? AND site = ? AND state = 'RUNNING'",
      ),
      running: db.prepare(`SELECT ${COLUMNS} FROM script_evals WHERE state = 'RUNNING'`),
      requeueRunning: db.prepare(
        "UPDATE script_evals SET state = 'PENDING', started = 0 WHERE state = 'RUNNING'",
      ),
      delete: db.prepare('DELETE FROM script_evals WHERE owner = ? AND site = ?'),
      deleteOwner: db.prepare('DELETE FROM script_evals WHERE owner = ?'),
    };
  }

  get(owner: string, site: string): ScriptEvalRow | undefined {
    return this.stmts.get.get(owner, site) as ScriptEvalRow | undefined;
  }

  /** Records a request unless one exists for this site; true when it was added. */
  request(
    r: Pick<ScriptEvalRow, 'owner' | 'site' | 'kind' | 'expression' | 'input' | 'timeoutMs' | 'created'>,
  ): boolean {
    return (
      this.stmts.request.run(r.owner, r.site, r.kind, r.expression, r.input, r.timeoutMs, r.created).changes >
      0
    );
  }

  pending(limit: number): ScriptEvalRow[] {
    return this.stmts.pending.all(limit) as ScriptEvalRow[];
  }

  /** PENDING → RUNNING; false when the row is gone or was already taken. */
  start(owner: string, site: string, now: number): boolean {
    return this.stmts.start.run(now, owner, site).changes > 0;
  }

  /** RUNNING → DONE with the outcome; false when the row is gone (its owner ended meanwhile). */
  finish(owner: string, site: string, outcome: unknown): boolean {
    return this.stmts.finish.run(JSON.stringify(outcome), owner, site).changes > 0;
  }

  running(): ScriptEvalRow[] {
    return this.stmts.running.all() as ScriptEvalRow[];
  }

  /** RUNNING → PENDING for every row (a graceful stop: those scripts run again at the next start). */
  requeueRunning(): void {
    this.stmts.requeueRunning.run();
  }

  delete(owner: string, site: string): void {
    this.stmts.delete.run(owner, site);
  }

  deleteOwner(owner: string): void {
    this.stmts.deleteOwner.run(owner);
  }
}
