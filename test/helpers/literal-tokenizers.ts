/**
 * Small lexers for the string expressions the translators emit, one per language, written from each
 * language's documented literal rules. Each reads from the start of the text and returns the decoded
 * value (as UTF-16 code units, what the language's string would hold) and where the expression ended;
 * it throws where the language would reject the text. A translator is safe when, for every input, the
 * expression ends exactly at the end of its rendering and decodes to the input.
 */
export interface Scanned {
  /** UTF-16 code units of the decoded string. */
  units: number[];
  /** Index just past the expression. */
  end: number;
}

export type Tokenizer = (text: string) => Scanned;

const HEX = /[0-9a-fA-F]/;

function pushCodePoint(units: number[], cp: number): void {
  const s = String.fromCodePoint(cp);
  for (let i = 0; i < s.length; i++) units.push(s.charCodeAt(i));
}

function pushText(units: number[], text: string): void {
  for (let i = 0; i < text.length; i++) units.push(text.charCodeAt(i));
}

/** Up to `max` hex digits (at least `min`) at `i`. */
function readHex(text: string, i: number, min: number, max: number): [number, number] {
  let j = i;
  while (j < text.length && j - i < max && HEX.test(text[j] as string)) j++;
  if (j - i < min) throw new Error(`expected ${min} hex digits at ${i}`);
  return [parseInt(text.slice(i, j), 16), j];
}

export function expectChar(text: string, i: number, ch: string): void {
  if (text[i] !== ch)
    throw new Error(`expected ${JSON.stringify(ch)} at ${i}, found ${JSON.stringify(text[i])}`);
}

/** R: `"..."`; \x and octal give bytes, \u/\U code points; mixing them is an error; NUL is an error. */
export const tokenizeR: Tokenizer = (text) => {
  expectChar(text, 0, '"');
  const units: number[] = [];
  let i = 1;
  let byteEscape = false;
  let unicodeEscape = false;
  const simple: Record<string, number> = {
    n: 10,
    r: 13,
    t: 9,
    a: 7,
    b: 8,
    f: 12,
    v: 11,
    '\\': 92,
    '"': 34,
    "'": 39,
    '`': 96,
    ' ': 32,
  };
  for (;;) {
    if (i >= text.length) throw new Error('unterminated R string');
    const c = text[i] as string;
    if (c === '"') break;
    if (c !== '\\') {
      pushText(units, c);
      i++;
      continue;
    }
    const e = text[i + 1] as string;
    i += 2;
    if (simple[e] !== undefined) units.push(simple[e] as number);
    else if (/[0-7]/.test(e)) {
      let j = i;
      while (j < text.length && j - i < 2 && /[0-7]/.test(text[j] as string)) j++;
      const v = parseInt(e + text.slice(i, j), 8);
      i = j;
      byteEscape = true;
      if (v >= 0x80) throw new Error('R octal escape gives a raw byte');
      units.push(v);
    } else if (e === 'x') {
      const [v, j] = readHex(text, i, 1, 2);
      i = j;
      byteEscape = true;
      if (v >= 0x80) throw new Error('R \\x escape above 0x7f gives a raw byte, not a character');
      units.push(v);
    } else if (e === 'u' || e === 'U') {
      const braced = text[i] === '{';
      const [v, j] = readHex(text, braced ? i + 1 : i, 1, e === 'u' ? 4 : 8);
      i = braced ? j + 1 : j;
      if (braced) expectChar(text, j, '}');
      unicodeEscape = true;
      pushCodePoint(units, v);
    } else throw new Error(`unrecognized R escape \\${e}`);
  }
  if (byteEscape && unicodeEscape)
    throw new Error('R: mixing Unicode and octal/hex escapes in a string is not allowed');
  if (units.includes(0)) throw new Error('R: nul character not allowed');
  return { units, end: i + 1 };
};

