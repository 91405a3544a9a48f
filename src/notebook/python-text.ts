/**
 * Python's own text rules, for the places where papermill's behaviour depends on them: `str.strip()`,
 * `str.splitlines()`, and the Unicode digits `int()` / `float()` accept. JavaScript's `trim()` and line
 * splitting use different character sets, so matching papermill byte for byte needs these.
 */

/** Characters for which Python's `str.isspace()` is true (what `strip()` removes and `\s` matches). */
export const PY_WHITESPACE =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const LEADING_WS = new RegExp(`^[${PY_WHITESPACE}]+`);
const TRAILING_WS = new RegExp(`[${PY_WHITESPACE}]+$`);

export function pyStrip(s: string): string {
  return s.replace(LEADING_WS, '').replace(TRAILING_WS, '');
}

/** `str.splitlines()`: splits on \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, U+2028, U+2029; no trailing empty line. */
export function pySplitlines(s: string): string[] {
  // eslint-disable-next-line no-control-regex -- these control characters are Python's line breaks
  const lines = s.split(/\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const IS_DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * Unicode decimal digits (category Nd) replaced by ASCII digits, as Python's `int()` and `float()` do
 * before parsing. Unicode assigns Nd characters only in contiguous runs of ten starting at zero, so a
 * digit's value is its distance from the start of its run, modulo 10.
 */
export function asciiDigits(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80 || !IS_DECIMAL_DIGIT.test(ch)) {
      out += ch;
      continue;
    }
    let start = cp;
    while (start > 0 && IS_DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
    out += String((cp - start) % 10);
  }
  return out;
}
