/** Character-level helpers shared by the path and filter compilers (Jayway's CharacterIndex rules). */
import { InvalidPathError } from './errors';

/** Index of the character closing `text[open]`, skipping quoted strings and /regex/ literals; -1 if none. */
export function matchingClose(text: string, open: number, openChar: string, closeChar: string): number {
  let depth = 1;
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" || ch === '"' || ch === '/') {
      const end = nextUnescaped(text, i, ch);
      if (end < 0)
        throw new InvalidPathError(`Could not find matching close quote for ${ch} when parsing : ${text}`);
      i = end;
      continue;
    }
    if (ch === openChar) depth++;
    else if (ch === closeChar && --depth === 0) return i;
  }
  return -1;
}

/** Index of the next `ch` after `from` that is not escaped with a backslash; -1 if none. */
export function nextUnescaped(text: string, from: number, ch: string): number {
  let escaped = false;
  for (let i = from + 1; i < text.length; i++) {
    if (escaped) escaped = false;
    else if (text[i] === '\\') escaped = true;
    else if (text[i] === ch) return i;
  }
  return -1;
}

/** Jayway's `Utils.unescape` for quoted names and string literals. */
export function unescapeJayway(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = text[++i];
    if (next === undefined) return `${out}\\`;
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new InvalidPathError(`Unable to parse unicode value: ${hex}`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
      continue;
    }
    const simple: Record<string, string> = { r: '\r', f: '\f', t: '\t', n: '\n', b: '\b' };
    out += simple[next] ?? next;
  }
  return out;
}