/** Julia: `"..."`; `$` interpolates (rejected here); \x and octal above 0x7f are raw bytes. */
export const tokenizeJulia: Tokenizer = (text) => {
  expectChar(text, 0, '"');
  if (text.startsWith('"""')) throw new Error('triple-quoted');
  const units: number[] = [];
  let i = 1;
  const simple: Record<string, number> = {
    n: 10,
    r: 13,
    t: 9,
    a: 7,
    b: 8,
    f: 12,
    v: 11,
    e: 27,
    '\\': 92,
    '"': 34,
    "'": 39,
    $: 36,
  };
  for (;;) {
    if (i >= text.length) throw new Error('unterminated Julia string');
    const c = text[i] as string;
    if (c === '"') break;
    if (c === '$') throw new Error(`Julia would interpolate at ${i}`);
    if (c !== '\\') {
      pushText(units, c);
      i++;
      continue;
    }
    const e = text[i + 1] as string;
    i += 2;
    if (simple[e] !== undefined) units.push(simple[e] as number);
    else if (e === 'x') {
      const [v, j] = readHex(text, i, 1, 2);
      i = j;
      if (v >= 0x80) throw new Error('Julia \\x above 0x7f is a raw byte (invalid UTF-8)');
      units.push(v);
    } else if (/[0-7]/.test(e)) {
      let j = i;
      while (j < text.length && j - i < 2 && /[0-7]/.test(text[j] as string)) j++;
      const v = parseInt(e + text.slice(i, j), 8);
      i = j;
      if (v >= 0x80) throw new Error('Julia octal above 0x7f is a raw byte');
      units.push(v);
    } else if (e === 'u' || e === 'U') {
      const [v, j] = readHex(text, i, 1, e === 'u' ? 4 : 8);
      i = j;
      if (v >= 0xd800 && v <= 0xdfff) throw new Error('Julia: surrogate code point');
      pushCodePoint(units, v);
    } else throw new Error(`invalid Julia escape \\${e}`);
  }
  return { units, end: i + 1 };
};

interface ScalaChar {
  ch: number;
  fromEscape: boolean;
  pos: number;
}

/** Scala 2 (<= 2.13.1) decodes \uXXXX (after an even number of backslashes) before lexing anything. */
function scalaUnicodePreprocess(text: string): ScalaChar[] {
  const out: ScalaChar[] = [];
  let i = 0;
  let backslashes = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\' && backslashes % 2 === 0 && text[i + 1] === 'u') {
      let j = i + 1;
      while (text[j] === 'u') j++;
      const [v, k] = readHex(text, j, 4, 4);
      out.push({ ch: v, fromEscape: true, pos: k });
      i = k;
      backslashes = v === 0x5c ? 1 : 0;
      continue;
    }
    out.push({ ch: text.charCodeAt(i), fromEscape: false, pos: i + 1 });
    backslashes = c === '\\' ? backslashes + 1 : 0;
    i++;
  }
  return out;
}

const SCALA_SIMPLE: Record<number, number> = {
  98: 8,
  116: 9,
  110: 10,
  102: 12,
  114: 13,
  34: 34,
  39: 39,
  92: 92,
};

/** Scala 2.12 model: pre-processed unicode escapes, then `"`, backslash escapes, no raw CR/LF. */
export const tokenizeScala2: Tokenizer = (text) => {
  const chars = scalaUnicodePreprocess(text);
  if (chars[0]?.ch !== 34) throw new Error('expected "');
  const units: number[] = [];
  let i = 1;
  for (;;) {
    const c = chars[i];
    if (!c) throw new Error('unclosed string literal');
    if (c.ch === 34) return { units, end: c.pos };
    if ((c.ch === 10 || c.ch === 13) && !c.fromEscape)
      throw new Error('unclosed string literal (raw line break)');
    if (c.ch === 10 || c.ch === 13) throw new Error('line break from a unicode escape');
    if (c.ch === 92) {
      const e = chars[i + 1];
      if (!e || SCALA_SIMPLE[e.ch] === undefined) throw new Error('invalid escape character');
      units.push(SCALA_SIMPLE[e.ch] as number);
      i += 2;
      continue;
    }
    units.push(c.ch);
    i++;
  }
};

