/**
 * Jayway filter expressions `[?(…)]`: `&&`, `||`, `!`, parentheses, paths (`@.x`, `$.y`), literals
 * (strings in either quote, numbers, true/false/null, JSON `[…]`/`{…}`, `/regex/flags`) and the relational
 * operators `== != === !== < <= > >= =~ in nin contains all size empty subsetof anyof noneof`.
 * A bare path is an existence check (`[?(@.isbn)]`, `[?(!@.isbn)]`).
 */
import type { CompiledPath, FilterNode, FilterValue, Operand, RelationalOperator } from './ast';
import { matchingClose, nextUnescaped, unescapeJayway } from './text';
import { InvalidPathError } from './errors';
import { parseLenientJson } from './lenient-json';

const OPERATORS: readonly string[] = [
  '>=',
  '<=',
  '==',
  '===',
  '!=',
  '!==',
  '<',
  '>',
  '=~',
  'NIN',
  'IN',
  'CONTAINS',
  'ALL',
  'SIZE',
  'TYPE',
  'MATCHES',
  'EMPTY',
  'SUBSETOF',
  'ANYOF',
  'NONEOF',
];

/** Compiles the paths inside a filter: passed in by the path compiler, which compiles filters in turn. */
export type PathCompile = (path: string) => CompiledPath;

/** Compile the text between `[?(` and `)]`. */
export function compileFilter(text: string, compilePath: PathCompile): FilterNode {
  const compiler = new FilterCompiler(text, compilePath);
  const node = compiler.readOr();
  compiler.expectEnd();
  return node;
}

const REL_CHARS = '<>=~!';

