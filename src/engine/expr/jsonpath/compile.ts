/**
 * A JsonPath compiler with Jayway's (json-path 2.x) syntax rules, which Conductor uses for `${…}` paths:
 * the `$.` prefix is optional; dot and bracket notation; `['a','b']`; `[0]`, `[-1]`, `[0,2]`; slices
 * `[1:]`, `[:2]`, `[1:3]`; `*` and `[*]`; deep scan `..`; filters `[?(…)]`; trailing functions `.length()`.
 * Written from Jayway's documented behaviour and checked against json-path 2.10 (see the tests).
 */
import { InvalidPathError } from './errors';
import type { CompiledPath, FunctionArg, PathToken } from './ast';
import { compileFilter } from './filter';
import { matchingClose, unescapeJayway } from './text';

const SPACE = ' ';

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isWhitespace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Compile a path; throws InvalidPathError with Jayway-like messages. */
export function compilePath(path: string): CompiledPath {
  if (path.length === 0) throw new InvalidPathError('Path must not be null or empty');
  let text = trimSpaces(path);
  if (text[0] !== '$' && text[0] !== '@') text = trimSpaces(`$.${path}`);
  if (text.endsWith('.')) throw new InvalidPathError("Path must not end with a '.' or '..'");
  return invertScanFunction(new PathCompiler(text).compile());
}

/** `$..x.fn()` is evaluated as `$.fn($..x)` (a definite path), as Jayway's CompiledPath does. */
function invertScanFunction(path: CompiledPath): CompiledPath {
  const last = path.tokens[path.tokens.length - 1];
  if (last?.type !== 'function' || path.tokens[0]?.type !== 'scan') return path;
  const inner: CompiledPath = { root: path.root, tokens: path.tokens.slice(0, -1) };
  return {
    root: path.root,
    tokens: [{ type: 'function', name: last.name, args: [{ kind: 'path', path: inner }] }],
  };
}

/** Jayway trims blanks (spaces only) at both ends. */
function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end - 1 && text[start] === SPACE) start++;
  while (end - 1 > start && text[end - 1] === SPACE) end--;
  return text.slice(start, end);
}

class PathCompiler {
  private pos = 0;
  private readonly tokens: PathToken[] = [];
  private readonly last: number;

  constructor(private readonly text: string) {
    this.last = text.length - 1;
  }

  compile(): CompiledPath {
    while (isWhitespace(this.text[this.pos])) this.pos++;
    const root = this.text[this.pos];
    if (root !== '$' && root !== '@') throw new InvalidPathError("Path must start with '$' or '@'");
    if (this.pos < this.last) {
      this.pos++;
      const c = this.text[this.pos];
      if (c !== '.' && c !== '[') {
        throw new InvalidPathError(`Illegal character at position ${this.pos} expected '.' or '['`);
      }
      this.readNext();
    }
    return { root, tokens: this.tokens };
  }

  private fail(message: string): never {
    throw new InvalidPathError(message);
  }

  private charAt(i: number): string | undefined {
    return i >= 0 && i <= this.last ? this.text[i] : undefined;
  }

  /** Jayway stops when at most one character is left (`currentIsTail`), so `$['a']x` ≡ `$['a']`. */
  private continueAfter(position: number): void {
    this.pos = position;
    if (this.pos < this.last) this.readNext();
  }

  private nextSignificantIndex(from: number): number {
    let i = from + 1;
    while (i <= this.last && this.text[i] === SPACE) i++;
    return i;
  }

  private nextSignificant(from = this.pos): string | undefined {
    return this.charAt(this.nextSignificantIndex(from));
  }

  private readNext(): void {
    const c = this.text[this.pos];
    if (c === '[') {
      if (this.readBracketProperty() || this.readArray() || this.readWildcard() || this.readFilter()) return;
      this.fail(`Could not parse token starting at position ${this.pos}. Expected ?, ', 0-9, * `);
    }
    if (c === '.') return this.readDot();
    if (c === '*') {
      if (!this.readWildcard()) this.fail(`Could not parse token starting at position ${this.pos}`);
      return;
    }
    if (!this.readPropertyOrFunction()) this.fail(`Could not parse token starting at position ${this.pos}`);
  }

