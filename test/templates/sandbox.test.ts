/**
 * Known ways out of a nunjucks template, each of which must fail with E_TEMPLATE and run nothing.
 * Sources: the classic SSTI payloads (constructor chains through range/cycler/joiner and string
 * literals), JavaScript prototype tricks, and code injections found while writing the sandbox: stock
 * nunjucks 3.2.4 pastes names (variables, filters, tests, set targets, loop variables, macro names and
 * keyword arguments — which may also be written as string literals) and call descriptions into the
 * generated code unescaped (the positive controls below show them running code in stock nunjucks).
 */
import nunjucks from 'nunjucks';
import { createTemplateEngine, renderString, renderValue } from '../../src/templates';
import { expectTemplateError } from './expect-error';

const CANARY = '__nbcCanary';
const canary = jest.fn(() => 'pwned');
const envReads: string[] = [];
const trapGetter = jest.fn(() => 'secret');

beforeAll(() => {
  (globalThis as Record<string, unknown>)[CANARY] = canary;
});
afterAll(() => {
  delete (globalThis as Record<string, unknown>)[CANARY];
});
beforeEach(() => {
  canary.mockClear();
  trapGetter.mockClear();
  envReads.length = 0;
});

/** Run `fn` with process.env replaced by a proxy that records every read. */
function watchingEnv<T>(fn: () => T): T {
  const realEnv = process.env;
  process.env = new Proxy(realEnv, {
    get(target, key, receiver) {
      envReads.push(String(key));
      return Reflect.get(target, key, receiver);
    },
  });
  try {
    return fn();
  } finally {
    process.env = realEnv;
  }
}

function context(): Record<string, unknown> {
  const trap = {};
  Object.defineProperty(trap, 'secret', { get: trapGetter, enumerable: true });
  return {
    workflow: { input: { date: '2024-01-31' } },
    x: {},
    items: [1, 2],
    trap,
  };
}

const CALL = `return ${CANARY}(process.env.NBC_CANARY_SECRET)`;
const INJECT = 'a"&Function`return\\x20__nbcCanary\\x28\\x29```&"';

