/**
 * The engine's single entry point to expressions, scripts and jq (implemented in `./expr`). A thin adapter
 * so the rest of the engine does not depend on that module's exact signatures or its JSON typing.
 */
import * as expr from './expr';
import type { JsonMap } from './model/types';

export interface ResolveOptions {
  env?: Record<string, string | undefined>;
  taskId?: string;
}

function definedEnv(env: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  if (!env) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Resolves every `${…}` in `input` against `document` with Conductor's rules; returns a new map. */
export function resolveExpressions(input: JsonMap, document: JsonMap, options: ResolveOptions = {}): JsonMap {
  const out = expr.resolveExpressions(input as expr.Json, document as expr.Json, {
    env: definedEnv(options.env),
    taskId: options.taskId,
  });
  return (expr.isJsonObject(out) ? out : {}) as JsonMap;
}

export class ScriptFailure extends Error {
  override readonly name = 'ScriptFailure';
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

/** Evaluates `expression` with `$` bound to a copy of `input`; returns the completion value. */
export function evaluateScript(
  expression: string,
  input: unknown,
  options: { timeoutMs?: number } = {},
): unknown {
  try {
    return expr.evaluateScript(expression, (input ?? null) as expr.Json, options);
  } catch (err) {
    if (err instanceof expr.ScriptError) {
      // Fallback on the message: the time limit is sometimes reported as a runtime error.
      throw new ScriptFailure(
        err.message,
        err.kind === 'timeout' || /Script execution timed out/.test(err.message),
      );
    }
    throw new ScriptFailure(err instanceof Error ? err.message : String(err), false);
  }
}

export function checkScriptSyntax(expression: string): string | null {
  return expr.checkScriptSyntax(expression);
}

export function isTruthy(v: unknown): boolean {
  return expr.isTruthy((v ?? null) as expr.Json);
}

export function scriptResultToCaseString(v: unknown): string {
  return expr.scriptResultToCaseString((v ?? null) as expr.Json);
}

export function lambdaScript(scriptExpression: string): string {
  return expr.lambdaScript(scriptExpression);
}

export function checkJsonPath(path: string): string | null {
  return expr.checkJsonPath(path);
}

export interface Reference {
  path: string;
  root: string;
  key: string;
  problem?: string;
  system: boolean;
}

/** `${…}` references in an inputParameters value, split the way Conductor's registration check does. */
export function collectReferences(value: unknown, env?: Record<string, string | undefined>): Reference[] {
  return expr.collectReferences((value ?? null) as expr.Json, { env: definedEnv(env) }).map((r) => ({
    path: r.path,
    root: r.root,
    key: r.key,
    problem: r.problem,
    system: r.system === true,
  }));
}

export function jqAvailable(): boolean {
  return expr.jqAvailable();
}

export async function jqTransform(
  query: string,
  input: unknown,
): Promise<{ result: unknown; resultList: unknown[] }> {
  return expr.jqTransform(query, (input ?? null) as expr.Json);
}

/** `JsonUtils.expand`: string values holding JSON objects/arrays are parsed (event payloads). */
export function expandInlineJson(v: unknown): unknown {
  return expr.expandInlineJson((v ?? null) as expr.Json);
}

/** Releases the worker threads behind jq and scripts (engine shutdown); they restart on next use. */
export async function closeExpressionWorkers(): Promise<void> {
  await Promise.all([expr.closeJq(), expr.closeScriptSandbox()]);
}
