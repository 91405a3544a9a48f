/**
 * The program of a script process (see script-pool.ts): it receives requests over the IPC channel, runs
 * each script in a fresh `vm` context and answers with JSON text. It is sent to `node -e` as source text
 * (`String(fn)`), so the functions below must not refer to anything outside their own bodies.
 *
 * Every step that may run script code (getters, toJSON, proxies in a result or a thrown value) runs
 * inside the context under the time limit; the result's size is counted while it is converted, so an
 * oversized result is refused before its JSON text is built.
 */

export interface ScriptRequest {
  readonly id: number;
  readonly source: string;
  readonly inputJson: string;
  readonly timeoutMs: number;
  /** Largest accepted result, in characters of its JSON text. */
  readonly maxResultChars: number;
}

export type ScriptReply =
  | { readonly id: number; readonly ok: true; readonly json: string }
  | {
      readonly id: number;
      readonly ok: false;
      readonly kind: 'syntax' | 'runtime' | 'timeout' | 'result';
      readonly text: string;
      readonly line: number;
    };

/** Runs inside the context before the user's script: binds nothing but a frozen helper object. */
export const SCRIPT_PRELUDE = `(function () {
  'use strict';
  var g = globalThis, stringify = JSON.stringify, parse = JSON.parse, toText = String;
  var MapType = Map, fromEntries = Object.fromEntries, lineOf = /inline:(\\d+)/, RangeErr = RangeError;
  var held;
  // Conductor's GraalJS context has no console; blocking primitives and wasm have no place here either.
  delete g.console; delete g.Atomics; delete g.SharedArrayBuffer; delete g.WebAssembly;
  var api = Object.freeze({
    init: function (text) { g.$ = parse(text); },
    hold: function (value) { held = value; },
    convert: function (limit) {
      var value = held; held = undefined;
      var size = 0;
      var text = stringify(value, function (key, v) {
        if (typeof v === 'bigint') v = Number(v);
        else if (v instanceof MapType) v = fromEntries(v);
        size += key.length + (typeof v === 'string' ? v.length : 8);
        if (size > limit) throw new RangeErr('the result is larger than ' + limit + ' characters');
        return v;
      });
      if (text === undefined) return 'null';
      if (text.length > limit) throw new RangeErr('the result is larger than ' + limit + ' characters');
      return text;
    },
    describe: function () {
      var e = held; held = undefined;
      var text = '', line = 0;
      try {
        if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
          var name = e.name, message = e.message, stack = e.stack;
          if (message === undefined) text = toText(e);
          else text = (name === undefined ? 'Error' : toText(name)) + (toText(message) ? ': ' + toText(message) : '');
          var m = typeof stack === 'string' ? lineOf.exec(stack) : null;
          if (m) line = Number(m[1]);
        } else {
          text = toText(e);
        }
      } catch (x) {
        text = 'an error that could not be printed';
      }
      return stringify([text, line]);
    }
  });
  Object.defineProperty(g, '__nbcScript', { value: api, writable: false, enumerable: false, configurable: false });
  return api;
})()`;

/** The keyword `import`, unless it is a property name after `.` / `?.` (but `...import()` is a call). */
export const IMPORT_WORD = /(?<!(?<!\.)\.\s*)(?<![\w$\u0080-\uffff])import(?![\w$\u0080-\uffff])/g;

/**
 * Whether the script calls `import()`. Node rejects that call with an error from the host realm, whose
 * `constructor.constructor` is the host's Function: a way out of the sandbox. The keyword cannot be
 * written with escapes, so every standalone `import` is replaced by `imp@rt`, which is still valid inside
 * strings, comments, templates and regular expressions but not in code: if the result no longer parses,
 * the script used the keyword. (An object key written `{ import: 1 }` is rejected too; quote it.)
 * Self-contained: it also runs in the script process.
 */
/* istanbul ignore next */
export function usesDynamicImport(
  Script: typeof import('node:vm').Script,
  importWord: RegExp,
  expression: string,
): boolean {
  importWord.lastIndex = 0;
  if (!importWord.test(expression)) return false;
  try {
    new Script(expression.replace(importWord, 'imp@rt'), { filename: 'inline' });
    return false;
  } catch {
    return true;
  }
}