/** [name, payload, expected reason] */
const CORPUS: [string, string, RegExp][] = [
  ['string constructor chain', `{{ "".constructor.constructor("${CALL}")() }}`, /'constructor'/],
  ['range.constructor (classic SSTI)', `{{ range.constructor("${CALL}")() }}`, /no accessible attributes/],
  [
    'mainModule.require through range',
    `{{ range.constructor("return global.process.mainModule.require('child_process')")() }}`,
    /no accessible attributes/,
  ],
  ['cycler.constructor', `{{ cycler.constructor("${CALL}")() }}`, /undefined variable 'cycler'/],
  ['joiner result constructor', `{{ joiner().constructor("${CALL}")() }}`, /undefined variable 'joiner'/],
  [
    '__proto__ walk',
    `{{ workflow.__proto__.constructor.constructor("${CALL}")() }}`,
    /'__proto__'.*not accessible/,
  ],
  [
    'computed constructor key',
    `{{ workflow[("con" ~ "structor")][("con" ~ "structor")]("${CALL}")() }}`,
    /'constructor'.*not accessible/,
  ],
  ['list constructor', `{{ items.constructor.constructor("${CALL}")() }}`, /'constructor'/],
  ['array method reference', `{{ items.map.constructor("${CALL}")() }}`, /'map'/],
  ['prototype of a function', `{{ range.prototype }}`, /no accessible attributes/],
  ['__defineGetter__', `{{ workflow.__defineGetter__("x", range) }}`, /'__defineGetter__'.*not accessible/],
  ['valueOf.call', `{{ workflow.valueOf.call(range) }}`, /'valueOf'.*not accessible/],
  ['toString.call on a string', `{{ "".toString.call }}`, /'toString'/],
  [
    'constructor through {% set %}',
    `{% set f = "".constructor.constructor %}{{ f("${CALL}")() }}`,
    /'constructor'/,
  ],
  [
    'macro constructor',
    `{% macro m() %}{% endmacro %}{{ m.constructor("${CALL}")() }}`,
    /no accessible attributes/,
  ],
  [
    'caller constructor',
    `{% macro m() %}{{ caller.constructor("${CALL}")() }}{% endmacro %}{% call m() %}x{% endcall %}`,
    /no accessible attributes/,
  ],
  [
    'loop object constructor',
    `{% for i in items %}{{ loop.constructor.constructor("${CALL}")() }}{% endfor %}`,
    /'constructor'.*not accessible/,
  ],
  [
    'function out of a filter',
    `{{ ([range] | first).constructor("${CALL}")() }}`,
    /filter .first. returned a function/,
  ],
  ['number constructor', `{{ (1).constructor.constructor("${CALL}")() }}`, /no accessible attributes/],
  ['symbol name code injection', `{{ ${INJECT} }}`, /not a valid name/],
  ['filter name code injection', `{{ 1 | ${INJECT} }}`, /not a valid name/],
  ['test name code injection', `{{ 1 is ${INJECT} }}`, /not a valid name/],
  ['set target code injection', `{% set ${INJECT} = 1 %}`, /not a valid name/],
  ['macro argument code injection', `{% macro m(${INJECT}) %}{% endmacro %}`, /not a valid name/],
  [
    'string-literal set target injection',
    String.raw`{% set "x\"+${CANARY}()+\"" = 1 %}`,
    /must be a plain name/,
  ],
  [
    'string-literal loop variable injection',
    String.raw`{% for a, "x\"+${CANARY}()+\"" in {"k": 1} %}{% endfor %}`,
    /must be a plain name/,
  ],
  [
    'string-literal macro name injection',
    String.raw`{% macro "x\"+${CANARY}()+\""() %}{% endmacro %}`,
    /must be a plain name/,
  ],
  [
    'string-literal macro keyword injection',
    String.raw`{% macro m("k\"+${CANARY}()+\""=1) %}{% endmacro %}{{ m() }}`,
    /must be a plain name/,
  ],
  [
    'call description code injection',
    String.raw`{{ x['\\"+${CANARY}(), context, [])), env.opts.autoescape); //']() }}`,
    /has no attribute/,
  ],
  ['process global', `{{ process.env.NBC_CANARY_SECRET }}`, /undefined variable 'process'/],
  ['require global', `{{ require("child_process") }}`, /undefined variable 'require'/],
  ['globalThis', `{{ globalThis.${CANARY}() }}`, /undefined variable 'globalThis'/],
  ['global', `{{ global.${CANARY}() }}`, /undefined variable 'global'/],
  ['this', `{{ this.constructor }}`, /undefined variable 'this'/],
  ['context internals', `{{ env.opts }}{{ runtime.memberLookup }}{{ frame }}`, /undefined variable 'env'/],
  ['include', `{% include "/etc/passwd" %}`, /cannot load other templates/],
  ['import', `{% import "/etc/passwd" as p %}`, /cannot load other templates/],
  ['from import', `{% from "/etc/passwd" import x %}`, /cannot load other templates/],
  ['extends', `{% extends "/etc/passwd" %}`, /cannot load other templates/],
  ['__proto__ dict key', `{{ {"__proto__": workflow}.constructor }}`, /'__proto__' is not allowed/],
  ['reserved keyword-argument name', `{{ range(__proto__=1) }}`, /reserved/],
  [
    'regex literal (ReDoS)',
    `{{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" | replace(r/^(a+)+$/, "") }}`,
    /regular expression/,
  ],
  ['getter on a context object', `{{ trap.secret }}`, /accessor/],
  ['filter named like a prototype member', `{{ x | constructor }}`, /unknown filter 'constructor'/],
  ['test named like a prototype member', `{{ x is constructor }}`, /unknown test 'constructor'/],
  [
    'select with a prototype member as test',
    `{{ items | select("constructor") }}`,
    /test not found|unknown test/,
  ],
  ['HTML filter that marks strings safe', `{{ "x" | safe }}`, /unknown filter 'safe'/],
  ['asyncEach', `{% asyncEach i in items %}{% endeach %}`, /asyncEach/],
  ['calling a data value', `{{ workflow.input.date() }}`, /not callable/],
];

describe('escape corpus', () => {
  it('has at least 15 distinct payloads', () => {
    expect(new Set(CORPUS.map(([, payload]) => payload)).size).toBeGreaterThanOrEqual(15);
  });

  it.each(CORPUS)('%s fails cleanly and runs nothing', (_name, payload, reason) => {
    const ctx = context();
    for (const render of [renderString, renderValue]) {
      watchingEnv(() =>
        expectTemplateError(() => render(payload, ctx, 'parameters.evil'), 'parameters.evil', reason),
      );
    }
    expect(canary).not.toHaveBeenCalled();
    expect(trapGetter).not.toHaveBeenCalled();
    expect(envReads).toEqual([]);
  });
});