/** Scala 2.13.2+ and 3: unicode escapes are ordinary escapes inside string literals. */
export const tokenizeScala3: Tokenizer = (text) => {
  expectChar(text, 0, '"');
  const units: number[] = [];
  let i = 1;
  for (;;) {
    if (i >= text.length) throw new Error('unclosed string literal');
    const c = text.charCodeAt(i);
    if (c === 34) return { units, end: i + 1 };
    if (c === 10 || c === 13) throw new Error('unclosed string literal (raw line break)');
    if (c === 92) {
      const e = text[i + 1] as string;
      if (e === 'u') {
        let j = i + 1;
        while (text[j] === 'u') j++;
        const [v, k] = readHex(text, j, 4, 4);
        units.push(v);
        i = k;
        continue;
      }
      const s = SCALA_SIMPLE[e.charCodeAt(0)];
      if (s === undefined) throw new Error(`invalid escape \\${e}`);
      units.push(s);
      i += 2;
      continue;
    }
    units.push(c);
    i++;
  }
};

/** C#: regular string; \x takes 1-4 hex digits greedily; raw line breaks are errors. */
export const tokenizeCSharp: Tokenizer = (text) => {
  expectChar(text, 0, '"');
  const units: number[] = [];
  const simple: Record<string, number> = {
    "'": 39,
    '"': 34,
    '\\': 92,
    '0': 0,
    a: 7,
    b: 8,
    f: 12,
    n: 10,
    r: 13,
    t: 9,
    v: 11,
  };
  let i = 1;
  for (;;) {
    if (i >= text.length) throw new Error('unterminated C# string');
    const c = text[i] as string;
    if (c === '"') return { units, end: i + 1 };
    if (/[\n\r\u0085\u2028\u2029]/.test(c)) throw new Error('newline in C# constant');
    if (c !== '\\') {
      units.push(text.charCodeAt(i));
      i++;
      continue;
    }
    const e = text[i + 1] as string;
    i += 2;
    if (simple[e] !== undefined) units.push(simple[e] as number);
    else if (e === 'x') {
      const [v, j] = readHex(text, i, 1, 4);
      units.push(v);
      i = j;
    } else if (e === 'u') {
      const [v, j] = readHex(text, i, 4, 4);
      units.push(v);
      i = j;
    } else if (e === 'U') {
      const [v, j] = readHex(text, i, 8, 8);
      if (v > 0x10ffff) throw new Error('invalid \\U');
      pushCodePoint(units, v);
      i = j;
    } else throw new Error(`unrecognized C# escape \\${e}`);
  }
};

/** F#: `"..."`; \xHH exactly two digits, \DDD decimal trigraphs, unknown escapes kept literally. */
export const tokenizeFSharp: Tokenizer = (text) => {
  expectChar(text, 0, '"');
  const units: number[] = [];
  const simple: Record<string, number> = {
    n: 10,
    t: 9,
    b: 8,
    r: 13,
    a: 7,
    f: 12,
    v: 11,
    '\\': 92,
    '"': 34,
    "'": 39,
    '0': 0,
  };
  let i = 1;
  for (;;) {
    if (i >= text.length) throw new Error('unterminated F# string');
    const c = text[i] as string;
    if (c === '"') return { units, end: i + 1 };
    if (c !== '\\') {
      units.push(text.charCodeAt(i));
      i++;
      continue;
    }
    const e = text[i + 1] as string;
    if (/^[0-9]{3}$/.test(text.slice(i + 1, i + 4))) {
      units.push(Number(text.slice(i + 1, i + 4)));
      i += 4;
    } else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      units.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      units.push(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (e === 'U' && /^[0-9a-fA-F]{8}$/.test(text.slice(i + 2, i + 10))) {
      pushCodePoint(units, parseInt(text.slice(i + 2, i + 10), 16));
      i += 10;
    } else if (simple[e] !== undefined && !(e === '0' && /[0-9]/.test(text[i + 2] ?? ''))) {
      units.push(simple[e] as number);
      i += 2;
    } else {
      units.push(92); // F# keeps an unknown escape's backslash
      i += 1;
    }
  }
};
