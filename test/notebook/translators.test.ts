/**
 * Every translator against one table of values (strings with every hazard, ints across int32/int64/
 * beyond, floats incl. NaN/inf, None, lists, dicts): exact expected source per language. Papermill's
 * own expectations are pinned separately below.
 */
import { isNbcError } from '../../src/errors';
import { getTranslator } from '../../src/notebook/translators';
import { FloatValue, type ParamValue } from '../../src/notebook/values';

type Lang = 'python' | 'r' | 'julia' | 'scala' | 'matlab' | 'csharp' | 'fsharp' | 'powershell' | 'bash';
const KERNEL: Record<Lang, string> = {
  python: 'python',
  r: 'R',
  julia: 'julia',
  scala: 'scala',
  matlab: 'matlab',
  csharp: '.net-csharp',
  fsharp: '.net-fsharp',
  powershell: '.net-powershell',
  bash: 'bash',
};
const LANGS = Object.keys(KERNEL) as Lang[];

/** An expected rendering, or an error whose message must match. */
type Expect = string | RegExp;
type Row = [label: string, value: ParamValue, expected: Partial<Record<Lang, Expect>> & { default?: Expect }];
const r = String.raw;

const ROWS: Row[] = [
  ['plain string', 'foo', { default: '"foo"', bash: 'foo' }],
  ['empty string', '', { default: '""', bash: "''" }],
  [
    'double quotes',
    'say "hi"',
    { default: r`"say \"hi\""`, matlab: '"say ""hi"""', powershell: '"say `"hi`""', bash: `'say "hi"'` },
  ],
  ['backslash', 'a\\b', { default: r`"a\\b"`, matlab: r`"a\b"`, powershell: r`'a\b'`, bash: r`'a\b'` }],
  [
    'newline',
    'a\nb',
    {
      default: r`"a\nb"`,
      matlab: '("a" + newline + "b")',
      powershell: "('a' + [char]10 + 'b')",
      bash: "'a\nb'",
    },
  ],
  [
    'carriage return',
    'a\rb',
    {
      default: r`"a\rb"`,
      matlab: '("a" + char(13) + "b")',
      powershell: "('a' + [char]13 + 'b')",
      bash: "'a\rb'",
    },
  ],
  [
    'tab',
    'a\tb',
    {
      default: r`"a\tb"`,
      matlab: '("a" + char(9) + "b")',
      powershell: "('a' + [char]9 + 'b')",
      bash: "'a\tb'",
    },
  ],
  [
    'NUL',
    'a\0b',
    {
      python: r`"a\x00b"`,
      julia: r`"a\x00b"`,
      fsharp: r`"a\x00b"`,
      scala: r`"a\u0000b"`,
      csharp: r`"a\u0000b"`,
      matlab: '("a" + char(0) + "b")',
      powershell: "('a' + [char]0 + 'b')",
      r: /NUL for R: R strings cannot contain NUL/,
      bash: /NUL for bash: bash strings cannot contain NUL/,
    },
  ],
  [
    'control character',
    'a\x01b',
    {
      default: r`"a\x01b"`,
      scala: r`"a\u0001b"`,
      csharp: r`"a\u0001b"`,
      matlab: '("a" + char(1) + "b")',
      powershell: "('a' + [char]1 + 'b')",
      bash: "'a\x01b'",
    },
  ],
  [
    'DEL alone',
    '\x7f',
    {
      default: r`"\x7f"`,
      scala: r`"\u007f"`,
      csharp: r`"\u007f"`,
      matlab: '("" + char(127))',
      powershell: "('' + [char]127)",
      bash: "'\x7f'",
    },
  ],
  [
    'BMP unicode',
    'café ✓',
    {
      python: r`"caf\xe9 \u2713"`,
      fsharp: r`"caf\xe9 \u2713"`,
      default: r`"caf\u00e9 \u2713"`,
      matlab: '("caf" + char(233) + " " + char(10003))',
      powershell: "'café ✓'",
      bash: "'café ✓'",
    },
  ],
  [
    'astral unicode',
    'x😀',
    {
      default: r`"x\U0001f600"`,
      scala: r`"x\ud83d\ude00"`,
      matlab: '("x" + char([55357 56832]))',
      powershell: "'x😀'",
      bash: "'x😀'",
    },
  ],
  [
    'line separator U+2028',
    'a\u2028b',
    {
      default: r`"a\u2028b"`,
      matlab: '("a" + char(8232) + "b")',
      powershell: "'a\u2028b'",
      bash: "'a\u2028b'",
    },
  ],
  [
    'dollar interpolation',
    '$HOME $(id)',
    {
      default: '"$HOME $(id)"',
      julia: r`"\$HOME \$(id)"`,
      powershell: "'$HOME $(id)'",
      bash: "'$HOME $(id)'",
    },
  ],
  ['backtick', '`x`', { default: '"`x`"', powershell: "'`x`'", bash: "'`x`'" }],
  ['single quote', "it's", { default: `"it's"`, bash: `'it'"'"'s'` }],
  [
    'smart quotes',
    '‘x’ “y”',
    {
      default: r`"\u2018x\u2019 \u201cy\u201d"`,
      matlab: '("" + char(8216) + "x" + char(8217) + " " + char(8220) + "y" + char(8221))',
      powershell: "'‘‘x’’ “y”'",
      bash: "'‘x’ “y”'",
    },
  ],
  ['int', 42, { default: '42' }],
  ['negative int', -7, { default: '-7' }],
  [
    'int above int32',
    2147483648,
    { default: '2147483648', scala: '2147483648L', csharp: '2147483648L', fsharp: '2147483648L' },
  ],
  [
    'int below int32',
    -2147483649,
    { default: '-2147483649', scala: '-2147483649L', csharp: '-2147483649L', fsharp: '-2147483649L' },
  ],
  [
    'bigint within int64',
    9007199254740993n,
    {
      default: '9007199254740993',
      scala: '9007199254740993L',
      csharp: '9007199254740993L',
      fsharp: '9007199254740993L',
    },
  ],
  [
    'bigint beyond int64',
    12345678901234567890n,
    {
      default: '12345678901234567890',
      scala: 'BigInt("12345678901234567890")',
      csharp: 'System.Numerics.BigInteger.Parse("12345678901234567890")',
      fsharp: '12345678901234567890I',
    },
  ],
  [
    'bigint beyond decimal',
    10n ** 30n,
    {
      default: '1000000000000000000000000000000',
      scala: 'BigInt("1000000000000000000000000000000")',
      csharp: 'System.Numerics.BigInteger.Parse("1000000000000000000000000000000")',
      fsharp: '1000000000000000000000000000000I',
      powershell: "[bigint]'1000000000000000000000000000000'",
    },
  ],
  ['float', 3.14, { default: '3.14' }],
  ['integral float', new FloatValue(1), { default: '1.0' }],
  ['negative zero float', new FloatValue(-0), { default: '-0.0' }],
  ['tiny float', 1e-5, { default: '1e-05' }],
  ['small float', 0.0001, { default: '0.0001' }],
  ['float 1e16', new FloatValue(1e16), { default: '1e+16' }],
  ['float 1e15', new FloatValue(1e15), { default: '1000000000000000.0' }],
  ['huge float', new FloatValue(1.5e300), { default: '1.5e+300' }],
  ['unsafe integral number (a float)', 1e20, { default: '1e+20' }],
  [
    'NaN',
    NaN,
    {
      python: "float('nan')",
      r: 'NaN',
      julia: 'NaN',
      scala: 'Double.NaN',
      matlab: 'nan',
      csharp: 'double.NaN',
      fsharp: 'nan',
      powershell: '[double]::NaN',
      bash: 'nan',
    },
  ],
  [
    '+inf',
    Infinity,
    {
      python: "float('inf')",
      r: 'Inf',
      julia: 'Inf',
      scala: 'Double.PositiveInfinity',
      matlab: 'inf',
      csharp: 'double.PositiveInfinity',
      fsharp: 'infinity',
      powershell: '[double]::PositiveInfinity',
      bash: 'inf',
    },
  ],
  [
    '-inf',
    -Infinity,
    {
      python: "float('-inf')",
      r: '-Inf',
      julia: '-Inf',
      scala: 'Double.NegativeInfinity',
      matlab: '-inf',
      csharp: 'double.NegativeInfinity',
      fsharp: '-infinity',
      powershell: '[double]::NegativeInfinity',
      bash: '-inf',
    },
  ],
  ['true', true, { default: 'true', python: 'True', r: 'TRUE', powershell: '$True' }],
  ['false', false, { default: 'false', python: 'False', r: 'FALSE', powershell: '$False' }],
  [
    'None',
    null,
    {
      python: 'None',
      r: 'NULL',
      julia: 'nothing',
      scala: 'None',
      matlab: 'NaN',
      csharp: 'null',
      fsharp: 'None',
      powershell: '$Null',
      bash: '',
    },
  ],
  [
    'mixed list',
    [1, 'a'],
    {
      python: '[1, "a"]',
      r: 'list(1, "a")',
      julia: '[1, "a"]',
      scala: 'Seq(1, "a")',
      matlab: '{1, "a"}',
      csharp: 'new object[] { 1, "a" }',
      fsharp: '[ box (1); box ("a") ]',
      powershell: '@(1, "a")',
      bash: '(1 a)',
    },
  ],
  [
    'int list',
    [1, 2],
    {
      python: '[1, 2]',
      r: 'list(1, 2)',
      julia: '[1, 2]',
      scala: 'Seq(1, 2)',
      matlab: '{1, 2}',
      csharp: 'new [] { 1, 2 }',
      fsharp: '[ 1; 2 ]',
      powershell: '@(1, 2)',
      bash: '(1 2)',
    },
  ],
  ['int and float list', [1, 2.5], { csharp: 'new [] { 1, 2.5 }', fsharp: '[ box (1); box (2.5) ]' }],
  [
    'list with None',
    ['a', null],
    {
      python: '["a", None]',
      csharp: 'new [] { "a", null }',
      fsharp: '[ box ("a"); box (None) ]',
      bash: "(a '')",
    },
  ],
  [
    'empty list',
    [],
    {
      python: '[]',
      r: 'list()',
      julia: '[]',
      scala: 'Seq()',
      matlab: '{}',
      csharp: 'new object[] {  }',
      fsharp: '[  ]',
      powershell: '@()',
      bash: '()',
    },
  ],
  [
    'nested list',
    [[1, 2], [3]],
    {
      python: '[[1, 2], [3]]',
      r: 'list(list(1, 2), list(3))',
      julia: '[[1, 2], [3]]',
      scala: 'Seq(Seq(1, 2), Seq(3))',
      matlab: '{{1, 2}, {3}}',
      csharp: 'new [] { new [] { 1, 2 }, new [] { 3 } }',
      fsharp: '[ [ 1; 2 ]; [ 3 ] ]',
      powershell: '@(@(1, 2), @(3))',
      bash: /nested list\[0\] for bash: bash cannot hold a list inside a list/,
    },
  ],
  ['list holding one list', [[1, 2]], { powershell: '@(,@(1, 2))', python: '[[1, 2]]' }],
  [
    'dict',
    { a: 1 },
    {
      python: '{"a": 1}',
      r: 'list("a" = 1)',
      julia: 'Dict("a" => 1)',
      scala: 'Map("a" -> 1)',
      matlab: "containers.Map({'a'}, {1})",
      csharp: 'new Dictionary<string,Object>{ { "a" , 1 } }',
      fsharp: '[ ("a", 1 :> IComparable) ] |> Map.ofList',
      powershell: '@{"a" = 1}',
      bash: '([a]=1)',
    },
  ],
  [
    'empty dict',
    {},
    {
      python: '{}',
      r: 'list()',
      julia: 'Dict()',
      scala: 'Map()',
      matlab: 'containers.Map()',
      csharp: 'new Dictionary<string,Object>{  }',
      fsharp: 'Map.empty<string, IComparable>',
      powershell: '@{}',
      bash: '()',
    },
  ],
  [
    'nested dict',
    { a: { b: [1] } },
    {
      python: '{"a": {"b": [1]}}',
      r: 'list("a" = list("b" = list(1)))',
      julia: 'Dict("a" => Dict("b" => [1]))',
      scala: 'Map("a" -> Map("b" -> Seq(1)))',
      matlab: "containers.Map({'a'}, {containers.Map({'b'}, {{1}})})",
      csharp:
        'new Dictionary<string,Object>{ { "a" , new Dictionary<string,Object>{ { "b" , new [] { 1 } } } } }',
      fsharp: '[ ("a", [ ("b", [ 1 ] :> IComparable) ] |> Map.ofList :> IComparable) ] |> Map.ofList',
      powershell: '@{"a" = @{"b" = @(1)}}',
      bash: /nested dict\["a"\] for bash: bash cannot hold a dict inside a dict/,
    },
  ],
  [
    'non-identifier and hostile keys',
    { 'my key': 1, 'it\'s "q"\n': 2 },
    {
      python: r`{"my key": 1, "it's \"q\"\n": 2}`,
      r: r`list("my key" = 1, "it's \"q\"\n" = 2)`,
      julia: r`Dict("my key" => 1, "it's \"q\"\n" => 2)`,
      scala: r`Map("my key" -> 1, "it's \"q\"\n" -> 2)`,
      matlab: `containers.Map({'my key', ['it''s "q"', newline]}, {1, 2})`,
      csharp: r`new Dictionary<string,Object>{ { "my key" , 1 }, { "it's \"q\"\n" , 2 } }`,
      fsharp: r`[ ("my key", 1 :> IComparable); ("it's \"q\"\n", 2 :> IComparable) ] |> Map.ofList`,
      powershell: `@{"my key" = 1\n ('it''s "q"' + [char]10) = 2}`,
      bash: `(['my key']=1 ['it'"'"'s "q"\n']=2)`,
    },
  ],
];

