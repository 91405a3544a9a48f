/**
 * PowerShell (`.net-powershell`). Papermill's forms (`$x = v`, `$Null`, `$True`, `@(a, b)`,
 * `@{"k" = v<newline> ...}`, `[double]::NaN`), with these fixes:
 * - strings: papermill writes double-quoted strings, where PowerShell expands `$var` and `$(...)`
 *   (running code) and where `\n` is not an escape. Papermill's form is kept only for printable ASCII
 *   without `$`, backtick or backslash (`"` is escaped as backtick-quote, which is correct). Anything
 *   else is single-quoted, where nothing expands; `'` is doubled, and so are U+2018..U+201B, which
 *   PowerShell also treats as single quotes. Control characters and lone surrogates are concatenated
 *   in as `[char]N`: `('line 1' + [char]10 + 'line 2')`;
 * - ints outside the range PowerShell parses exactly (decimal) render as `[bigint]'...'`;
 * - a one-element list holding a list renders as `@(,@(...))`: `@(@(1, 2))` flattens to `@(1, 2)`.
 */
import type { ParamValue } from '../values';
import { BaseTranslator, intBigint, intText, isLoneSurrogate, itemPath, keyPath, kindOf } from './common';

const DECIMAL_MAX = 79228162514264337593543950335n;
const SINGLE_QUOTES = /['\u2018-\u201b]/g;

function isCharCodeNeeded(cp: number): boolean {
  return cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || isLoneSurrogate(cp);
}

export function powershellString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s) && !/[$`\\]/.test(s)) return `"${s.replace(/"/g, '`"')}"`;
  const exprs: string[] = [];
  let literal = '';
  let literalOpen = false;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isCharCodeNeeded(cp)) {
      if (literalOpen) exprs.push(`'${literal}'`);
      literal = '';
      literalOpen = false;
      exprs.push(`[char]${cp}`);
    } else {
      literal += ch.replace(SINGLE_QUOTES, (q) => q + q);
      literalOpen = true;
    }
  }
  if (literalOpen || exprs.length === 0) exprs.push(`'${literal}'`);
  // The value must be a string, and `[char] + string` is not concatenation: lead with a string.
  if ((exprs[0] as string).startsWith('[char]')) exprs.unshift("''");
  return exprs.length === 1 ? (exprs[0] as string) : `(${exprs.join(' + ')})`;
}

export class PowerShellTranslator extends BaseTranslator {
  readonly id = 'powershell' as const;
  readonly language = 'PowerShell';
  protected readonly identifier = /^[\p{L}\p{N}_]+$/u;

  protected none(): string {
    return '$Null';
  }

  protected override bool(b: boolean): string {
    return b ? '$True' : '$False';
  }

  protected override int(v: number | bigint): string {
    const b = intBigint(v);
    return b <= DECIMAL_MAX && b >= -DECIMAL_MAX ? intText(v) : `[bigint]'${b}'`;
  }

  protected override readonly nonFinite = {
    nan: '[double]::NaN',
    inf: '[double]::PositiveInfinity',
    negInf: '[double]::NegativeInfinity',
  };

  protected str(s: string): string {
    return powershellString(s);
  }

  protected list(items: ParamValue[], at: string): string {
    const rendered = items.map((v, i) => this.renderValue(v, itemPath(at, i)));
    const only = items.length === 1 ? items[0] : undefined;
    const prefix = only !== undefined && kindOf(only) === 'list' ? ',' : '';
    return `@(${prefix}${rendered.join(', ')})`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    const kvps = entries.map(([k, v]) => `${powershellString(k)} = ${this.renderValue(v, keyPath(at, k))}`);
    return `@{${kvps.join('\n ')}}`;
  }

  protected commentLine(text: string): string {
    return `# ${text}`;
  }

  protected override assign(name: string, rendered: string): string {
    return `$${name} = ${rendered}`;
  }
}
