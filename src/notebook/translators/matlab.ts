/**
 * MATLAB (`matlab`). Papermill's forms (`x = v;`, `NaN` for None, cell arrays `{a, b}`,
 * `containers.Map({'k'}, {v})`), with these fixes:
 * - MATLAB string literals have no backslash escapes, so papermill's `unicode_escape` output is wrong
 *   for backslashes (`\\` stays two characters), newlines (`\n` stays two characters) and non-ASCII
 *   (`\xe9` stays four). Printable ASCII is written literally (`"` doubled, `'` doubled in char arrays);
 *   every other character is concatenated in: `("line 1" + newline + "caf" + char(233))`, and in
 *   keys `['caf', char(233)]`. The concatenation is parenthesised so it stays one element inside `{}`;
 * - an empty dict renders as `containers.Map()` (the documented empty constructor) rather than
 *   papermill's `containers.Map({}, {})`.
 * NaN / ±inf keep papermill's `nan` / `inf` / `-inf`: MATLAB defines those lowercase names too.
 */
import type { ParamValue } from '../values';
import { BaseTranslator, itemPath, keyPath, utf16Units } from './common';

type Piece = { literal: string } | { units: number[] };

/** Runs of printable ASCII (written literally) and runs of other UTF-16 units (written as numbers). */
function pieces(s: string): Piece[] {
  const out: Piece[] = [];
  for (const unit of utf16Units(s)) {
    const printable = unit >= 0x20 && unit < 0x7f;
    const last = out[out.length - 1];
    if (printable && last && 'literal' in last) last.literal += String.fromCharCode(unit);
    else if (!printable && last && 'units' in last) last.units.push(unit);
    else out.push(printable ? { literal: String.fromCharCode(unit) } : { units: [unit] });
  }
  return out;
}

function unitsExpr(units: number[]): string {
  if (units.length === 1 && units[0] === 0x0a) return 'newline';
  return units.length === 1 ? `char(${units[0]})` : `char([${units.join(' ')}])`;
}

/** A MATLAB string scalar (double quotes). */
export function matlabString(s: string): string {
  const parts = pieces(s);
  if (parts.length === 0) return '""';
  const exprs = parts.map((p) =>
    'literal' in p ? `"${p.literal.replace(/"/g, '""')}"` : unitsExpr(p.units),
  );
  if (exprs.length === 1 && 'literal' in (parts[0] as Piece)) return exprs[0] as string;
  // `string + char` is a string; start with "" so the expression is a string even if it opens with char().
  if (!('literal' in (parts[0] as Piece))) exprs.unshift('""');
  return `(${exprs.join(' + ')})`;
}

/** A MATLAB char array (single quotes), as containers.Map keys are. */
export function matlabCharArray(s: string): string {
  const parts = pieces(s);
  if (parts.length === 0) return "''";
  const exprs = parts.map((p) =>
    'literal' in p ? `'${p.literal.replace(/'/g, "''")}'` : unitsExpr(p.units),
  );
  return exprs.length === 1 && 'literal' in (parts[0] as Piece)
    ? (exprs[0] as string)
    : `[${exprs.join(', ')}]`;
}

export class MatlabTranslator extends BaseTranslator {
  readonly id = 'matlab' as const;
  readonly language = 'MATLAB';
  protected readonly identifier = /^[A-Za-z][A-Za-z0-9_]*$/;

  protected none(): string {
    return 'NaN';
  }

  protected str(s: string): string {
    return matlabString(s);
  }

  protected list(items: ParamValue[], at: string): string {
    return `{${items.map((v, i) => this.renderValue(v, itemPath(at, i))).join(', ')}}`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    if (entries.length === 0) return 'containers.Map()';
    const keys = entries.map(([k]) => matlabCharArray(k)).join(', ');
    const values = entries.map(([k, v]) => this.renderValue(v, keyPath(at, k))).join(', ');
    return `containers.Map({${keys}}, {${values}})`;
  }

  protected commentLine(text: string): string {
    return `% ${text}`;
  }

  protected override assign(name: string, rendered: string): string {
    return `${name} = ${rendered};`;
  }
}