describe.each(LANGS)('%s translator', (lang) => {
  const t = getTranslator(KERNEL[lang], KERNEL[lang]);
  const rows = ROWS.flatMap(([label, value, expected]) => {
    const e = expected[lang] ?? expected.default;
    return e === undefined ? [] : [{ label, value, e }];
  });

  test.each(rows)('$label', ({ label, value, e }) => {
    if (typeof e === 'string') {
      expect(t.renderValue(value, label)).toBe(e);
    } else {
      let caught: unknown;
      try {
        t.renderValue(value, label);
      } catch (err) {
        caught = err;
      }
      expect(isNbcError(caught, 'E_PARAMETER')).toBe(true);
      expect((caught as Error).message).toMatch(e);
      expect((caught as Error).message).toContain(t.language);
    }
  });

  test('a cell is the comment line plus one assignment per parameter, each ending in a newline', () => {
    const cell = t.renderCell({ first: 1, second: 'two' });
    const lines = cell.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[1]).toContain(t.renderValue(1));
    expect(lines[2]).toContain(t.renderValue('two'));
    expect(lines[1]!.indexOf('first')).toBeLessThan(lines[1]!.indexOf('1'));
  });

  test('names that are not identifiers are rejected, naming the parameter and language', () => {
    const bad = ['x; rm -rf /', 'a b', 'x\ny', '', '$(id)', 'a-b'];
    if (lang !== 'powershell') bad.push('1x'); // `$1x` is a valid PowerShell variable
    for (const name of bad) {
      expect(() => t.renderAssignment(name, 1)).toThrow(expect.objectContaining({ code: 'E_PARAMETER' }));
    }
    expect(() => t.renderAssignment('a b', 1)).toThrow(
      new RegExp(`"a b" is not a valid ${t.language.replace('+', '\\+')} variable name`),
    );
  });

  test('a comment with a line break is rejected (it would turn the rest into code)', () => {
    expect(() => t.renderCell({ a: 1 }, 'x\nimport os')).toThrow(
      expect.objectContaining({ code: 'E_PARAMETER' }),
    );
    expect(() => t.renderCell({ a: 1 }, 'x\rimport os')).toThrow(/one line/);
  });

  test('values that are not parameter values are a clear error, not papermill str() fallback', () => {
    const notAValue = new Date(0) as unknown as ParamValue;
    expect(() => t.renderAssignment('started', notAValue)).toThrow(
      /Cannot render parameter started .*unsupported value type \(Date\)/,
    );
    expect(() => t.renderValue(undefined as unknown as ParamValue)).toThrow(
      /unsupported value type \(undefined\)/,
    );
  });
});