describe('positive controls: the same payloads escape stock nunjucks', () => {
  // Proves the canary detects an escape, and that the corpus contains real exploits.
  const stock = new nunjucks.Environment([], { autoescape: false });
  it.each([
    ['string constructor chain', `{{ "".constructor.constructor("return ${CANARY}()")() }}`],
    ['range.constructor', `{{ range.constructor("return ${CANARY}()")() }}`],
    ['symbol name code injection', `{{ ${INJECT} }}`],
    ['set target code injection', `{% set ${INJECT} = 1 %}`],
    ['string-literal set target injection', String.raw`{% set "x\"+${CANARY}()+\"" = 1 %}`],
    [
      'string-literal macro keyword injection',
      String.raw`{% macro m("k\"+${CANARY}()+\""=1) %}{% endmacro %}{{ m() }}`,
    ],
    [
      'call description code injection',
      String.raw`{{ x['\\"+${CANARY}(), context, [])), env.opts.autoescape); //']() }}`,
    ],
  ])('%s', (_name, payload) => {
    try {
      stock.renderString(payload, { x: {} });
    } catch {
      // some payloads break the template after having run
    }
    expect(canary).toHaveBeenCalled();
  });
});

describe('the nunjucks module itself is left alone', () => {
  it('keeps stock behaviour for other users in the process', () => {
    const memberLookup = (nunjucks as unknown as { runtime: { memberLookup: unknown } }).runtime.memberLookup;
    createTemplateEngine().renderString('{{ x }}', { x: 1 }, 'p');
    expect((nunjucks as unknown as { runtime: { memberLookup: unknown } }).runtime.memberLookup).toBe(
      memberLookup,
    );
    const env = new nunjucks.Environment([], { autoescape: true });
    expect(env.renderString('{{ "<b>" }}{{ joiner()() }}{{ "a" | center(3) }}', {})).toBe('&lt;b&gt; a ');
  });
});

describe('resource limits', () => {
  it('stops a huge loop at the time limit', () => {
    const engine = createTemplateEngine({ timeLimitMs: 50, maxSteps: 1e12 });
    expectTemplateError(
      () =>
        engine.renderString(
          '{% for i in range(10000) %}{% for j in range(10000) %}{{ j }}{% endfor %}{% endfor %}',
          {},
          'parameters.loop',
        ),
      'parameters.loop',
      /time limit of 50 ms/,
    );
  });

  it('interrupts a long-running built-in that never returns to the template', () => {
    const engine = createTemplateEngine({ timeLimitMs: 20 });
    const big = Array.from({ length: 300_000 }, (_, i) => `k${(i * 7919) % 300_000}`);
    expectTemplateError(
      () => engine.renderString('{{ big | sort | sort(true) | sort | join(",") | length }}', { big }, 'p'),
      'p',
      /time limit of 20 ms/,
    );
  });

  it('stops a loop at the step budget', () => {
    const engine = createTemplateEngine({ maxSteps: 10_000 });
    expectTemplateError(
      () => engine.renderString('{% for i in range(10000) %}{{ i }}{% endfor %}', {}, 'p'),
      'p',
      /more than 10000 steps/,
    );
  });

  it('stops runaway recursion', () => {
    expectTemplateError(
      () => renderString('{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}', {}, 'p'),
      'p',
      /nested deeper than 64/,
    );
  });

  it('bounds range, output size and stored strings', () => {
    const engine = createTemplateEngine({ maxOutputLength: 1000 });
    expectTemplateError(
      () => engine.renderString('{{ range(1000000000) | length }}', {}, 'p'),
      'p',
      /range\(\) would produce/,
    );
    expectTemplateError(
      () => engine.renderString('{% for i in range(600) %}ab{% endfor %}', {}, 'p'),
      'p',
      /output exceeds/,
    );
    expectTemplateError(
      () => engine.renderString('{% for i in range(600) %}{{ i }}{% endfor %}', {}, 'p'),
      'p',
      /output exceeds/,
    );
    expectTemplateError(
      () =>
        engine.renderString(
          '{% set s = "ab" %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}',
          {},
          'p',
        ),
      'p',
      /exceeds the limit of 1000/,
    );
  });

  it('renders normally again after a limit was hit', () => {
    const engine = createTemplateEngine({ timeLimitMs: 30, maxSteps: 1e12 });
    expect(() =>
      engine.renderString(
        '{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}',
        {},
        'p',
      ),
    ).toThrow(/time limit/);
    expect(engine.renderValue('{{ 1 + 1 }}', {}, 'p')).toBe(2);
    expect(engine.renderDeep({ a: ['{{ n }}'] }, { n: 3 }, 'parameters')).toEqual({ a: [3] });
  });
});
