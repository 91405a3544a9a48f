/**
 * CLI parameter typing and merging, checked against Python itself: `-p` values against Python's
 * `int()` / `float()` (papermill's `_resolve_type`), YAML against PyYAML's SafeLoader without the
 * timestamp resolver (papermill's NoDatesSafeLoader), then papermill's merge order.
 */
import { isNbcError } from '../../src/errors';
import {
  decodeBase64Parameters,
  mergeParameterSources,
  parseYamlParameters,
  pythonFloat,
  pythonInt,
  typeCliValue,
} from '../../src/notebook/param-sources';
import { FloatValue, type ParamValue } from '../../src/notebook/values';
import { PY_ENCODE, encodeParam, normaliseEncoded, runPython, type Encoded } from '../helpers/python-values';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('-p typing (papermill _resolve_type)', () => {
  test.each<[string, ParamValue]>([
    ['True', true],
    ['False', false],
    ['None', null],
    ['true', 'true'],
    ['none', 'none'],
    ['42', 42],
    [' -7 ', -7],
    ['+5', 5],
    ['1_000', 1000],
    ['007', 7],
    ['-0', 0],
    ['12345678901234567890', 12345678901234567890n],
    ['1.5', 1.5],
    ['1.0', new FloatValue(1)],
    ['-0.0', new FloatValue(-0)],
    ['1e3', new FloatValue(1000)],
    ['.5', 0.5],
    ['5.', new FloatValue(5)],
    ['1_000.5', 1000.5],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['1e400', Infinity],
    ['0x10', '0x10'],
    ['1__0', '1__0'],
    ['_1', '_1'],
    ['1_', '1_'],
    ['1e', '1e'],
    ['', ''],
    ['hello world', 'hello world'],
    ['١٢٣', 123],
    ['１２.５', 12.5],
  ])('%j', (raw, expected) => {
    expect(typeCliValue(raw)).toEqual(expected);
  });

  test('nan becomes a float NaN', () => {
    expect(Number.isNaN(typeCliValue('nan') as number)).toBe(true);
    expect(Number.isNaN(typeCliValue('-NaN') as number)).toBe(true);
  });

  test('agrees with Python int() / float() on a corpus of tricky inputs', () => {
    const inputs = [
      '0',
      '1',
      '-1',
      ' 1 ',
      '\t2\n',
      '1_2_3',
      '1 2',
      '+-1',
      '--1',
      '0b1',
      '0o7',
      '1.',
      '.1',
      '.',
      'e1',
      '1e1',
      '1E+1',
      '1e-1',
      '1_0.0_1',
      '1._0',
      '1_.0',
      '1e1_0',
      'nan',
      'NAN',
      'inF',
      '+inf',
      'infinity',
      '-infinity',
      'infinit',
      'in f',
      '1.5e308',
      '1.8e308',
      '4.9e-324',
      '1e-400',
      '٣.٥',
      '\u00a01\u00a0',
      '\u20281',
      '9'.repeat(20),
      '9'.repeat(4400),
      'True ',
      ' None',
      '0.1',
      '2.5',
      '100',
      '1_000_000.000_1',
      '١_٢',
      'ⅷ',
      '²',
      '0e0',
      '-0e0',
      '00.5',
      '1.e5',
    ];
    const program = `${PY_ENCODE}
import json, sys
def resolve(v):
    if v == "True": return True
    if v == "False": return False
    if v == "None": return None
    try: return int(v)
    except ValueError: pass
    try: return float(v)
    except ValueError: return v
print(json.dumps([enc(resolve(v)) for v in json.loads(sys.stdin.read())]))`;
    const expected = (JSON.parse(runPython(program, JSON.stringify(inputs))) as Encoded[]).map(
      normaliseEncoded,
    );
    inputs.forEach((raw, i) =>
      expect({ raw, value: encodeParam(typeCliValue(raw)) }).toEqual({ raw, value: expected[i] }),
    );
  });

  test('pythonInt / pythonFloat on their own', () => {
    expect(pythonInt('1.5')).toBeUndefined();
    expect(pythonFloat('abc')).toBeUndefined();
    expect(pythonFloat('2')).toEqual(new FloatValue(2));
  });
});