/* istanbul ignore next */
export function scriptChildMain(
  prelude: string,
  importWord: RegExp,
  hasDynamicImport: typeof usesDynamicImport,
): void {
  const vm = require('node:vm') as typeof import('node:vm');
  const util = require('node:util') as typeof import('node:util');
  const preludeScript = new vm.Script(prelude, { filename: 'nbc-prelude' });
  const describeScript = new vm.Script('__nbcScript.describe()', { filename: 'nbc-describe' });
  const DESCRIBE_FLOOR_MS = 200;
  const send = (reply: ScriptReply): void => {
    process.send?.(reply);
  };

  interface Api {
    init(text: string): void;
    hold(value: unknown): void;
  }

  const isTimeout = (err: unknown, deadline: number, timeoutMs: number): boolean => {
    if (typeof err !== 'object' || err === null || util.types.isProxy(err)) return false;
    const code = Object.getOwnPropertyDescriptor(err, 'code');
    if (code === undefined || !('value' in code) || code.value !== 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      return false;
    return Date.now() >= deadline - Math.min(50, timeoutMs / 2);
  };

  const describe = (context: object, timeoutMs: number): [string, number] => {
    try {
      const text = describeScript.runInContext(context, { timeout: timeoutMs }) as unknown;
      if (typeof text === 'string') {
        const parsed = JSON.parse(text) as unknown;
        if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'number') {
          return [parsed[0], parsed[1]];
        }
      }
    } catch {
      // fall through
    }
    return ['an error that could not be printed', 0];
  };

  const compile = (req: ScriptRequest): import('node:vm').Script | ScriptReply => {
    let script: import('node:vm').Script;
    try {
      script = new vm.Script(req.source, { filename: 'inline' });
    } catch (err) {
      const e = err as Error;
      const line = /inline:(\d+)/.exec(String(e.stack))?.[1];
      return {
        id: req.id,
        ok: false,
        kind: 'syntax',
        text: `${e.name}: ${e.message}`,
        line: line === undefined ? 0 : Number(line),
      };
    }
    if (hasDynamicImport(vm.Script, importWord, req.source)) {
      const text = 'SyntaxError: import() is not available in scripts';
      return { id: req.id, ok: false, kind: 'syntax', text, line: 0 };
    }
    return script;
  };

  const run = (req: ScriptRequest): ScriptReply => {
    const { id, timeoutMs } = req;
    const script = compile(req);
    if (!(script instanceof vm.Script)) return script;
    const context = vm.createContext(Object.create(null) as object, {
      name: 'conductor-script',
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate',
    });
    const api = preludeScript.runInContext(context) as Api;
    api.init(req.inputJson);
    const deadline = Date.now() + timeoutMs;
    let result: unknown;
    try {
      result = script.runInContext(context, { timeout: timeoutMs });
    } catch (err) {
      if (isTimeout(err, deadline, timeoutMs)) return { id, ok: false, kind: 'timeout', text: '', line: 0 };
      api.hold(err);
      const [text, line] = describe(context, Math.max(DESCRIBE_FLOOR_MS, deadline - Date.now()));
      return { id, ok: false, kind: 'runtime', text, line };
    }
    api.hold(result);
    try {
      const convert = new vm.Script(`__nbcScript.convert(${Math.max(0, Math.floor(req.maxResultChars))})`, {
        filename: 'nbc-convert',
      });
      const json = convert.runInContext(context, { timeout: Math.max(1, deadline - Date.now()) }) as unknown;
      return { id, ok: true, json: typeof json === 'string' ? json : 'null' };
    } catch (err) {
      if (isTimeout(err, deadline, timeoutMs)) return { id, ok: false, kind: 'timeout', text: '', line: 0 };
      api.hold(err);
      const [text] = describe(context, DESCRIBE_FLOOR_MS);
      return { id, ok: false, kind: 'result', text, line: 0 };
    }
  };

  process.on('message', (req: ScriptRequest) => {
    let reply: ScriptReply;
    try {
      reply = run(req);
    } catch (err) {
      reply = { id: req.id, ok: false, kind: 'runtime', text: String(err), line: 0 };
    }
    send(reply);
  });
  // The parent going away (engine killed) must not leave this process behind.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

/** The source text `node -e` runs in a script process. */
export function scriptChildSource(): string {
  return `(${String(scriptChildMain)})(${JSON.stringify(SCRIPT_PRELUDE)}, ${String(IMPORT_WORD)}, ${String(
    usesDynamicImport,
  )});`;
}
