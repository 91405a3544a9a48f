/**
 * Python rendering checked by Python itself: the rendered cell is executed by the project's Python and
 * every value read back (type and value, int vs float), and the string and float formatting is compared
 * byte for byte with what papermill's algorithm (`unicode_escape`, `repr`) produces in Python.
 */
import { pythonString } from '../../src/notebook/translators/python';
import { pythonFloatRepr } from '../../src/notebook/translators/common';
import { getTranslator } from '../../src/notebook/translators';
import { FloatValue, type ParamValue, type Parameters } from '../../src/notebook/values';
import {
  HOSTILE_STRINGS,
  PY_ENCODE,
  encodeParam,
  normaliseEncoded,
  randomHostileStrings,
  runPython,
  seededRandom,
  type Encoded,
} from '../helpers/python-values';

const python = getTranslator('python3', 'python');

function executeAndReadBack(params: Parameters): Record<string, Encoded> {
  const cell = python.renderCell(params);
  const names = JSON.stringify(Object.keys(params));
  const program = `${cell}\n${PY_ENCODE}\nimport json as _json\n_g = globals()\nprint(_json.dumps({n: enc(_g[n]) for n in ${names}}))\n`;
  const out = JSON.parse(runPython(program)) as Record<string, Encoded>;
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, normaliseEncoded(v)]));
}

function expectRoundTrip(params: Parameters): void {
  const got = executeAndReadBack(params);
  for (const [name, value] of Object.entries(params))
    expect({ name, value: got[name] }).toEqual({ name, value: encodeParam(value) });
}

describe('Python round trip (rendered cell executed by Python)', () => {
  test('every value type keeps its type and value', () => {
    expectRoundTrip({
      none: null,
      yes: true,
      no: false,
      int: 42,
      str: 'shadowed builtin',
      neg: -7,
      zero: 0,
      big: 12345678901234567890123n,
      negbig: -(2n ** 70n),
      maxsafe: Number.MAX_SAFE_INTEGER,
      float_: 3.14,
      integral_float: new FloatValue(1),
      neg_zero: new FloatValue(-0),
      tiny: 1e-5,
      smallest: 5e-324,
      largest: 1.7976931348623157e308,
      huge: new FloatValue(1.5e300),
      nan: NaN,
      inf: Infinity,
      ninf: -Infinity,
      text: 'hello',
      empty: '',
      list: [1, 'a', null, true, 2.5, new FloatValue(3)],
      empty_list: [],
      nested: [[1, [2, [3]]], { k: [{ deep: 'x' }] }],
      dict: { a: 1, 'b c': 'd', 'quote"key': null, ключ: [1.5] },
      empty_dict: {},
      ünïcode_name: 'ok',
    });
  });

  test('every hostile string reads back exactly (quotes, backslashes, newlines, NUL, controls, unicode)', () => {
    const params: Parameters = {};
    HOSTILE_STRINGS.forEach((s, i) => (params[`s${i}`] = s));
    params.lone_surrogate = 'a\ud800b\udfff';
    expectRoundTrip(params);
  });

  test('random hostile strings read back exactly', () => {
    const params: Parameters = {};
    randomHostileStrings(300, 1234).forEach((s, i) => (params[`r${i}`] = s));
    expectRoundTrip(params);
  });

  test('hostile strings as dict keys read back exactly', () => {
    const dict: Record<string, ParamValue> = {};
    HOSTILE_STRINGS.forEach((s, i) => (dict[s] = i));
    expectRoundTrip({ d: dict });
  });
});

describe("byte-for-byte parity with papermill's algorithms, computed in Python", () => {
  test("strings: unicode_escape then '\"' → '\\\\\"', double-quoted", () => {
    const strings = [...HOSTILE_STRINGS, ...randomHostileStrings(500, 99), 'a\ud800b', '\udc00'];
    const expected = JSON.parse(
      runPython(
        `import json, sys\nxs = json.loads(sys.stdin.read())\n` +
          `print(json.dumps(['"' + s.encode('unicode_escape').decode('utf-8').replace('"', '\\\\"') + '"' for s in xs]))`,
        JSON.stringify(strings),
      ),
    ) as string[];
    strings.forEach((s, i) => expect({ s, rendered: pythonString(s) }).toEqual({ s, rendered: expected[i] }));
  });

  test('floats: repr() for edge values and 3000 random bit patterns', () => {
    const rnd = seededRandom(7);
    const values = [
      0.1,
      0.5,
      1 / 3,
      2 / 3,
      1e-4,
      1e-5,
      0.0001234,
      1e15,
      1e16,
      9999999999999998,
      123456789012345680000,
      2 ** 53,
      2 ** 63,
      1e22,
      1e23,
      5e-324,
      2.2250738585072014e-308,
      1.7976931348623157e308,
      -1.5,
      100,
      1e21,
      0.3,
    ];
    const buf = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 3000; i++) {
      buf.setUint32(0, Math.floor(rnd() * 2 ** 32));
      buf.setUint32(4, Math.floor(rnd() * 2 ** 32));
      const x = buf.getFloat64(0);
      if (Number.isFinite(x)) values.push(x);
    }
    for (let e = -30; e <= 30; e++) values.push(1.2345 * 10 ** e, 10 ** e);
    const hexes = values.map((x) => {
      buf.setFloat64(0, x);
      return [...new Uint8Array(buf.buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
    });
    const expected = JSON.parse(
      runPython(
        `import json, sys, struct\nxs = json.loads(sys.stdin.read())\n` +
          `print(json.dumps([repr(struct.unpack('>d', bytes.fromhex(h))[0]) for h in xs]))`,
        JSON.stringify(hexes),
      ),
    ) as string[];
    values.forEach((x, i) => expect({ x, repr: pythonFloatRepr(x) }).toEqual({ x, repr: expected[i] }));
  });
});
