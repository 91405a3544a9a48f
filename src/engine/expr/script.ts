/**
 * JavaScript evaluation for INLINE, LAMBDA, SWITCH (javascript evaluator), DO_WHILE loop conditions and
 * event-handler conditions, as Conductor's `ScriptEvaluator` does it: `$` is a deep copy of the input, the
 * program's completion value is the result (so `$.a + 1` and `(function(){ return 1; })()` both work).
 *
 * Isolation (see script-pool.ts and script-child.ts): a fresh `vm` context per call in a separate
 * process with its own heap limit, no string/wasm code generation, its own microtask queue, a time
 * limit, a cap on the size of the result, and no host objects inside (the input goes in as JSON text
 * parsed there; the result comes out as JSON text produced there).
 *
 * `vm` is not a security boundary: the obvious escapes to the host
 * (`this.constructor.constructor('return process')()`, the host-realm error of a dynamic `import()`) are
 * blocked, and the process around it runs under Node's permission model with an empty environment.
 */
import vm from 'node:vm';

import { stringifyJsonExact, type JsonValue } from '../../json';
import { javaToString } from './java-format';
import { IMPORT_WORD, usesDynamicImport } from './script-child';
import { ScriptPool, type ScriptOutcome } from './script-pool';

export { ScriptPool, type ScriptOutcome, type ScriptPoolOptions } from './script-pool';

export const DEFAULT_SCRIPT_TIMEOUT_MS = 4000;
const FILENAME = 'inline';

export type ScriptErrorKind =
  | 'syntax' // does not parse
  | 'runtime' // threw
  | 'timeout' // outlived its time limit
  | 'result' // not convertible to JSON, or too large
  | 'memory' // exhausted its memory limit
  | 'killed' // its process died for another reason
  | 'interrupted'; // the engine stopped while it ran (it is not run again)

export class ScriptError extends Error {
  override readonly name = 'ScriptError';

  constructor(
    message: string,
    readonly kind: ScriptErrorKind = 'runtime',
  ) {
    super(message);
  }
}

let defaultPool: ScriptPool | null = null;

/**
 * Evaluate `expression` with `$` bound to a deep copy of `input`; the completion value is the result.
 * Runs in `options.pool` (the engine's) or a shared default pool (see `closeScriptSandbox`).
 */
export async function evaluateScript(
  expression: string,
  input: JsonValue,
  options: { timeoutMs?: number; pool?: ScriptPool; signal?: AbortSignal } = {},
): Promise<JsonValue> {
  const timeoutMs = scriptTimeout(options.timeoutMs);
  const pool = options.pool ?? (defaultPool ??= new ScriptPool());
  const outcome = await pool.run(expression, stringifyJsonExact(input ?? null) ?? 'null', {
    timeoutMs,
    signal: options.signal,
  });
  return scriptResult(outcome, timeoutMs);
}

export function scriptTimeout(timeoutMs: number | undefined): number {
  return Math.max(1, Math.floor(timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS));
}

/** The value of a script's outcome, or the ScriptError a person can act on. */
export function scriptResult(outcome: ScriptOutcome, timeoutMs: number): JsonValue {
  if (outcome.ok) return JSON.parse(outcome.json) as JsonValue;
  switch (outcome.kind) {
    case 'timeout':
      throw new ScriptError(`Script not evaluated: timed out after ${timeoutMs} ms, interrupted`, 'timeout');
    case 'result':
      throw new ScriptError(`Script result could not be converted to JSON: ${outcome.text}`, 'result');
    case 'memory':
      throw new ScriptError(`Script not evaluated: ${outcome.text}`, 'memory');
    case 'killed':
      throw new ScriptError(`Script not evaluated: ${outcome.text}`, 'killed');
    case 'syntax':
      throw new ScriptError(errorText(outcome.text, outcome.line), 'syntax');
    default:
      throw new ScriptError(errorText(outcome.text, outcome.line), 'runtime');
  }
}

/** Stop the default pool's processes (tests, tools); the next script starts new ones. */
export async function closeScriptSandbox(): Promise<void> {
  const pool = defaultPool;
  defaultPool = null;
  await pool?.close();
}

/** Null when `expression` parses as a script, else the syntax error (for registration-time validation). */
export function checkScriptSyntax(expression: string): string | null {
  try {
    compile(expression);
    return null;
  } catch (err) {
    return err instanceof ScriptError ? err.message : String(err);
  }
}

/** Sources that already passed `compile`. */
const compiled = new Set<string>();
const COMPILED_LIMIT = 1000;

/** Throws a `syntax` ScriptError unless `expression` parses and does not use `import()`. */
function compile(expression: string): void {
  if (compiled.has(expression)) return;
  try {
    new vm.Script(expression, { filename: FILENAME });
  } catch (err) {
    throw syntaxError(err);
  }
  if (usesDynamicImport(vm.Script, IMPORT_WORD, expression)) {
    throw new ScriptError(errorText('SyntaxError: import() is not available in scripts', 0), 'syntax');
  }
  if (compiled.size >= COMPILED_LIMIT) compiled.clear();
  compiled.add(expression);
}

function syntaxError(err: unknown): ScriptError {
  const e = err as Error;
  const line = /inline:(\d+)/.exec(String(e.stack))?.[1];
  return new ScriptError(
    errorText(`${e.name}: ${e.message}`, line === undefined ? 0 : Number(line)),
    'syntax',
  );
}

function errorText(text: string, line: number): string {
  return `Error evaluating the script \`${text}\`${line > 0 ? ` at line ${line}` : ''}`;
}

/** Conductor's truthiness for DO_WHILE and event conditions: a boolean, or a number > 0. */
export function isTruthy(value: JsonValue): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value > 0;
  if (typeof value === 'bigint') return value > 0n;
  return false;
}

/** SWITCH's javascript evaluator result as a case label: Java's `"" + value` (null → "null", 1 → "1"). */
export function scriptResultToCaseString(value: JsonValue): string {
  return javaToString(value);
}

/** The program LAMBDA runs for a `scriptExpression` (Conductor wraps it in a function and calls it). */
export function lambdaScript(scriptExpression: string): string {
  return `function scriptFun(){${scriptExpression}} scriptFun();`;
}
