/**
 * Script evaluation as Conductor's evaluators do it (`value-param`, `javascript`, `graaljs`): a script error
 * surfaces as "Error evaluating the script `…`" (terminal), a timeout as a plain failure.
 *
 * Scripts never run inside a decide: the first call for a site records a request and answers `PENDING`;
 * the script runner evaluates it in a script process and decides the workflow again, and the next call
 * for the same site consumes the outcome. A site is a place that evaluates once (a task, a loop
 * iteration), so its outcome is the script's result at the moment it was requested.
 */
import { stringifyJsonExact, type JsonObject, type JsonValue } from '../../json';
import type { EngineContext } from '../context';
import { scriptOutcomeValue, ScriptFailure, type ScriptOutcome } from '../expressions';
import type { ScriptEvalKind } from '../store/script-evals';

export class EvaluationError extends Error {
  override readonly name = 'EvaluationError';

  constructor(
    message: string,
    /** Conductor's TerminateWorkflowException (script error) vs NonTransientException (timeout). */
    readonly terminal: boolean,
  ) {
    super(message);
  }
}

export const EVALUATORS = new Set(['value-param', 'javascript', 'graaljs']);

/** The script is being evaluated; the caller leaves its task as it is and is decided again afterwards. */
export const PENDING: unique symbol = Symbol('script evaluation pending');
export type Pending = typeof PENDING;

export interface ScriptSite {
  /** The workflow id (or, for event conditions, the event queue). */
  owner: string;
  /** Unique within the owner: the task id, `<taskId>#<iteration>`, `<messageId>/<handler>`. */
  site: string;
  kind?: ScriptEvalKind;
  /** Leave the outcome in place (the caller deletes it once it has used it); default: consume it. */
  keep?: boolean;
}

/** Failures a retry cannot fix, or that must not run again (interrupted), fail the task terminally. */
const RETRYABLE = new Set(['timeout', 'killed']);

/** The script's value at `site`, or PENDING (a request is recorded; its outcome arrives with a decide). */
export function runScript(
  ctx: EngineContext,
  site: ScriptSite,
  expression: string,
  input: unknown,
): JsonValue | Pending {
  const row = ctx.scripts.get(site.owner, site.site);
  if (row === undefined) {
    ctx.scripts.request({
      owner: site.owner,
      site: site.site,
      kind: site.kind ?? 'workflow',
      expression,
      // A script sees an int beyond 2^53 as the nearest double (its JSON.parse reads these digits).
      input: stringifyJsonExact(input ?? null) ?? 'null',
      timeoutMs: ctx.options.scriptTimeoutMs,
      created: ctx.clock(),
    });
    ctx.tx.afterCommit(() => ctx.signals.scriptRequested());
    return PENDING;
  }
  if (row.state !== 'DONE' || row.outcome === null) return PENDING;
  if (site.keep !== true) ctx.scripts.delete(site.owner, site.site);
  try {
    return scriptOutcomeValue(JSON.parse(row.outcome) as ScriptOutcome, row.timeoutMs);
  } catch (err) {
    if (err instanceof ScriptFailure) throw new EvaluationError(err.message, !RETRYABLE.has(err.kind));
    throw new EvaluationError(err instanceof Error ? err.message : String(err), true);
  }
}

/** `Evaluator.evaluate(expression, input)` for the evaluator named `type` (PENDING while a script runs). */
export function evaluate(
  ctx: EngineContext,
  site: ScriptSite,
  type: string,
  expression: string,
  input: JsonObject,
): JsonValue | Pending {
  if (type === 'value-param') return input[expression] ?? null;
  return runScript(ctx, site, expression, input);
}
