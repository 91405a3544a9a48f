/**
 * The template sandbox builds on undocumented nunjucks internals (src/templates/internals.ts): its
 * parser and node classes, a subclass of its compiler, and the names of the runtime helpers the
 * generated code calls. nunjucks is pinned to the exact version the sandbox was reviewed against; these
 * tests fail loudly when what is installed differs in any of the parts the sandbox depends on, so an
 * upgrade is a deliberate review (of internals.ts, compile.ts, runtime.ts and validate.ts), never a
 * silent change. After such a review, update the version and the hashes below.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import nunjucks from 'nunjucks';

import { packageRoot } from '../../src/paths';
import { compileAst } from '../../src/templates/compile';
import { BaseCompiler, parse, stockRuntime } from '../../src/templates/internals';
import { RenderState } from '../../src/templates/render-state';
import { makeRuntime } from '../../src/templates/runtime';

const REVIEWED_VERSION = '3.2.4';

const REVIEWED_SOURCES: Record<string, string> = {
  'compiler.js': '25ce854e15eddd5899a8e47b5a7a8abd0afcd22087ff0bef53a5eed28fa9a3d8',
  'parser.js': '24d7ac80e14e9e5a2fa74274841f1f248135d5163ed5d69c13c5371eb3d6f9f2',
  'runtime.js': 'ca59e151395c1f5fc25145ebe2ff39a33e37448bdd2a7eca00a4fc328b924890',
  'nodes.js': 'b6168de066223b22ed7736c2394a1b77e193f7d755ee92798b50873764a18d26',
  'lexer.js': '910b70f77e9cbf42da3ed8ff46f0fa588dc67fd3b6a9ba12851dd539c6ed5cba',
  'environment.js': 'e46a00388bf0838bef6c1fcaede803edff60fabcd106aa16828b496bdf220954',
  'lib.js': '9901f841c4054118ba88ec688a8687635ff0cbf54b8077e48900687be849e95f',
};

const REVIEW =
  'nunjucks internals changed: review src/templates/internals.ts, compile.ts, runtime.ts and validate.ts ' +
  'against the installed version before updating this test';

const nunjucksDir = path.dirname(require.resolve('nunjucks/package.json'));

it('package.json pins nunjucks to the reviewed version, and that version is installed', () => {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  expect({ pinned: pkg.dependencies.nunjucks, REVIEW }).toEqual({ pinned: REVIEWED_VERSION, REVIEW });
  const installed = (
    JSON.parse(readFileSync(path.join(nunjucksDir, 'package.json'), 'utf8')) as { version: string }
  ).version;
  expect({ installed, REVIEW }).toEqual({ installed: REVIEWED_VERSION, REVIEW });
});

it.each(Object.entries(REVIEWED_SOURCES))('src/%s is the reviewed source', (file, sha256) => {
  const actual = createHash('sha256')
    .update(readFileSync(path.join(nunjucksDir, 'src', file)))
    .digest('hex');
  expect({ file, sha256: actual, REVIEW }).toEqual({ file, sha256, REVIEW });
});

it('the compiler still has every method the sandbox compiler overrides or calls', () => {
  const proto = BaseCompiler.prototype as unknown as Record<string, unknown>;
  const used = [
    'compileSymbol',
    'compileLookupVal',
    'compileFunCall',
    'compileFilter',
    'compileIs',
    'compileOutput',
    'compile',
    'getCode',
    '_emit',
    '_emitLine',
    '_compileExpression',
    '_compileAggregate',
  ];
  expect(used.filter((m) => typeof proto[m] !== 'function')).toEqual([]);
});

it('the stock runtime still has the helpers the sandbox reuses', () => {
  const rt = stockRuntime as unknown as Record<string, unknown>;
  const reused = [
    'Frame',
    'SafeString',
    'makeMacro',
    'makeKeywordArgs',
    'numArgs',
    'markSafe',
    'copySafeness',
  ];
  expect(reused.filter((m) => typeof rt[m] !== 'function')).toEqual([]);
  const frame = stockRuntime.Frame.prototype as unknown as Record<string, unknown>;
  expect(['set', 'lookup', 'push', 'pop'].filter((m) => typeof frame[m] !== 'function')).toEqual([]);
});

it('the node types are the ones validate.ts knows (allowed or refused)', () => {
  const types = Object.keys((nunjucks as unknown as { nodes: Record<string, unknown> }).nodes).sort();
  expect(types).toEqual(
    (
      'Add And Array AsyncAll AsyncEach BinOp Block CallExtension CallExtensionAsync Caller Capture Case ' +
      'Compare CompareOperand Concat Dict Div Extends Filter FilterAsync FloorDiv For FromImport FunCall ' +
      'Group If IfAsync Import In Include InlineIf Is KeywordArgs Literal LookupVal Macro Mod Mul Neg Node ' +
      'NodeList Not Or Output Pair Pos Pow Root Set Sub Super Switch Symbol TemplateData Value printNodes'
    ).split(' '),
  );
});

it('generated code calls only runtime helpers that the sandbox runtime provides', () => {
  // Every construct the sandbox accepts, so that every helper the generated code can call shows up.
  const corpus = [
    '{{ a }}{{ a.b }}{{ a["c"] }}{{ xs[0] }}{{ f(1, k=2) }}{{ a | default(1) | upper }}{{ 1 + 2 - 3 * 4 / 5 // 6 % 7 ** 8 }}',
    '{{ -a }}{{ +a }}{{ not a }}{{ a and b or c }}{{ a if b else c }}{{ a in b }}{{ a is defined }}{{ a ~ b }}',
    '{{ [1, 2] }}{{ {"k": 1} }}{{ (a) }}{{ a < b <= c > d >= e == f != g }}',
    '{% if a %}x{% elif b %}y{% else %}z{% endif %}{% for k, v in d %}{{ loop.index }}{% else %}e{% endfor %}',
    '{% for x in xs %}{{ x }}{% endfor %}{% set y = 1 %}{% set z %}cap{% endset %}',
    '{% macro m(a, b=2) %}{{ a }}{{ caller() }}{% endmacro %}{% call m(1) %}c{% endcall %}',
    '{% switch a %}{% case 1 %}one{% default %}d{% endswitch %}{% filter upper %}t{% endfilter %}{% raw %}{{ }}{% endraw %}',
  ];
  const used = new Set<string>();
  for (const template of corpus) {
    for (const captureValue of [false, true]) {
      const source = String(compileAst(parse(template), { captureValue }).root);
      for (const m of source.matchAll(/\bruntime\.([A-Za-z_$][\w$]*)/g)) used.add(m[1] as string);
    }
  }
  const scope = { env: {} as never, filters: {}, tests: {}, globals: {}, callables: new WeakSet<object>() };
  const limits = { maxSteps: 10, maxOutputLength: 10, maxCallDepth: 10 };
  const provided = new Set(Object.keys(makeRuntime(scope, new RenderState(limits, Date.now() + 1000, 1000))));
  expect([...used]).toEqual(
    expect.arrayContaining(['contextOrFrameLookup', 'memberLookup', 'callWrap', 'makeMacro']),
  );
  expect([...used].filter((name) => !provided.has(name)).sort()).toEqual([]);
});