const NO_DATES_LOADER = `
import yaml
class NoDatesSafeLoader(yaml.SafeLoader):
    yaml_implicit_resolvers = {k: [r for r in v if r[0] != 'tag:yaml.org,2002:timestamp'] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
`;

describe('YAML parameters (PyYAML SafeLoader without timestamps)', () => {
  test('YAML 1.1 types as PyYAML reads them', () => {
    const params = parseYamlParameters(
      [
        'a_date: 2019-01-01',
        'stamp: 2001-12-14t21:59:43.10-05:00',
        'yes_: yes',
        'off_: Off',
        'y: y',
        'tilde: ~',
        'empty:',
        'oct: 012',
        'hex: 0x1F',
        'bin: 0b101',
        'sexa: 190:20:30',
        'sexa_float: 1:30.5',
        'float: 1.0',
        'exp_needs_dot: 1e3',
        'exp: 1.5e+3',
        'inf: -.inf',
        'nan_is_string: nan',
        'big: 123456789012345678901234567890',
        'underscore: 1_000',
        'quoted: "123"',
        'tagged: !!str 12',
        'tagged_int: !!int "12"',
        'tagged_float: !!float "3"',
        'block: |',
        '  line 1',
        '  line 2',
      ].join('\n'),
      '-y #1',
    );
    expect(params).toEqual({
      a_date: '2019-01-01',
      stamp: '2001-12-14t21:59:43.10-05:00',
      yes_: true,
      off_: false,
      y: 'y',
      tilde: null,
      empty: null,
      oct: 10,
      hex: 31,
      bin: 5,
      sexa: 685230,
      sexa_float: 90.5,
      float: new FloatValue(1),
      exp_needs_dot: '1e3',
      exp: new FloatValue(1500),
      inf: -Infinity,
      nan_is_string: 'nan',
      big: 123456789012345678901234567890n,
      underscore: 1000,
      quoted: '123',
      tagged: '12',
      tagged_int: 12,
      tagged_float: new FloatValue(3),
      block: 'line 1\nline 2\n',
    });
  });

  test('agrees with PyYAML on a corpus of documents (types, order, merges, aliases, keys)', () => {
    const docs = [
      'a: 1\nb: [1, 2.5, "x", null, true]\nc: {d: {e: [f, g]}}',
      'base: &base {x: 1, y: 2}\nderived:\n  <<: *base\n  y: 3\n  z: 4',
      'one: &a {p: 1}\ntwo: &b {p: 2, q: 2}\nboth:\n  <<: [*a, *b]\n  r: 3',
      'list: &l [1, 2]\nagain: *l',
      'k: v\nk: w\nother: 1',
      '1: int key\n2.5: float key\ntrue: bool key\n~: null key\n1.0: float one',
      'v: .NaN\nw: +.inf\nx: -0.0\ny: 0.\nz: .5',
      'octal: 0777\nneg_oct: -017\nhexu: 0xDEAD_BEEF\nsex: -1:00',
      'on: on\nno: no\nYes: Yes\nTRUE: TRUE\nNULL: NULL\nNull: Null',
      "s1: 'single ''quoted'''\ns2: \"double \\\"q\\\" \\u00e9 \\n\"\ns3: plain text here",
      'folded: >\n  a\n  b\n\n  c\nkeep: |+\n  x\n\nstrip: |-\n  y\n',
      'nested:\n  - a: 1\n    b: [x, {y: z}]\n  - - deep\n    - 2',
      'date: 2024-02-30\ndatetime: 2024-01-01 10:00:00\n',
      '"quoted key": 1\n? complex\n: value',
      '',
      '# only a comment\n',
      '~',
      'unicode: "é✓😀"\nemoji_key_😀: 1',
      'big: 99999999999999999999\nnegbig: -99999999999999999999\nsafe: 9007199254740991',
      'f1: 1_000.5\nf2: 6.8523015e+5\nf3: 685.230_15e+03\nf4: 190:20:30.15',
    ];
    const program = `${PY_ENCODE}${NO_DATES_LOADER}
import json, sys
out = []
for d in json.loads(sys.stdin.read()):
    v = yaml.load(d, Loader=NoDatesSafeLoader)
    out.append(enc({str(k): x for k, x in v.items()} if isinstance(v, dict) else (v or {})))
print(json.dumps(out))`;
    const expected = (JSON.parse(runPython(program, JSON.stringify(docs))) as Encoded[]).map(
      normaliseEncoded,
    );
    docs.forEach((doc, i) =>
      expect({ doc, value: encodeParam(parseYamlParameters(doc, 'test')) }).toEqual({
        doc,
        value: expected[i],
      }),
    );
  });

  test('empty documents are {}; non-mappings are errors naming the source', () => {
    expect(parseYamlParameters('', '-y #1')).toEqual({});
    expect(parseYamlParameters('~\n', '-y #1')).toEqual({});
    expect(parseYamlParameters('# nothing\n', '-f p.yaml')).toEqual({});
    for (const [doc, got] of [
      ['- a\n- b', 'a list'],
      ['just a string', 'a string'],
      ['42', 'a number'],
    ]) {
      const err = thrown(() => parseYamlParameters(doc as string, '-y #2'));
      expect(isNbcError(err, 'E_PARAMETER')).toBe(true);
      expect((err as Error).message).toBe(
        `Parameters -y #2 must be a YAML mapping of names to values, got ${got}`,
      );
    }
  });

  test('syntax errors name the source and the position', () => {
    const err = thrown(() => parseYamlParameters('a: 1\nb: [1, 2\nc: 3', '-f params.yaml'));
    expect(isNbcError(err, 'E_PARAMETER')).toBe(true);
    expect((err as Error).message).toMatch(
      /^Invalid YAML in parameters -f params\.yaml: .*at line \d+, column \d+/s,
    );
    expect(thrown(() => parseYamlParameters('a: 1\n---\nb: 2', '-y #1'))).toMatchObject({
      message: expect.stringMatching(/multiple documents/),
    });
  });

  test('unsupported tags, unhashable keys, recursive aliases and alias bombs are clear errors', () => {
    expect(thrown(() => parseYamlParameters('a: !!set {x}', '-y #1'))).toMatchObject({
      code: 'E_PARAMETER',
      message: expect.stringMatching(/unsupported YAML tag tag:yaml.org,2002:set/),
    });
    expect(thrown(() => parseYamlParameters('a: !custom 1', '-y #1'))).toMatchObject({
      message: expect.stringMatching(/unsupported YAML tag/),
    });
    expect(thrown(() => parseYamlParameters('? [a, b]\n: 1', '-y #1'))).toMatchObject({
      message: expect.stringMatching(/unhashable key/),
    });
    expect(thrown(() => parseYamlParameters('a: &x [*x]', '-y #1'))).toMatchObject({ code: 'E_PARAMETER' });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 7; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    expect(thrown(() => parseYamlParameters(bomb.join('\n'), '-y #1'))).toMatchObject({
      message: expect.stringMatching(/more than 1000000 values/),
    });
  });

  test('a key called __proto__ is an ordinary parameter', () => {
    const params = parseYamlParameters('__proto__: {polluted: true}\nx: 1', '-y #1');
    expect(Object.keys(params)).toEqual(['__proto__', 'x']);
    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('base64 parameters', () => {
  test("papermill's CLI test: two -b values merge to {foo: 1, bar: 2}", () => {
    expect(
      mergeParameterSources({ base64: ['eyJmb28iOiAicmVwbGFjZWQiLCAiYmFyIjogMn0=', 'eydmb28nOiAxfQ=='] }),
    ).toEqual({ foo: 1, bar: 2 });
  });

  test('URL-safe alphabet, missing padding and whitespace are accepted', () => {
    const text = 'k: "ü?>"\n';
    const std = Buffer.from(text).toString('base64');
    const url = Buffer.from(text).toString('base64url');
    expect(decodeBase64Parameters(std, '-b #1')).toBe(text);
    expect(decodeBase64Parameters(url, '-b #1')).toBe(text);
    expect(decodeBase64Parameters(`${std.slice(0, 4)}\n${std.slice(4)}`, '-b #1')).toBe(text);
  });

  test('invalid base64 or non-UTF-8 content: E_PARAMETER naming the source', () => {
    for (const bad of ['not base64!', 'a=b=', 'abcde', '====']) {
      const err = thrown(() => mergeParameterSources({ base64: ['e30=', bad] }));
      expect(isNbcError(err, 'E_PARAMETER')).toBe(true);
      expect((err as Error).message).toBe('Parameters -b #2 are not valid base64');
    }
    expect(
      thrown(() => decodeBase64Parameters(Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), '-b #1')),
    ).toMatchObject({
      message: 'Parameters -b #1 decode from base64 to bytes that are not UTF-8 text',
    });
  });
});

describe('merging (papermill order: base64, files, yaml, -p, -r; later wins)', () => {
  test('precedence and key order', () => {
    const merged = mergeParameterSources({
      base: { PAPERMILL_INPUT_PATH: 'in.ipynb' },
      base64: [Buffer.from('a: from-b64\nb: from-b64\norder: 1').toString('base64')],
      files: [{ label: 'params.yaml', text: 'b: from-file\nc: from-file' }],
      yaml: ['c: from-yaml\nd: from-yaml'],
      typed: [
        ['d', '4'],
        ['e', '2.5'],
      ],
      raw: [
        ['e', 'raw-e'],
        ['f', '42'],
      ],
    });
    expect(merged).toEqual({
      PAPERMILL_INPUT_PATH: 'in.ipynb',
      a: 'from-b64',
      b: 'from-file',
      order: 1,
      c: 'from-yaml',
      d: 4,
      e: 'raw-e',
      f: '42',
    });
    expect(Object.keys(merged)).toEqual(['PAPERMILL_INPUT_PATH', 'a', 'b', 'order', 'c', 'd', 'e', 'f']);
  });

  test("papermill's parameter-file example: dates stay strings, dicts merge by replacement", () => {
    const merged = mergeParameterSources({
      files: [
        {
          label: 'example.yaml',
          text: 'foo: 54321\nbar: value\nbaz:\n  k2: v2\n  k1: v1\na_date: 2019-01-01\n',
        },
      ],
    });
    expect(merged).toEqual({ foo: 54321, bar: 'value', baz: { k2: 'v2', k1: 'v1' }, a_date: '2019-01-01' });
    expect(Object.keys(merged.baz as object)).toEqual(['k2', 'k1']);
  });

  test('the reference injection example: -p typed, -r raw, -y nested with null and a date', () => {
    const merged = mergeParameterSources({
      yaml: ['{d: [1, {e: null}], dt: 2019-01-01}'],
      typed: [
        ['a', '3.5'],
        ['b', 'True'],
      ],
      raw: [['c', '42']],
    });
    expect(merged).toEqual({ d: [1, { e: null }], dt: '2019-01-01', a: 3.5, b: true, c: '42' });
  });

  test('errors from a source name it', () => {
    expect(thrown(() => mergeParameterSources({ yaml: ['a: 1', 'b: [oops'] }))).toMatchObject({
      message: expect.stringMatching(/^Invalid YAML in parameters -y #2: /),
    });
    expect(
      thrown(() => mergeParameterSources({ files: [{ label: 's3://b/p.yaml', text: '- 1' }] })),
    ).toMatchObject({
      message: 'Parameters -f s3://b/p.yaml must be a YAML mapping of names to values, got a list',
    });
  });

  test('no sources → {}', () => {
    expect(mergeParameterSources({})).toEqual({});
  });
});