  private readDot(): void {
    if (this.charAt(this.pos + 1) === '.') {
      this.tokens.push({ type: 'scan' });
      this.pos += 2;
    } else if (this.pos + 1 > this.last) {
      this.fail("Path must not end with a '.");
    } else {
      this.pos += 1;
    }
    if (this.charAt(this.pos) === '.') this.fail(`Character '.' on position ${this.pos} is not valid.`);
    if (this.charAt(this.pos) === undefined)
      this.fail(`Could not parse token starting at position ${this.pos}`);
    this.readNext();
  }

  private readPropertyOrFunction(): boolean {
    const c = this.text[this.pos];
    if (c === '[' || c === '*' || c === '.' || c === SPACE) return false;
    const start = this.pos;
    let i = start;
    let end = -1;
    let isFunction = false;
    for (; i <= this.last; i++) {
      const ch = this.text[i];
      if (ch === SPACE) {
        this.fail(
          `Use bracket notion ['my prop'] if your property contains blank characters. position: ${this.pos}`,
        );
      }
      if (ch === '.' || ch === '[') {
        end = i;
        break;
      }
      if (ch === '(') {
        isFunction = true;
        end = i;
        break;
      }
    }
    if (end === -1) end = this.text.length;
    const name = this.text.slice(start, end);
    if (!isFunction) {
      this.tokens.push({ type: 'property', names: [name] });
      this.continueAfter(end);
      return true;
    }
    const close = this.matchingParen(end);
    if (close < 0) this.fail(`Arguments to function: '${name}' are not closed properly.`);
    const inner = this.text.slice(end + 1, close);
    const args = inner.trim() === '' ? [] : parseFunctionArgs(inner, name);
    this.tokens.push({ type: 'function', name, args });
    // Jayway leaves a no-argument call positioned on its ')' but an argument call after it.
    this.continueAfter(args.length === 0 ? close : close + 1);
    return true;
  }

  private matchingParen(open: number): number {
    let depth = 1;
    for (let i = open + 1; i <= this.last; i++) {
      if (this.text[i] === ')') depth--;
      else if (this.text[i] === '(') depth++;
      if (depth === 0) return i;
    }
    return -1;
  }

  private readBracketProperty(): boolean {
    const quote = this.nextSignificant();
    if (quote !== "'" && quote !== '"') return false;
    const names: string[] = [];
    let startOfName = this.pos + 1;
    let endOfLast = 0;
    let inName = false;
    let inEscape = false;
    let lastWasComma = false;
    for (let i = this.pos + 1; i <= this.last; i++) {
      const ch = this.text[i];
      if (inEscape) {
        inEscape = false;
      } else if (ch === '\\') {
        inEscape = true;
      } else if (ch === ']' && !inName) {
        if (lastWasComma) this.fail(`Found empty property at index ${i}`);
        break;
      } else if (ch === quote) {
        if (inName) {
          const after = this.nextSignificant(i);
          if (after !== ']' && after !== ',') {
            this.fail(
              `Property must be separated by comma or Property must be terminated close square bracket at index ${i}`,
            );
          }
          endOfLast = i;
          names.push(unescapeJayway(this.text.slice(startOfName, i)));
          inName = false;
        } else {
          startOfName = i + 1;
          inName = true;
          lastWasComma = false;
        }
      } else if (ch === ',' && !inName) {
        if (lastWasComma) this.fail(`Found empty property at index ${i}`);
        lastWasComma = true;
      }
    }
    if (inName) this.fail(`Property has not been closed - missing closing ${quote}`);
    const close = this.nextSignificantIndex(endOfLast);
    if (this.charAt(close) !== ']') this.fail('Property has not been closed - missing closing ]');
    if (names.length === 0) this.fail('Empty properties');
    this.tokens.push({ type: 'property', names });
    this.continueAfter(close + 1);
    return true;
  }

  private readArray(): boolean {
    const first = this.nextSignificant();
    if (!isDigit(first) && first !== '-' && first !== ':') return false;
    const close = this.text.indexOf(']', this.pos + 1);
    if (close < 0) return false;
    const expression = this.text.slice(this.pos + 1, close).trim();
    if (expression === '*') return false;
    if (![...expression].every((c) => isDigit(c) || c === ',' || c === '-' || c === ':' || c === SPACE)) {
      return false;
    }
    this.tokens.push(expression.includes(':') ? parseSlice(expression) : parseIndexes(expression));
    this.continueAfter(close + 1);
    return true;
  }