describe('assignments and cells', () => {
  const cell = (lang: Lang, params: Record<string, ParamValue>, comment?: string): string =>
    getTranslator(KERNEL[lang], KERNEL[lang]).renderCell(params, comment);

  test.each<[Lang, string]>([
    ['python', '# Parameters\nfoo = "bar"\nn = 1.5\n'],
    ['r', '# Parameters\nfoo = "bar"\nn = 1.5\n'],
    ['julia', '# Parameters\nfoo = "bar"\nn = 1.5\n'],
    ['scala', '// Parameters\nval foo = "bar"\nval n = 1.5\n'],
    ['matlab', '% Parameters\nfoo = "bar";\nn = 1.5;\n'],
    ['csharp', '// Parameters\nvar foo = "bar";\nvar n = 1.5;\n'],
    ['fsharp', '(* Parameters *)\nlet foo = "bar"\nlet n = 1.5\n'],
    ['powershell', '# Parameters\n$foo = "bar"\n$n = 1.5\n'],
    ['bash', '# Parameters\nfoo=bar\nn=1.5\n'],
  ])('%s cell', (lang, expected) => {
    expect(cell(lang, { foo: 'bar', n: 1.5 })).toBe(expected);
  });

  test('parameters keep insertion order', () => {
    expect(cell('python', { z: 1, a: 2, m: 3 })).toBe('# Parameters\nz = 1\na = 2\nm = 3\n');
  });

  test('custom comment, and papermill strips the comment line ("# " alone becomes "#")', () => {
    expect(cell('python', { a: 1 }, 'This is a custom comment')).toBe('# This is a custom comment\na = 1\n');
    expect(cell('python', { a: 1 }, '')).toBe('#\na = 1\n');
    expect(cell('fsharp', { a: 1 }, '')).toBe('(*  *)\nlet a = 1\n');
    expect(cell('matlab', { a: 1 }, '')).toBe('%\na = 1;\n');
  });

  test('F# comments cannot contain *), Scala comments cannot contain \\u', () => {
    expect(() => cell('fsharp', { a: 1 }, 'x *) let y = 2 (*')).toThrow(/cannot contain "\*\)"/);
    expect(() => cell('scala', { a: 1 }, r`x \u000a val y = 2`)).toThrow(/cannot contain/);
  });

  test('C#: a top-level None is typed (`var x = null;` does not compile), nested nulls stay null', () => {
    expect(cell('csharp', { x: null, d: { k: null } })).toBe(
      '// Parameters\nvar x = (object)null;\nvar d = new Dictionary<string,Object>{ { "k" , null } };\n',
    );
  });

  test('R drops leading underscores from names (papermill), and rejects a name that becomes empty', () => {
    expect(cell('r', { ___foo: 5 })).toBe('# Parameters\nfoo = 5\n');
    expect(() => cell('r', { ___: 5 })).toThrow(/not a valid R variable name/);
  });

  test('R list names and bash keys cannot be empty', () => {
    expect(() => cell('r', { d: { '': 1 } })).toThrow(/d\[""\] for R: R list names cannot be empty/);
    expect(() => cell('bash', { d: { '': 1 } })).toThrow(/bash associative array keys cannot be empty/);
  });

  test('bash dicts become associative arrays; papermill raised', () => {
    expect(cell('bash', { d: { a: 1, 'b c': 'x y' }, l: [1, 'two words'] })).toBe(
      "# Parameters\ndeclare -A d=([a]=1 ['b c']='x y')\nl=(1 'two words')\n",
    );
  });

  test('lone surrogates: kept escaped where the language has UTF-16 strings, an error where it has not', () => {
    const lone = 'a\ud800b';
    expect(cell('python', { s: lone })).toContain(r`s = "a\ud800b"`);
    expect(cell('csharp', { s: lone })).toContain(r`"a\ud800b"`);
    expect(cell('scala', { s: lone })).toContain(r`"a\ud800b"`);
    expect(cell('matlab', { s: lone })).toContain('char(55296)');
    expect(cell('powershell', { s: lone })).toContain('[char]55296');
    for (const lang of ['r', 'julia', 'bash'] as const)
      expect(() => cell(lang, { s: lone })).toThrow(/lone UTF-16 surrogate/);
  });

  test('errors name the nested position of the bad value', () => {
    expect(() => cell('bash', { cfg: { k: [1] } })).toThrow(/parameter cfg\["k"\] for bash/);
    expect(() => cell('r', { xs: ['ok', 'bad\0'] })).toThrow(/parameter xs\[1\] for R/);
  });
});