class FilterCompiler {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly compilePath: PathCompile,
  ) {}

  /** The character at the cursor (a getter would let TypeScript narrow it across cursor moves). */
  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private skipBlanks(): void {
    while (this.peek() === ' ') this.pos++;
  }

  private fail(message: string): never {
    throw new InvalidPathError(message);
  }

  expectEnd(): void {
    this.skipBlanks();
    if (this.pos < this.text.length) {
      this.fail(`Expected end of filter expression instead of: ${this.text.slice(this.pos)}`);
    }
  }

  private consume(token: string): boolean {
    this.skipBlanks();
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  readOr(): FilterNode {
    const ops = [this.readAnd()];
    while (this.consume('||')) ops.push(this.readAnd());
    return ops.length === 1 ? (ops[0] as FilterNode) : { kind: 'or', ops };
  }

  private readAnd(): FilterNode {
    const ops = [this.readAndOperand()];
    while (this.consume('&&')) ops.push(this.readAndOperand());
    return ops.length === 1 ? (ops[0] as FilterNode) : { kind: 'and', ops };
  }

  private readAndOperand(): FilterNode {
    this.skipBlanks();
    const save = this.pos;
    if (this.peek() === '!') {
      this.pos++;
      this.skipBlanks();
      if (this.peek() !== '$' && this.peek() !== '@') return { kind: 'not', op: this.readAndOperand() };
      this.pos = save;
    }
    if (this.peek() === '(') {
      this.pos++;
      const node = this.readOr();
      this.skipBlanks();
      if (this.peek() !== ')') this.fail('Expected character: )');
      this.pos++;
      return node;
    }
    return this.readExpression();
  }

  private readExpression(): FilterNode {
    const left = this.readOperand();
    const save = this.pos;
    try {
      const op = this.readOperator();
      const right = this.readOperand();
      return { kind: 'compare', left, op, right };
    } catch (err) {
      if (!(err instanceof InvalidPathError)) throw err;
      this.pos = save;
    }
    if (left.kind !== 'path') this.fail('Expected path node');
    return { kind: 'exists', path: left.path, shouldExist: !left.negated };
  }

  private readOperand(): Operand {
    this.skipBlanks();
    const c = this.peek();
    if (c === '$' || c === '@') return this.readPath(false);
    if (c === '!') {
      this.pos++;
      this.skipBlanks();
      if (this.peek() === '$' || this.peek() === '@') return this.readPath(true);
      this.fail('Unexpected character: !');
    }
    return { kind: 'literal', value: this.readLiteral() };
  }

  private readOperator(): RelationalOperator {
    this.skipBlanks();
    const begin = this.pos;
    if (REL_CHARS.includes(this.peek() ?? '\0')) {
      while (REL_CHARS.includes(this.peek() ?? '\0')) this.pos++;
    } else {
      while (this.peek() !== undefined && this.peek() !== ' ') this.pos++;
    }
    const op = this.text.slice(begin, this.pos).toUpperCase();
    if (!OPERATORS.includes(op))
      this.fail(`Filter operator ${this.text.slice(begin, this.pos)} is not supported!`);
    return op as RelationalOperator;
  }

  private readPath(negated: boolean): Operand {
    const begin = this.pos;
    this.pos++;
    while (this.pos < this.text.length) {
      if (this.peek() === '[') {
        const close = matchingClose(this.text, this.pos, '[', ']');
        if (close < 0) this.fail(`Square brackets does not match in filter ${this.text}`);
        this.pos = close + 1;
        if (this.pos >= this.text.length) break;
      }
      const c = this.peek() as string;
      const closesFunction = c === ')' && this.closesFunction(begin);
      if (REL_CHARS.includes(c) || c === ' ' || (c === ')' && !closesFunction)) break;
      this.pos++;
    }
    return { kind: 'path', path: this.compilePath(this.text.slice(begin, this.pos)), negated };
  }

  /** A `)` right after `(` (blanks allowed) with a `.` before it in the path closes a function call. */
  private closesFunction(begin: number): boolean {
    let i = this.pos - 1;
    while (i >= 0 && this.text[i] === ' ') i--;
    if (i < 0 || this.text[i] !== '(') return false;
    for (i--; i > begin; i--) if (this.text[i] === '.') return true;
    return false;
  }

  private readLiteral(): FilterValue {
    this.skipBlanks();
    const c = this.peek();
    if (c === "'" || c === '"') return this.readString(c);
    if (c === 't' || c === 'f')
      return this.readWord(c === 't' ? 'true' : 'false', { t: 'bool', v: c === 't' });
    if (c === 'n') return this.readWord('null', { t: 'null' });
    if (c === '{' || c === '[') return this.readJson(c);
    if (c === '/') return this.readPattern();
    return this.readNumber();
  }

  private readString(quote: string): FilterValue {
    const close = nextUnescaped(this.text, this.pos, quote);
    if (close < 0)
      this.fail(`String literal does not have matching quotes. Expected ${quote} in ${this.text}`);
    const value = unescapeJayway(this.text.slice(this.pos + 1, close));
    this.pos = close + 1;
    return { t: 'str', v: value };
  }

  private readWord(word: string, value: FilterValue): FilterValue {
    if (!this.text.startsWith(word, this.pos)) this.fail(`Expected <${word}> value`);
    this.pos += word.length;
    return value;
  }

  private readJson(open: string): FilterValue {
    const close = matchingClose(this.text, this.pos, open, open === '[' ? ']' : '}');
    if (close < 0) this.fail(`String not closed. Expected ' in ${this.text}`);
    const json = parseLenientJson(this.text.slice(this.pos, close + 1));
    this.pos = close + 1;
    return { t: 'json', v: json };
  }

  private readPattern(): FilterValue {
    const close = nextUnescaped(this.text, this.pos, '/');
    if (close < 0) this.fail(`Pattern not closed. Expected / in ${this.text}`);
    const source = this.text.slice(this.pos + 1, close);
    let end = close + 1;
    while (end < this.text.length && 'dixmsuU'.includes(this.text[end] as string)) end++;
    // JavaScript has no equivalent of Java's d, x and U flags; they are accepted and ignored.
    const flags = [...new Set(this.text.slice(close + 1, end).replace(/[dxU]/g, ''))].join('');
    this.pos = end;
    try {
      return { t: 'regex', re: new RegExp(`^(?:${source})$`, flags) };
    } catch (err) {
      return this.fail(`Invalid regular expression /${source}/: ${(err as Error).message}`);
    }
  }

  private readNumber(): FilterValue {
    const begin = this.pos;
    while (/[-\d.eE]/.test(this.peek() ?? '')) this.pos++;
    const literal = this.text.slice(begin, this.pos);
    if (!/^-?(\d+\.?\d*|\.\d+)([eE]-?\d+)?$/.test(literal)) {
      this.fail(`Failed to parse filter: ${this.text}, error on position: ${begin}`);
    }
    return { t: 'num', v: Number(literal) };
  }
}
