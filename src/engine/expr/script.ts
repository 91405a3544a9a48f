/**
 * JavaScript evaluation for INLINE, LAMBDA, SWITCH (javascript evaluator), DO_WHILE loop conditions and
 * event-handler conditions, as Conductor's `ScriptEvaluator` does it: `$` is a deep copy of the input, the
 * program's completion value is the result (so `$.a + 1` and `(function(){ return 1; })()` both work).
 *
 * Isolation (see script-sandbox.ts): a fresh `vm` context per call in a dedicated worker thread, no
 * string/wasm code generation, its own microtask queue, a time limit, and no host objects inside (the
 * input goes in as JSON text parsed there; the result comes out as JSON text produced there).
 *
 * `vm` is not a security boundary: INLINE scripts are trusted code written by workflow authors, as on
 * Conductor. The obvious escapes to the host (`this.constructor.constructor('return process')()`, the
 * host-realm error of a dynamic `import()`) are blocked, and a script that exhausts memory only takes
 * down the worker.
 */
import vm from 'node:vm';

import { javaToString } from './java-format';
import { runInSandbox } from './script-sandbox';
import type { Json } from './types';

export { closeScriptSandbox } from './script-sandbox';

export const DEFAULT_SCRIPT_TIMEOUT_MS = 4000;
const FILENAME = 'inline';

export class ScriptError extends Error {
  override readonly name = 'ScriptError';

  constructor(
    message: string,
    /** `syntax` (does not parse), `runtime` (threw), `timeout`, or `result` (not convertible to JSON). */
    readonly kind: 'syntax' | 'runtime' | 'timeout' | 'result' = 'runtime',
  ) {
    super(message);
  }
}

/** Evaluate `expression` with `$` bound to a deep copy of `input`; the completion value is the result. */
export function evaluateScript(expression: string, input: Json, options: { timeoutMs?: number } = {}): Json {
  const timeoutMs = Math.max(1, Math.floor(options.timeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS));
  compile(expression);
  const reply = runInSandbox(expression, JSON.stringify(input ?? null), timeoutMs);
  if (reply === null) {
    throw new ScriptError(
      `Script not evaluated: timed out after ${timeoutMs} ms (or ran out of memory), interrupted`,
      'timeout',
    );
  }
  if (reply.ok) return JSON.parse(reply.json) as Json;
  switch (reply.kind) {
    case 'timeout':
      throw new ScriptError(`Script not evaluated: timed out after ${timeoutMs} ms, interrupted`, 'timeout');
    case 'result':
      throw new ScriptError(`Script result could not be converted to JSON: ${reply.text}`, 'result');
    default:
      throw new ScriptError(errorText(reply.text, reply.line), 'runtime');
  }
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

/** Sources that already passed `compile` (loop conditions run once per iteration). */
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
  if (usesDynamicImport(expression)) {
    throw new ScriptError(errorText('SyntaxError: import() is not available in scripts', 0), 'syntax');
  }
  if (compiled.size >= COMPILED_LIMIT) compiled.clear();
  compiled.add(expression);
}

function syntaxError(err: unknown): ScriptError {
  // Compilation happens in the host realm: the SyntaxError is an ordinary host object.
  const e = err as Error;
  const line = /inline:(\d+)/.exec(String(e.stack))?.[1];
  return new ScriptError(
    errorText(`${e.name}: ${e.message}`, line === undefined ? 0 : Number(line)),
    'syntax',
  );
}

/** The keyword `import`, unless it is a property name after `.` / `?.` (but `...import()` is a call). */
const IMPORT_WORD = /(?<!(?<!\.)\.\s*)(?<![\w$\u0080-\uffff])import(?![\w$\u0080-\uffff])/g;

/**
 * Whether the script calls `import()`. Node rejects that call with an error from the host realm, whose
 * `constructor.constructor` is the host's Function: a way out of the sandbox. The keyword cannot be
 * written with escapes, so we replace every standalone `import` by `imp@rt`, which is still valid inside
 * strings, comments, templates and regular expressions but not in code: if the result no longer parses,
 * the script used the keyword. (An object key written `{ import: 1 }` is rejected too; quote it.)
 */
function usesDynamicImport(expression: string): boolean {
  IMPORT_WORD.lastIndex = 0;
  if (!IMPORT_WORD.test(expression)) return false;
  try {
    new vm.Script(expression.replace(IMPORT_WORD, 'imp@rt'), { filename: FILENAME });
    return false;
  } catch {
    return true;
  }
}

function errorText(text: string, line: number): string {
  return `Error evaluating the script \`${text}\`${line > 0 ? ` at line ${line}` : ''}`;
}

/** Conductor's truthiness for DO_WHILE and event conditions: a boolean, or a number > 0. */
export function isTruthy(value: Json): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value > 0;
  return false;
}

/** SWITCH's javascript evaluator result as a case label: Java's `"" + value` (null → "null", 1 → "1"). */
export function scriptResultToCaseString(value: Json): string {
  return javaToString(value);
}

/** The program LAMBDA runs for a `scriptExpression` (Conductor wraps it in a function and calls it). */
export function lambdaScript(scriptExpression: string): string {
  return `function scriptFun(){${scriptExpression}} scriptFun();`;
}