  private readWildcard(): boolean {
    const inBracket = this.text[this.pos] === '[';
    if (inBracket && this.nextSignificant() !== '*') return false;
    if (!inBracket && this.text[this.pos] !== '*') return false;
    let next = this.pos + 1;
    if (inBracket) {
      const star = this.nextSignificantIndex(this.pos);
      const close = this.nextSignificantIndex(star);
      if (this.charAt(close) !== ']') {
        this.fail(`Expected wildcard token to end with ']' on position ${star + 1}`);
      }
      next = close + 1;
    }
    this.tokens.push({ type: 'wildcard' });
    this.continueAfter(next);
    return true;
  }

  private readFilter(): boolean {
    const question = this.nextSignificantIndex(this.pos);
    if (this.charAt(question) !== '?') return false;
    const open = this.nextSignificantIndex(question);
    if (this.charAt(open) !== '(') return false;
    const close = matchingClose(this.text, open, '(', ')');
    if (close < 0) return false;
    const bracket = this.nextSignificantIndex(close);
    if (this.charAt(bracket) !== ']') return false;
    const filter = compileFilter(this.text.slice(open + 1, close), compilePath);
    this.tokens.push({ type: 'filter', filter });
    this.continueAfter(bracket + 1);
    return true;
  }
}

function parseInteger(token: string, what: string): number {
  if (!/^-?\d+$/.test(token)) throw new InvalidPathError(`Failed to parse token in ${what}: ${token}`);
  const n = Number(token);
  if (n > 2147483647 || n < -2147483648)
    throw new InvalidPathError(`Failed to parse token in ${what}: ${token}`);
  return n === 0 ? 0 : n;
}

function parseIndexes(expression: string): PathToken {
  const indexes = expression.split(/\s*,\s*/).map((t) => parseInteger(t, 'ArrayIndexOperation'));
  return { type: 'index', indexes };
}

function parseSlice(expression: string): PathToken {
  if (!/^[-:\d]*$/.test(expression))
    throw new InvalidPathError(`Failed to parse SliceOperation: ${expression}`);
  const parts = expression.split(':');
  // Java's split drops trailing empty strings, so "1:" has no "to"; a third part is ignored.
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const read = (i: number): number | null => {
    const t = parts[i];
    return t === undefined || t === '' ? null : parseInteger(t, 'SliceOperation');
  };
  const from = read(0);
  const to = read(1);
  if (from === null && to === null)
    throw new InvalidPathError(`Failed to parse SliceOperation: ${expression}`);
  return { type: 'slice', from, to };
}

/** Split `a, $.b, {"c":1}` at top-level commas into Jayway function parameters. */
function parseFunctionArgs(inner: string, name: string): FunctionArg[] {
  const args: FunctionArg[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  const flush = (): void => {
    const arg = current.trim();
    current = '';
    if (arg === '') return;
    const c = arg[0];
    if (c === '$' || c === '@') args.push({ kind: 'path', path: compilePath(arg) });
    else if (c === '{' || c === '"' || c === '-' || c === '[' || isDigit(c))
      args.push({ kind: 'json', text: arg });
    else throw new InvalidPathError(`Unsupported argument to function '${name}': ${arg}`);
  };
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i] as string;
    if (quote !== null) {
      if (ch === quote && inner[i - 1] !== '\\') quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
    } else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
    } else if (ch === ',' && depth === 0) {
      flush();
      continue;
    }
    current += ch;
  }
  if (depth !== 0 || quote !== null)
    throw new InvalidPathError(`Arguments to function: '${name}' are not closed properly.`);
  flush();
  return args;
}

/** A path is definite (one value, not a list) when it has no wildcard, scan, filter, slice or multi-index. */
export function isDefinite(path: CompiledPath): boolean {
  return path.tokens.every((token, i) => {
    switch (token.type) {
      case 'property':
        return token.names.length === 1 || i === path.tokens.length - 1;
      case 'index':
        return token.indexes.length === 1;
      case 'function':
        return true;
      default:
        return false;
    }
  });
}
