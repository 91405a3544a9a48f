/**
 * Script evaluation as Conductor's evaluators do it (`value-param`, `javascript`, `graaljs`): a script error
 * surfaces as "Error evaluating the script `…`" (terminal), a timeout as a plain failure.
 */
import type { EngineContext } from '../context';
import { evaluateScript, ScriptFailure } from '../expressions';
import type { JsonMap } from '../model/types';

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

export function runScript(ctx: EngineContext, expression: string, input: unknown): unknown {
  try {
    return evaluateScript(expression, input, { timeoutMs: ctx.options.scriptTimeoutMs });
  } catch (err) {
    if (err instanceof ScriptFailure) throw new EvaluationError(err.message, !err.timedOut);
    throw new EvaluationError(err instanceof Error ? err.message : String(err), true);
  }
}

/** `Evaluator.evaluate(expression, input)` for the evaluator named `type`. */
export function evaluate(ctx: EngineContext, type: string, expression: string, input: JsonMap): unknown {
  if (type === 'value-param') return input[expression] ?? null;
  return runScript(ctx, expression, input);
}
