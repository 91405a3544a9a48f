/**
 * The engine's single entry point to expressions, scripts and jq (implemented in `./expr`). A thin adapter
 * so the rest of the engine does not depend on that module's exact signatures or its JSON typing.
 */
import { isPlainObject, type JsonObject, type JsonValue } from '../json';
import * as expr from './expr';

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
export function resolveExpressions(
  input: JsonObject,
  document: JsonObject,
  options: ResolveOptions = {},
): JsonObject {
  const out = expr.resolveExpressions(input as JsonValue, document as JsonValue, {
    env: definedEnv(options.env),
    taskId: options.taskId,
  });
  return (isPlainObject(out) ? out : {}) as JsonObject;
}

export class ScriptFailure extends Error {
  override readonly name = 'ScriptFailure';
  constructor(
    message: string,
    readonly kind: expr.ScriptErrorKind,
  ) {
    super(message);
  }
}

export type ScriptOutcome =
  | expr.ScriptOutcome
  | { readonly ok: false; readonly kind: 'interrupted'; readonly text: string; readonly line: 0 };

export { ScriptPool, type ScriptPoolOptions } from './expr';

/** Runs `expression` in `pool` with `$` bound to a copy of `input`; resolves to its outcome (never a value). */
export function runScriptIn(
  pool: expr.ScriptPool,
  expression: string,
  inputJson: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ScriptOutcome> {
  return pool.run(expression, inputJson, {
    timeoutMs: expr.scriptTimeout(options.timeoutMs),
    signal: options.signal,
  });
}

/** The value of a script's outcome, or a ScriptFailure saying why there is none. */
export function scriptOutcomeValue(outcome: ScriptOutcome, timeoutMs: number): JsonValue {
  if (!outcome.ok && outcome.kind === 'interrupted') throw new ScriptFailure(outcome.text, 'interrupted');
  try {
    return expr.scriptResult(outcome, expr.scriptTimeout(timeoutMs));
  } catch (err) {
    if (err instanceof expr.ScriptError) throw new ScriptFailure(err.message, err.kind);
    throw err;
  }
}

export function checkScriptSyntax(expression: string): string | null {
  return expr.checkScriptSyntax(expression);
}

export function isTruthy(v: unknown): boolean {
  return expr.isTruthy((v ?? null) as JsonValue);
}

export function scriptResultToCaseString(v: unknown): string {
  return expr.scriptResultToCaseString((v ?? null) as JsonValue);
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
  return expr.collectReferences((value ?? null) as JsonValue, { env: definedEnv(env) }).map((r) => ({
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
): Promise<{ result: JsonValue; resultList: JsonValue[] }> {
  return expr.jqTransform(query, (input ?? null) as JsonValue);
}

/** `JsonUtils.expand`: string values holding JSON objects/arrays are parsed (event payloads). */
export function expandInlineJson(v: unknown): unknown {
  return expr.expandInlineJson((v ?? null) as JsonValue);
}

/** Releases the worker thread behind jq (engine shutdown); it restarts on next use. */
export async function closeExpressionWorkers(): Promise<void> {
  await expr.closeJq();
}
