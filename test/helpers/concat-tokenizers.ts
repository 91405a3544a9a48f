/**
 * Lexers for the languages whose strings the translators build by concatenation: MATLAB (no escapes in
 * string literals) and PowerShell (single-quoted strings, `[char]N` pieces). Same contract as
 * literal-tokenizers.ts: decoded UTF-16 units and the end index, or a throw where the language would
 * reject or misread the text.
 */
import { expectChar, type Scanned, type Tokenizer } from './literal-tokenizers';

/** A sequence `first (+ next)*` inside parentheses, or a single piece; returns the concatenation. */
function concatenation(
  text: string,
  piece: (text: string, i: number) => [number[], number],
  first: (text: string, i: number) => boolean,
): Scanned {
  if (text[0] !== '(') {
    const [units, end] = piece(text, 0);
    return { units, end };
  }
  let i = 1;
  const units: number[] = [];
  if (!first(text, i)) throw new Error('a concatenation must start with a string literal');
  for (;;) {
    const [u, j] = piece(text, i);
    units.push(...u);
    i = j;
    if (text[i] === ')') return { units, end: i + 1 };
    if (text.slice(i, i + 3) !== ' + ') throw new Error(`expected ' + ' or ')' at ${i}`);
    i += 3;
  }
}

function matlabDoubleQuoted(text: string, i: number): [number[], number] {
  expectChar(text, i, '"');
  const units: number[] = [];
  let j = i + 1;
  for (;;) {
    if (j >= text.length || text[j] === '\n' || text[j] === '\r')
      throw new Error('unterminated MATLAB string');
    if (text[j] === '"') {
      if (text[j + 1] === '"') {
        units.push(34);
        j += 2;
        continue;
      }
      return [units, j + 1];
    }
    units.push(text.charCodeAt(j));
    j++;
  }
}

function matlabCharCall(text: string, i: number): [number[], number] {
  if (text.startsWith('newline', i)) return [[10], i + 7];
  const m = /^char\((?:(\d+)|\[(\d+(?: \d+)*)\])\)/.exec(text.slice(i));
  if (!m) throw new Error(`expected a string, newline or char(...) at ${i}`);
  const nums = (m[1] ?? m[2] ?? '').split(' ').map(Number);
  if (nums.some((n) => n > 0xffff)) throw new Error('char() code above 0xFFFF');
  return [nums, i + m[0].length];
}

/** MATLAB string scalar: `"..."` (no escapes, `""` is a quote), or `("..." + newline + char(N) ...)`. */
export const tokenizeMatlab: Tokenizer = (text) =>
  concatenation(
    text,
    (t, i) => (t[i] === '"' ? matlabDoubleQuoted(t, i) : matlabCharCall(t, i)),
    (t, i) => t[i] === '"',
  );

/** MATLAB char array: `'...'` (`''` is a quote) or `['...', newline, char(N)]`. */
export const tokenizeMatlabChars: Tokenizer = (text) => {
  const quoted = (t: string, i: number): [number[], number] => {
    expectChar(t, i, "'");
    const units: number[] = [];
    let j = i + 1;
    for (;;) {
      if (j >= t.length || t[j] === '\n' || t[j] === '\r') throw new Error('unterminated MATLAB char array');
      if (t[j] === "'") {
        if (t[j + 1] === "'") {
          units.push(39);
          j += 2;
          continue;
        }
        return [units, j + 1];
      }
      units.push(t.charCodeAt(j));
      j++;
    }
  };
  if (text[0] !== '[') {
    const [units, end] = quoted(text, 0);
    return { units, end };
  }
  const units: number[] = [];
  let i = 1;
  for (;;) {
    const [u, j] = text[i] === "'" ? quoted(text, i) : matlabCharCall(text, i);
    units.push(...u);
    i = j;
    if (text[i] === ']') return { units, end: i + 1 };
    if (text.slice(i, i + 2) !== ', ') throw new Error(`expected ', ' or ']' at ${i}`);
    i += 2;
  }
};

const PS_SINGLE = /['\u2018\u2019\u201a\u201b]/;
const PS_DOUBLE = /["\u201c\u201d\u201e]/;

function psSingleQuoted(text: string, i: number): [number[], number] {
  if (!PS_SINGLE.test(text[i] ?? '')) throw new Error(`expected a single quote at ${i}`);
  const units: number[] = [];
  let j = i + 1;
  for (;;) {
    if (j >= text.length) throw new Error('unterminated PowerShell string');
    const c = text[j] as string;
    if (PS_SINGLE.test(c)) {
      if (PS_SINGLE.test(text[j + 1] ?? '')) {
        units.push(text.charCodeAt(j + 1));
        j += 2;
        continue;
      }
      return [units, j + 1];
    }
    units.push(text.charCodeAt(j));
    j++;
  }
}

/** Double-quoted: only the forms the translator emits (no `$`, backtick only before a quote). */
function psDoubleQuoted(text: string, i: number): [number[], number] {
  if (!PS_DOUBLE.test(text[i] ?? '')) throw new Error(`expected a double quote at ${i}`);
  const units: number[] = [];
  let j = i + 1;
  for (;;) {
    if (j >= text.length) throw new Error('unterminated PowerShell string');
    const c = text[j] as string;
    if (c === '$') throw new Error('PowerShell would expand $ in a double-quoted string');
    if (c === '`') {
      if (text[j + 1] !== '"') throw new Error('backtick escape other than `"');
      units.push(34);
      j += 2;
      continue;
    }
    if (PS_DOUBLE.test(c)) {
      if (PS_DOUBLE.test(text[j + 1] ?? '')) throw new Error('doubled double quote');
      return [units, j + 1];
    }
    units.push(text.charCodeAt(j));
    j++;
  }
}

function psPiece(text: string, i: number): [number[], number] {
  if (PS_SINGLE.test(text[i] ?? '')) return psSingleQuoted(text, i);
  if (PS_DOUBLE.test(text[i] ?? '')) return psDoubleQuoted(text, i);
  const m = /^\[char\](\d+)/.exec(text.slice(i));
  if (!m) throw new Error(`expected a string or [char]N at ${i}`);
  return [[Number(m[1])], i + m[0].length];
}

/** PowerShell: a quoted string, or `('...' + [char]N + ...)` starting with a string. */
export const tokenizePowerShell: Tokenizer = (text) =>
  concatenation(text, psPiece, (t, i) => PS_SINGLE.test(t[i] ?? '') || PS_DOUBLE.test(t[i] ?? ''));
