/**
 * Running snippets in the project's Python (a subprocess, no kernel) and comparing Python values with
 * parameter values: Python prints values with PY_ENCODE, `encodeParam` builds the same shape from a
 * ParamValue, so `toEqual` compares type (int vs float vs bool) and value exactly.
 */
import { spawnSync } from 'node:child_process';

import { FloatValue, type ParamValue } from '../../src/notebook/values';
import { testVenv } from './python';

export function runPython(code: string, stdin = ''): string {
  const res = spawnSync(testVenv().python, ['-c', code], {
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, PYTHONIOENCODING: 'utf-8' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`python failed (${res.status}): ${res.stderr}`);
  return res.stdout;
}

/**
 * Python source defining `enc(value)`: a JSON-safe, type-preserving description of a value. It uses
 * `builtins` explicitly because parameters may be called `int`, `list`, `dict`...
 */
export const PY_ENCODE = `
import builtins as _b
def enc(v):
    if v is None: return {"t": "none"}
    if _b.isinstance(v, _b.bool): return {"t": "bool", "v": v}
    if _b.isinstance(v, _b.int): return {"t": "int", "v": _b.str(v)}
    if _b.isinstance(v, _b.float): return {"t": "float", "v": _b.repr(v)}
    if _b.isinstance(v, _b.str): return {"t": "str", "v": [_b.ord(c) for c in v]}
    if _b.isinstance(v, _b.list): return {"t": "list", "v": [enc(x) for x in v]}
    if _b.isinstance(v, _b.dict): return {"t": "dict", "v": [[enc(k), enc(x)] for k, x in v.items()]}
    return {"t": "other", "v": _b.repr(v)}
`;

export type Encoded =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: string }
  | { t: 'float'; v: string }
  | { t: 'str'; v: number[] }
  | { t: 'list'; v: Encoded[] }
  | { t: 'dict'; v: Array<[Encoded, Encoded]> }
  | { t: 'other'; v: string };

function codePoints(s: string): number[] {
  return [...s].map((c) => c.codePointAt(0) ?? 0);
}

/** The float as Python's repr would print it, compared by value: NaN, ±inf and -0.0 spelled out. */
function floatKey(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0.0';
  return `value:${x}`;
}

/** Normalises Python's encoding of floats so they compare by value, not by spelling. */
export function normaliseEncoded(e: Encoded): Encoded {
  switch (e.t) {
    case 'float': {
      const x = e.v === 'nan' ? NaN : e.v === 'inf' ? Infinity : e.v === '-inf' ? -Infinity : Number(e.v);
      return { t: 'float', v: floatKey(x) };
    }
    case 'list':
      return { t: 'list', v: e.v.map(normaliseEncoded) };
    case 'dict':
      return { t: 'dict', v: e.v.map(([k, x]) => [normaliseEncoded(k), normaliseEncoded(x)]) };
    default:
      return e;
  }
}

export function encodeParam(v: ParamValue): Encoded {
  if (v === null) return { t: 'none' };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'string') return { t: 'str', v: codePoints(v) };
  if (typeof v === 'bigint') return { t: 'int', v: v.toString() };
  if (typeof v === 'number')
    return Number.isSafeInteger(v) ? { t: 'int', v: BigInt(v).toString() } : { t: 'float', v: floatKey(v) };
  if (v instanceof FloatValue) return { t: 'float', v: floatKey(v.value) };
  if (Array.isArray(v)) return { t: 'list', v: v.map(encodeParam) };
  return {
    t: 'dict',
    v: Object.entries(v).map(([k, x]) => [{ t: 'str', v: codePoints(k) }, encodeParam(x)]),
  };
}

/** A small deterministic PRNG (mulberry32), so property tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings that try to break out of literals in some language, plus every character class. */
export const HOSTILE_STRINGS: string[] = [
  '',
  'plain',
  '"',
  "'",
  '\\',
  '\\"',
  "\\'",
  '"; import os; os.system("id"); "',
  "'; system('id'); '",
  '$HOME',
  '$(id)',
  '${x}',
  '`id`',
  '#{x}',
  '%s %d',
  '\n',
  '\r',
  '\r\n',
  'line1\nline2\r\nline3',
  '\t',
  '\0',
  'a\0b',
  '\x01\x02\x1a\x1b\x1f',
  '\x7f',
  '\x85',
  '\u2028\u2029',
  'é ñ ü ß',
  '✓ ★ → ∞',
  '中文 日本語 한국어',
  '😀 🎉 𝕏',
  'e\u0301',
  '\ufeff',
  '\u202e reversed',
  '‘single’ “double” ‚low‛',
  '*) (* */ /* -->',
  '...',
  '% comment',
  '# comment',
  '// comment',
  '\\u0022',
  '\\u005c',
  '\\u000a',
  '\\x41',
  '\\U0001F600',
  '\\n\\t',
  '\\\\"',
  '"""',
  "'''",
  '@"verbatim"',
  '+ newline +',
  '[char]10',
  '\\$x',
  '`$x',
  '""',
  "''",
  "it's",
  '\u00a0nbsp',
  'ends with backslash\\',
  'ends with quote"',
];

/** Random strings drawn from a hostile alphabet (quotes, escapes, controls, unicode, astral). */
export function randomHostileStrings(count: number, seed: number): string[] {
  const alphabet = [
    ...'"\'\\$`#%(){}[]*/+-;:,.=@!?~^&|<>nrtux0aZ \t\n\r\0\x01\x1a\x7f\x85é✓中😀\u2028\u2018\u2019\u201c\ufeff',
  ];
  const rnd = seededRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = Math.floor(rnd() * 24);
    let s = '';
    for (let j = 0; j < len; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    out.push(s);
  }
  return out;
}
