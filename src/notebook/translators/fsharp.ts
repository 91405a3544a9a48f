/**
 * F# (`.net-fsharp`). Papermill's forms (`let x = v`, `None`, `[ a; b ]`,
 * `[ ("k", v :> IComparable) ] |> Map.ofList`, `L` on ints outside int32) and its strings (F#'s `\xNN`
 * is exactly two hex digits and means U+00NN, so papermill's escaping is correct here), with fixes:
 * - NaN / ±inf render as `nan` / `infinity` / `-infinity` (papermill writes `inf`, undefined in F#);
 * - ints outside int64 render with F#'s BigInteger suffix, `123...I`;
 * - a list whose elements are not all of one F# type (F# lists are homogeneous and never widen
 *   numbers) boxes every element: `[ box (1); box ("a") ]`;
 * - an empty dict renders as `Map.empty<string, IComparable>`: papermill's `[  ] |> Map.ofList` has a
 *   generic type, which F# refuses for a top-level value;
 * - a comment containing `*)` is an error (it would close the comment early).
 */
import type { ParamValue } from '../values';
import {
  BaseTranslator,
  INT32_MAX,
  INT32_MIN,
  INT64_MAX,
  INT64_MIN,
  inRange,
  intBigint,
  itemPath,
  keyPath,
  kindOf,
} from './common';
import { pythonString } from './python';

export class FSharpTranslator extends BaseTranslator {
  readonly id = 'fsharp' as const;
  readonly language = 'F#';
  protected readonly identifier = /^[\p{L}_][\p{L}\p{N}_']*$/u;

  protected none(): string {
    return 'None';
  }

  protected override int(v: number | bigint): string {
    const b = intBigint(v);
    if (inRange(b, INT32_MIN, INT32_MAX)) return b.toString();
    return inRange(b, INT64_MIN, INT64_MAX) ? `${b}L` : `${b}I`;
  }

  protected override readonly nonFinite = { nan: 'nan', inf: 'infinity', negInf: '-infinity' };

  protected str(s: string): string {
    return pythonString(s);
  }

  protected list(items: ParamValue[], at: string): string {
    const rendered = items.map((v, i) => this.renderValue(v, itemPath(at, i)));
    const homogeneous = new Set(items.map(fsType)).size <= 1;
    return `[ ${(homogeneous ? rendered : rendered.map((r) => `box (${r})`)).join('; ')} ]`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    // `[ ] |> Map.ofList` is generic, which F# rejects at the top level (value restriction).
    if (entries.length === 0) return 'Map.empty<string, IComparable>';
    const tuples = entries.map(
      ([k, v]) => `(${pythonString(k)}, ${this.renderValue(v, keyPath(at, k))} :> IComparable)`,
    );
    return `[ ${tuples.join('; ')} ] |> Map.ofList`;
  }

  protected commentLine(text: string): string {
    if (text.includes('*)')) this.fail('comment', 'an F# comment cannot contain "*)"');
    return `(* ${text} *)`;
  }

  protected override assign(name: string, rendered: string): string {
    return `let ${name} = ${rendered}`;
  }
}

/** The F# type of a rendered value, precise enough to tell whether a list literal is homogeneous. */
function fsType(v: ParamValue): string {
  const kind = kindOf(v);
  if (kind === 'int') {
    const b = intBigint(v as number | bigint);
    if (inRange(b, INT32_MIN, INT32_MAX)) return 'int';
    return inRange(b, INT64_MIN, INT64_MAX) ? 'int64' : 'bigint';
  }
  if (kind === 'list') {
    const types = new Set((v as ParamValue[]).map(fsType));
    return types.size === 1 ? `${[...types][0]} list` : types.size === 0 ? "'a list" : 'obj list';
  }
  return kind ?? 'unknown';
}
