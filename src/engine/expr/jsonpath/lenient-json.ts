/**
 * JSON literals inside Jayway filters (`[?(@.tag in ['a','b'])]`) are read by json-smart in permissive
 * mode: single- or double-quoted strings, bare words as strings, the usual numbers and literals.
 */
import { setOwn, type JsonObject, type JsonValue } from '../../../json';
import { InvalidPathError } from './errors';

export function parseLenientJson(text: string): JsonValue {
  const parser = new LenientParser(text);
  const value = parser.value();
  parser.end();
  return value;
}

class LenientParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  private fail(): never {
    throw new InvalidPathError(`Invalid JSON literal in filter: ${this.text}`);
  }

  private blanks(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  end(): void {
    this.blanks();
    if (this.pos !== this.text.length) this.fail();
  }

  value(): JsonValue {
    this.blanks();
    const c = this.text[this.pos];
    if (c === '[') return this.array();
    if (c === '{') return this.object();
    if (c === '"' || c === "'") return this.string(c);
    return this.word();
  }

  private array(): JsonValue[] {
    const items: JsonValue[] = [];
    this.pos++;
    this.blanks();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.blanks();
      const c = this.text[this.pos++];
      if (c === ']') return items;
      if (c !== ',') this.fail();
    }
  }

  private object(): JsonObject {
    const out: JsonObject = {};
    this.pos++;
    this.blanks();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.blanks();
      const q = this.text[this.pos];
      const key = q === '"' || q === "'" ? this.string(q) : this.bare(':');
      this.blanks();
      if (this.text[this.pos++] !== ':') this.fail();
      setOwn(out, key, this.value());
      this.blanks();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') this.fail();
    }
  }

  private string(quote: string): string {
    let out = '';
    for (this.pos++; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos] as string;
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[++this.pos];
      if (e === 'u') {
        out += String.fromCharCode(parseInt(this.text.slice(this.pos + 1, this.pos + 5), 16));
        this.pos += 4;
      } else {
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
        out += e === undefined ? '' : (map[e] ?? e);
      }
    }
    return this.fail();
  }

  private bare(stop: string): string {
    const start = this.pos;
    while (this.pos < this.text.length && !`,]}${stop}`.includes(this.text[this.pos] as string)) this.pos++;
    const word = this.text.slice(start, this.pos).trim();
    if (word === '') this.fail();
    return word;
  }

  private word(): JsonValue {
    const word = this.bare('');
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(word)) return Number(word);
    return word;
  }
}
