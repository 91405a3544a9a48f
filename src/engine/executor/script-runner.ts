/**
 * Evaluates the scripts the decider and the event processor asked for (`store/script-evals.ts`) in the
 * script processes, outside any transaction, so a script that spins or exhausts memory never blocks the
 * engine: HTTP, other workflows and in-process workers go on meanwhile.
 *
 * A request is marked RUNNING (committed) before its script starts, and only as many are taken as there
 * are script processes, so RUNNING means "in flight". At start-up, RUNNING rows left by a previous run
 * were in flight when the engine died (perhaps because of that script): they are settled as interrupted,
 * and their task fails with that reason instead of being evaluated again.
 */
import { coalescedKick } from '../coalesce';
import type { EngineContext } from '../context';
import { runScriptIn, type ScriptOutcome, type ScriptPool } from '../expressions';
import type { ScriptEvalRow } from '../store/script-evals';
import type { WorkflowExecutor } from './executor';

interface InFlight {
  readonly owner: string;
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

export class ScriptRunner {
  private readonly inFlight = new Map<string, InFlight>();
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly exec: WorkflowExecutor,
    private readonly pool: ScriptPool,
    private readonly capacity: number,
    /** Wakes the event processor when an event condition has its outcome. */
    private readonly eventsReady: () => void,
  ) {}

  /** Start soon (calls before the next event-loop turn coalesce into one). */
  readonly kick = coalescedKick(
    () => this.drain(),
    () => this.stopped,
  );

  /** Settles evaluations a previous run left in flight, and wakes their owners. */
  recover(): void {
    const rows = this.ctx.scripts.running();
    if (rows.length === 0) return;
    this.ctx.tx.run(() => {
      for (const row of rows) {
        const since = new Date(row.started).toISOString();
        const outcome: ScriptOutcome = {
          ok: false,
          kind: 'interrupted',
          text:
            `Script not evaluated again: the engine stopped while evaluating it (started ${since}); ` +
            'a script that exhausts the engine’s memory could take it down again',
          line: 0,
        };
        this.ctx.scripts.finish(row.owner, row.site, outcome);
        this.ctx.logger.warn(
          { workflowId: row.kind === 'workflow' ? row.owner : undefined, site: row.site },
          'engine: a script was being evaluated when the engine stopped; it fails and is not evaluated again',
        );
        this.wake(row);
      }
    });
  }

  /** Stop evaluating `owner`'s scripts (its workflow ended); their outcomes would be discarded anyway. */
  cancel(owner: string): void {
    for (const f of this.inFlight.values()) if (f.owner === owner) f.abort.abort(new Error('cancelled'));
  }

  /** Stops the running scripts; they were not interrupted by a crash, so the next start runs them again. */
  async stop(): Promise<void> {
    this.stopped = true;
    const running = [...this.inFlight.values()];
    for (const f of running) f.abort.abort(new Error('the engine is stopping'));
    await Promise.allSettled(running.map((f) => f.done));
    try {
      this.ctx.tx.run(() => this.ctx.scripts.requeueRunning());
    } catch (err) {
      this.ctx.logger.error({ err }, 'engine: could not requeue the scripts that were running');
    }
  }

  private drain(): void {
    if (this.stopped) return;
    const room = this.capacity - this.inFlight.size;
    if (room <= 0) return;
    const started = this.ctx.tx.run(() => {
      const now = this.ctx.clock();
      return this.ctx.scripts.pending(room).filter((row) => this.ctx.scripts.start(row.owner, row.site, now));
    });
    for (const row of started) this.launch(row);
  }

  private launch(row: ScriptEvalRow): void {
    const key = `${row.owner}\n${row.site}`;
    const abort = new AbortController();
    this.ctx.logger.debug(
      { workflowId: row.kind === 'workflow' ? row.owner : undefined, site: row.site },
      'engine: script evaluation started',
    );
    const done = this.evaluate(row, abort.signal).finally(() => {
      this.inFlight.delete(key);
      this.kick();
    });
    this.inFlight.set(key, { owner: row.owner, abort, done });
  }

  private async evaluate(row: ScriptEvalRow, signal: AbortSignal): Promise<void> {
    let outcome: ScriptOutcome;
    try {
      outcome = await runScriptIn(this.pool, row.expression, row.input, { timeoutMs: row.timeoutMs, signal });
    } catch (err) {
      // Aborted (the owner ended, or the engine stops): the row is gone or is settled by the next start.
      if (signal.aborted) return;
      outcome = {
        ok: false,
        kind: 'killed',
        text: err instanceof Error ? err.message : String(err),
        line: 0,
      };
    }
    if (this.stopped) return;
    try {
      this.ctx.tx.run(() => {
        if (this.ctx.scripts.finish(row.owner, row.site, outcome)) this.wake(row);
      });
    } catch (err) {
      this.ctx.logger.error({ err, site: row.site }, 'engine: recording a script outcome failed');
    }
  }

  /** The requester takes the outcome on its next pass: a decide of the workflow, or the event processor. */
  private wake(row: ScriptEvalRow): void {
    if (row.kind === 'workflow') this.exec.decide(row.owner);
    else this.ctx.tx.afterCommit(this.eventsReady);
  }
}
