import { AsyncLocalStorage } from 'node:async_hooks';

import {
  checkScriptSyntax,
  closeScriptSandbox,
  evaluateScript,
  isTruthy,
  lambdaScript,
  ScriptError,
  ScriptPool,
  scriptResultToCaseString,
} from '../../../src/engine/expr';
import type { JsonValue } from '../../../src/json';

afterAll(async () => {
  await closeScriptSandbox();
});

/** Run a script expecting a ScriptError; returns it. */
async function scriptError(source: string, input: JsonValue = {}, timeoutMs?: number): Promise<ScriptError> {
  try {
    await evaluateScript(source, input, timeoutMs === undefined ? {} : { timeoutMs });
  } catch (err) {
    expect(err).toBeInstanceOf(ScriptError);
    return err as ScriptError;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('evaluateScript — Conductor JavascriptEvaluatorTest / TestGraalJSFeatures cases', () => {
  it.each<[string, string, JsonValue, JsonValue]>([
    ['testBasicEvaluation', '$.value * 2', { value: 42 }, 84],
    ['testNestedObjectAccess', '$.level1.level2.value', { level1: { level2: { value: 'deep' } } }, 'deep'],
    ['testComplexExpression', '($.a + $.b) * $.c', { a: 10, b: 20, c: 30 }, 900],
    [
      'testES6Features',
      "(function() { const greeting = 'Hello'; return `${greeting}, ${$.name}!`; })()",
      { name: 'Conductor' },
      'Hello, Conductor!',
    ],
    [
      'testArrayOperations',
      '$.numbers.filter(n => n > 2).map(n => n * 2)',
      { numbers: [1, 2, 3, 4, 5] },
      [6, 8, 10],
    ],
    [
      'testObjectReturn',
      "(function() { return { result: $.value, doubled: $.value * 2, message: 'success' }; })()",
      { value: 42 },
      { result: 42, doubled: 84, message: 'success' },
    ],
    ['testNullSafety', "$.value === null ? 'null value' : $.value", { value: null }, 'null value'],
    [
      'testTemplateLiterals',
      '`${$.name} v${$.version}`',
      { name: 'Conductor', version: '3.0' },
      'Conductor v3.0',
    ],
    [
      'testDestructuring',
      "(function() { const { name, age } = $.user; return name + ' is ' + age; })()",
      { user: { name: 'Alice', age: 30 } },
      'Alice is 30',
    ],
    [
      'testSpreadOperator',
      '[...$.arr1, ...$.arr2]',
      { arr1: [1, 2, 3], arr2: [4, 5, 6] },
      [1, 2, 3, 4, 5, 6],
    ],
    [
      'testArrayMethods',
      '$.numbers.filter(n => n % 2 === 0).reduce((a, b) => a + b, 0)',
      { numbers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
      30,
    ],
    ['testNullAndUndefinedHandling', "$.nullValue ?? 'default'", { nullValue: null }, 'default'],
    [
      'testNestedObjectAccess (optional chaining)',
      "$.level1?.missing?.value ?? 'not found'",
      { level1: {} },
      'not found',
    ],
    ['testMathOperations', 'Math.sqrt($.value)', { value: 16 }, 4],
    ['testJSONOperations', 'JSON.parse(\'{"value":123}\').value', {}, 123],
    [
      'DoWhileSpec loop condition',
      "if ($.loopTask['iteration'] < $.value) { true; } else { false; }",
      { loopTask: { iteration: 1 }, value: 2 },
      true,
    ],
    ['program completion value', 'var x = 1; x + 1', {}, 2],
    ['function declaration then call', 'function f() { return 3 } f()', {}, 3],
  ])('%s', async (_name, source, input, expected) => {
    expect(await evaluateScript(source, input)).toEqual(expected);
  });

  it('testDeepCopyProtection: the script mutates a copy, never the caller’s input', async () => {
    const input = { data: { original: 'value' } };
    expect(
      await evaluateScript("(function() { $.data.newKey = 'new value'; return $.data.newKey; })()", input),
    ).toBe('new value');
    expect(input).toEqual({ data: { original: 'value' } });
  });
});

describe('evaluateScript — results converted to JSON', () => {
  it.each<[string, JsonValue]>([
    ['$.missing', null],
    ['undefined', null],
    ['(function(){ return function () {}; })()', null],
    ["Symbol('s')", null],
    ['({ a: undefined, b: () => 1, c: 1 })', { c: 1 }],
    ['[NaN, Infinity, 1.5, -0]', [null, null, 1.5, 0]],
    ["new Map([['k', 1]])", { k: 1 }],
    ['10n ** 2n', 100],
    ['new Date(0)', '1970-01-01T00:00:00.000Z'],
    ['Promise.resolve(1)', {}], // a promise is an object, as in GraalJS; it is not awaited
  ])('%s → %j', async (source, expected) => {
    expect(await evaluateScript(source, {})).toEqual(expected);
  });

  it('reports a result that cannot be converted', async () => {
    const err = await scriptError('(function(){ const o = {}; o.self = o; return o; })()');
    expect(err.kind).toBe('result');
    expect(err.message).toMatch(/circular/);
  });
});

describe('evaluateScript — errors and time limits', () => {
  it.each<[string, string]>([
    ["throw new Error('boom')", 'Error evaluating the script `Error: boom` at line 1'],
    ['\n\nfoo.bar', 'Error evaluating the script `ReferenceError: foo is not defined` at line 3'],
    ["throw 'plain'", 'Error evaluating the script `plain`'],
  ])('%j fails with the script’s message', async (source, message) => {
    const err = await scriptError(source);
    expect(err.kind).toBe('runtime');
    expect(err.message).toBe(message);
  });

  it('an infinite loop times out', async () => {
    const err = await scriptError('while (true) {}', {}, 200);
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('timed out after 200 ms');
  });

  it('script code run while converting the result is under the same limit', async () => {
    expect((await scriptError('({ toJSON() { while (true) {} } })', {}, 200)).kind).toBe('timeout');
  });

  it('a thrown value whose getters never return still yields an error', async () => {
    const err = await scriptError('throw { get message() { while (true) {} } }', {}, 200);
    expect(err.message).toContain('could not be printed');
  });

  it('microtasks run inside the limit too', async () => {
    expect((await scriptError('Promise.resolve().then(() => { while (true) {} }); 1', {}, 200)).kind).toBe(
      'timeout',
    );
  });

  it('a time-out inside a promise job does not take the process down when async hooks are active', async () => {
    const storage = new AsyncLocalStorage<string>();
    const err = await storage.run('request-1', () =>
      scriptError('Promise.resolve().then(() => { while (true) {} }); 1', {}, 200),
    );
    expect(err.kind).toBe('timeout');
    // The process is still healthy: async I/O completes and the next script runs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(await evaluateScript('$.n + 1', { n: 1 })).toBe(2);
  });

  it('a script that exhausts memory fails alone; the next script runs', async () => {
    const err = await scriptError('const a = []; for (;;) a.push(new Array(1e6).fill(1));', {}, 10_000);
    expect(err.kind).toBe('memory');
    expect(err.message).toContain('memory limit of 256 MB');
    expect(await evaluateScript('$.n * 2', { n: 21 })).toBe(42);
  });

  it("'x'.repeat($.n) with n = 400000000 is refused as too large, and the process lives on", async () => {
    const err = await scriptError("'x'.repeat($.n)", { n: 400_000_000 }, 10_000);
    expect(err.kind).toBe('result');
    expect(err.message).toContain('larger than 10485760 characters');
    expect(await evaluateScript('$.n * 2', { n: 21 })).toBe(42);
  });

  it('a string too large to build aborts only its own process (V8 aborts on such allocations)', async () => {
    // In a worker thread this allocation failure aborts the whole process, whatever its resourceLimits.
    const err = await scriptError("JSON.stringify('x'.repeat($.n)).length", { n: 400_000_000 }, 10_000);
    expect(err.kind).toBe('memory');
    expect(await evaluateScript('$.n * 2', { n: 21 })).toBe(42);
  });

  it('results are capped in size (the cap is the pool’s)', async () => {
    const pool = new ScriptPool({ processes: 1, maxResultChars: 100 });
    try {
      expect(await evaluateScript("'y'.repeat(90)", {}, { pool })).toHaveLength(90);
      const err = await evaluateScript("({ list: Array(50).fill('abc') })", {}, { pool }).catch(
        (e: unknown) => e as ScriptError,
      );
      expect(err).toBeInstanceOf(ScriptError);
      expect((err as ScriptError).message).toContain('larger than 100 characters');
    } finally {
      await pool.close();
    }
  });

  it('syntax errors are reported without running anything', async () => {
    const err = await scriptError('1 +');
    expect(err.kind).toBe('syntax');
    expect(err.message).toContain('SyntaxError');
  });
});

describe('evaluateScript — scripts never block the caller or each other', () => {
  it('a runaway script runs in its own process: other scripts and the event loop go on; abort kills it', async () => {
    const pool = new ScriptPool({ processes: 2 });
    try {
      const controller = new AbortController();
      let runawaySettled = false;
      const runaway = evaluateScript(
        'while (true) {}',
        {},
        { pool, timeoutMs: 60_000, signal: controller.signal },
      )
        .catch((e: unknown) => e)
        .finally(() => (runawaySettled = true));
      // Timers fire and other scripts finish while the runaway one spins.
      await new Promise((resolve) => setTimeout(resolve, 10));
      for (let i = 0; i < 5; i++) expect(await evaluateScript('$.i * 2', { i }, { pool })).toBe(i * 2);
      expect(runawaySettled).toBe(false);
      controller.abort(new Error('workflow terminated'));
      expect(((await runaway) as Error).message).toBe('workflow terminated');
      expect(await evaluateScript('1 + 1', {}, { pool })).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('a script that outlives its limit is killed and replaced; the pool keeps serving', async () => {
    const pool = new ScriptPool({ processes: 1 });
    try {
      const [slow, fast] = await Promise.allSettled([
        evaluateScript('while (true) {}', {}, { pool, timeoutMs: 300 }),
        evaluateScript('$.x', { x: 'after' }, { pool }),
      ]);
      expect(slow.status === 'rejected' && (slow.reason as ScriptError).kind).toBe('timeout');
      expect(fast).toEqual({ status: 'fulfilled', value: 'after' });
    } finally {
      await pool.close();
    }
  });
});

describe('evaluateScript — no way out to the host', () => {
  it.each([
    "this.constructor.constructor('return process')()",
    "globalThis.constructor.constructor('return process')()",
    "Object.getPrototypeOf(globalThis).constructor.constructor('return process')()",
    "$.constructor.constructor('return process')()",
    "eval('1 + 1')",
    "new Function('return 1')()",
    "(async () => {})().constructor.constructor('return process')()",
  ])('%s is blocked', async (source) => {
    expect((await scriptError(source)).message).toContain('Code generation from strings disallowed');
  });

  it('dynamic import() (whose rejection would be a host-realm error) is refused', async () => {
    const source =
      "var r = {}; (async () => { try { await import('fs'); } catch (e) { r.p = typeof e.constructor.constructor('return process')(); } })(); r";
    expect((await scriptError(source)).message).toContain('import() is not available');
    // The word itself is fine in strings, comments, regexes and as a property name.
    expect(
      await evaluateScript("// import\n['import', /import/.test('import'), $.import]", { import: 1 }),
    ).toEqual(['import', true, 1]);
  });

  it('stack-trace hooks see no host objects', async () => {
    const source = `var r = [];
      Error.prepareStackTrace = function (e, frames) {
        frames.forEach(function (f) {
          try { var fn = f.getFunction(); if (fn) r.push(typeof fn.constructor('return process')()); } catch (x) { r.push(x.name); }
          try { var t = f.getThis(); if (t && t !== globalThis) r.push(typeof t.constructor.constructor('return process')()); } catch (x) { r.push(x.name); }
        });
        return '';
      };
      new Error('x').stack; r`;
    expect(await evaluateScript(source, {})).not.toContain('object');
  });

  it('proxies run their traps inside the sandbox only: in a result, as a thrown value, under the time limit', async () => {
    // Every trap tries to climb from its arguments to the host's Function.
    const climbing = `var tried = [];
      function climb(v) {
        try { tried.push(typeof v.constructor.constructor('return process')()); } catch (x) { tried.push(x.name); }
      }
      var handler = {};
      ['get', 'ownKeys', 'getOwnPropertyDescriptor', 'has', 'getPrototypeOf'].forEach(function (name) {
        handler[name] = function (target, key, receiver) {
          climb(target); climb(receiver); climb(this);
          return Reflect[name].apply(null, arguments);
        };
      });`;
    const result = await evaluateScript(
      `${climbing}
      var p = new Proxy({ a: 1, b: [2] }, handler);
      JSON.stringify(p); Object.keys(p); 'a' in p; Object.getPrototypeOf(p);
      ({ value: p, tried: tried })`,
      {},
    );
    expect(result).toMatchObject({ value: { a: 1, b: [2] } });
    const tried = (result as { tried: string[] }).tried;
    expect(tried.length).toBeGreaterThan(0);
    expect(tried).not.toContain('object'); // `process` was never reached
    // A thrown proxy cannot pass itself off as the sandbox's own time-out, nor hide its message.
    const fake = await scriptError(
      `throw new Proxy({}, {
        getOwnPropertyDescriptor: function (t, k) {
          return k === 'code' ? { value: 'ERR_SCRIPT_EXECUTION_TIMEOUT', configurable: true } : undefined;
        },
        get: function (t, k) { return k === 'message' ? 'from a proxy' : k === 'code' ? 'ERR_SCRIPT_EXECUTION_TIMEOUT' : undefined; }
      })`,
    );
    expect(fake.kind).toBe('runtime');
    expect(fake.message).toContain('from a proxy');
    // A trap that never returns is stopped like any other script code.
    expect((await scriptError('new Proxy({}, { ownKeys: function () { for (;;) {} } })', {}, 200)).kind).toBe(
      'timeout',
    );
  });

  it('has no require, process, console, timers, Atomics or WebAssembly', async () => {
    expect(
      await evaluateScript(
        '[typeof require, typeof process, typeof console, typeof setTimeout, typeof Atomics, typeof SharedArrayBuffer, typeof WebAssembly, typeof fetch]',
        {},
      ),
    ).toEqual(Array(8).fill('undefined'));
  });

  it('each evaluation starts from a fresh context', async () => {
    await evaluateScript('globalThis.leak = 1; Array.prototype.polluted = 1', {});
    expect(await evaluateScript('[typeof leak, [].polluted]', {})).toEqual(['undefined', null]);
    expect((Array.prototype as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('checkScriptSyntax', () => {
  it('accepts valid scripts without evaluating them (runtime references are fine)', async () => {
    expect(checkScriptSyntax('$.value.missing.deeper * undefinedName')).toBeNull();
    expect(checkScriptSyntax('while (true) {}')).toBeNull();
  });

  it('reports syntax errors with the line', async () => {
    expect(checkScriptSyntax('x = {\n a: 1,\n b: }')).toBe(
      "Error evaluating the script `SyntaxError: Unexpected token '}'` at line 3",
    );
  });
});

describe('truthiness and SWITCH case strings', () => {
  it.each<[JsonValue, boolean]>([
    [true, true],
    [false, false],
    [1, true],
    [0.5, true],
    [0, false],
    [-1, false],
    ['true', false],
    [null, false],
    [[1], false],
    [{}, false],
  ])('isTruthy(%j) = %s', async (value, expected) => {
    expect(isTruthy(value)).toBe(expected);
  });

  it.each<[JsonValue, string]>([
    [null, 'null'],
    [1, '1'],
    [1.5, '1.5'],
    [true, 'true'],
    ['case', 'case'],
    [[1, 'a'], '[1, a]'],
    [{ a: 1 }, '{a=1}'],
  ])('case string of %j is %s', async (value, expected) => {
    expect(scriptResultToCaseString(value)).toBe(expected);
  });

  it('a SWITCH javascript evaluator result becomes its case label', async () => {
    expect(scriptResultToCaseString(await evaluateScript("$.n > 1 ? 'big' : 'small'", { n: 2 }))).toBe('big');
    expect(scriptResultToCaseString(await evaluateScript('$.n + 1', { n: 1 }))).toBe('2');
  });

  it('LAMBDA wraps scriptExpression in a function', async () => {
    expect(
      await evaluateScript(
        lambdaScript('if ($.a == 1) { return { testvalue: true }; } return { testvalue: false };'),
        { a: 1 },
      ),
    ).toEqual({
      testvalue: true,
    });
  });
});
