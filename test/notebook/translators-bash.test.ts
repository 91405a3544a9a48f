/**
 * bash rendering checked by bash: the rendered cell is executed and every variable read back byte for
 * byte (NUL-separated printf), including arrays and associative arrays.
 */
import { spawnSync } from 'node:child_process';

import { getTranslator } from '../../src/notebook/translators';
import { shellQuote } from '../../src/notebook/translators/bash';
import { FloatValue, type Parameters } from '../../src/notebook/values';
import { HOSTILE_STRINGS, randomHostileStrings, runPython } from '../helpers/python-values';

const bash = getTranslator('bash', 'bash');
const usable = (s: string): boolean => !s.includes('\0') && !/[\ud800-\udfff]/u.test(s);

/** Runs the cell, then prints each variable: scalars as one field, arrays as count + items, maps as key/value pairs. */
function readBack(params: Parameters): Map<string, string[]> {
  let script = bash.renderCell(params);
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) script += `printf '%s\\0' ${name} "\${#${name}[@]}" "\${${name}[@]}"\n`;
    else if (value !== null && typeof value === 'object' && !(value instanceof FloatValue)) {
      script += `printf '%s\\0' ${name} "\${#${name}[@]}"; for k in "\${!${name}[@]}"; do printf '%s\\0' "$k" "\${${name}[$k]}"; done\n`;
    } else script += `printf '%s\\0' ${name} 1 "$${name}"\n`;
  }
  const res = spawnSync('bash', ['--norc', '--noprofile', '-c', script], {
    env: { PATH: process.env.PATH ?? '', LC_ALL: 'C.UTF-8' },
  });
  expect(res.stderr.toString()).toBe('');
  expect(res.status).toBe(0);
  const fields = res.stdout.toString('utf8').split('\0');
  const out = new Map<string, string[]>();
  let i = 0;
  while (i < fields.length - 1) {
    const name = fields[i++] as string;
    const count = Number(fields[i++]);
    const isMap =
      typeof params[name] === 'object' &&
      params[name] !== null &&
      !Array.isArray(params[name]) &&
      !(params[name] instanceof FloatValue);
    const n = isMap ? count * 2 : count;
    out.set(name, fields.slice(i, i + n));
    i += n;
  }
  return out;
}

describe('bash round trip (rendered cell executed by bash)', () => {
  test('scalars: strings byte for byte, numbers and booleans as papermill writes them, None empty', () => {
    const params: Parameters = {
      int: 42,
      big: 12345678901234567890n,
      float: 3.5,
      one: new FloatValue(1),
      tiny: 1e-5,
      yes: true,
      no: false,
      none: null,
      nan: NaN,
    };
    const got = readBack(params);
    expect(Object.fromEntries(got)).toEqual({
      int: ['42'],
      big: ['12345678901234567890'],
      float: ['3.5'],
      one: ['1.0'],
      tiny: ['1e-05'],
      yes: ['true'],
      no: ['false'],
      none: [''],
      nan: ['nan'],
    });
  });

  test('every hostile string survives exactly', () => {
    const strings = HOSTILE_STRINGS.filter(usable);
    const params: Parameters = {};
    strings.forEach((s, i) => (params[`s${i}`] = s));
    const got = readBack(params);
    strings.forEach((s, i) => expect({ i, value: got.get(`s${i}`) }).toEqual({ i, value: [s] }));
  });

  test('random hostile strings survive exactly', () => {
    const strings = randomHostileStrings(300, 4321).filter(usable);
    const params: Parameters = {};
    strings.forEach((s, i) => (params[`r${i}`] = s));
    const got = readBack(params);
    strings.forEach((s, i) => expect({ i, value: got.get(`r${i}`) }).toEqual({ i, value: [s] }));
  });

  test('lists become indexed arrays, order kept, None kept as an empty element', () => {
    const list = [...HOSTILE_STRINGS.filter(usable).slice(0, 30), 7, null, true];
    const got = readBack({ list, empty: [] });
    expect(got.get('list')).toEqual(list.map((v) => (v === null ? '' : String(v))));
    expect(got.get('empty')).toEqual([]);
  });

  test('flat dicts become associative arrays with hostile keys and values', () => {
    const dict: Record<string, string | number | null> = {};
    HOSTILE_STRINGS.filter((s) => usable(s) && s !== '').forEach((s, i) => {
      dict[s] = i % 2 === 0 ? s : i;
    });
    dict.nothing = null;
    const got = readBack({ dict, empty: {} });
    const pairs = got.get('dict') ?? [];
    const read = new Map<string, string>();
    for (let i = 0; i < pairs.length; i += 2) read.set(pairs[i] as string, pairs[i + 1] as string);
    expect(read).toEqual(new Map(Object.entries(dict).map(([k, v]) => [k, v === null ? '' : String(v)])));
    expect(got.get('empty')).toEqual([]);
  });

  test("strings are quoted exactly as Python's shlex.quote quotes them", () => {
    const strings = [
      ...HOSTILE_STRINGS,
      ...randomHostileStrings(300, 77),
      'foo',
      'a@b%c+d=e:f,g.h/i-j_k',
      'ä',
    ].filter(usable);
    const expected = JSON.parse(
      runPython(
        'import json, sys, shlex\nprint(json.dumps([shlex.quote(s) for s in json.loads(sys.stdin.read())]))',
        JSON.stringify(strings),
      ),
    ) as string[];
    strings.forEach((s, i) => expect({ s, quoted: shellQuote(s) }).toEqual({ s, quoted: expected[i] }));
  });
});
