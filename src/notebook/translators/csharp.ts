/**
 * C# (`.net-csharp`). Papermill's forms (`var x = v;`, `new [] { a, b }`,
 * `new Dictionary<string,Object>{ { "k" , v } }`, `L` on ints outside int32), with these fixes:
 * - None renders as `null` (papermill raises "Option type not implemented for C#"), and a top-level
 *   None as `var x = (object)null;`;
 * - NaN / ±inf render as `double.NaN` / `double.PositiveInfinity` / `double.NegativeInfinity`
 *   (papermill writes `nan` / `inf`);
 * - strings: C#'s `\x` escape takes one to four hex digits, so papermill's `\x01` followed by a hex
 *   digit reads as a different character; `\uNNNN` (fixed width) is used instead;
 * - ints outside int64 render as `System.Numerics.BigInteger.Parse("...")`;
 * - an array whose elements have no common C# type (empty, mixed, or nulls among value types) renders
 *   as `new object[] { ... }`, since `new [] { ... }` does not compile there.
 */
import type { ParamValue } from '../values';
import {
  BaseTranslator,
  INT32_MAX,
  INT32_MIN,
  INT64_MAX,
  INT64_MIN,
  escapeCodePoints,
  hex,
  inRange,
  intBigint,
  itemPath,
  keyPath,
  kindOf,
  pythonUnicodeEscape,
} from './common';

export function csharpString(s: string): string {
  const body = escapeCodePoints(s, (cp, ch) => {
    if (cp === 0x22) return '\\"';
    if (cp < 0x20 || (cp >= 0x7f && cp < 0x100)) {
      if (cp === 0x09 || cp === 0x0a || cp === 0x0d) return pythonUnicodeEscape(cp, ch);
      return `\\u${hex(cp, 4)}`;
    }
    return pythonUnicodeEscape(cp, ch);
  });
  return `"${body}"`;
}

const VALUE_TYPES = new Set(['bool', 'int', 'long', 'double', 'BigInteger']);
const NUMERIC = new Set(['int', 'long', 'double']);

export class CSharpTranslator extends BaseTranslator {
  readonly id = 'csharp' as const;
  readonly language = 'C#';
  protected readonly identifier = /^@?[\p{L}_][\p{L}\p{N}_]*$/u;

  protected none(): string {
    return 'null';
  }

  protected override int(v: number | bigint): string {
    const b = intBigint(v);
    if (inRange(b, INT32_MIN, INT32_MAX)) return b.toString();
    if (inRange(b, INT64_MIN, INT64_MAX)) return `${b}L`;
    return `System.Numerics.BigInteger.Parse("${b}")`;
  }

  protected override readonly nonFinite = {
    nan: 'double.NaN',
    inf: 'double.PositiveInfinity',
    negInf: 'double.NegativeInfinity',
  };

  protected str(s: string): string {
    return csharpString(s);
  }

  protected list(items: ParamValue[], at: string): string {
    const rendered = items.map((v, i) => this.renderValue(v, itemPath(at, i)));
    const typed = commonType(items.map(staticType)) !== undefined;
    return `new ${typed ? '' : 'object'}[] { ${rendered.join(', ')} }`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    const kvps = entries.map(([k, v]) => `{ ${csharpString(k)} , ${this.renderValue(v, keyPath(at, k))} }`);
    return `new Dictionary<string,Object>{ ${kvps.join(', ')} }`;
  }

  protected commentLine(text: string): string {
    return `// ${text}`;
  }

  protected override assign(name: string, rendered: string, value: ParamValue): string {
    // `var x = null;` does not compile (CS0815: no type to infer), so a top-level None is typed.
    return `var ${name} = ${kindOf(value) === 'none' ? '(object)null' : rendered};`;
  }
}

/** The static C# type of a rendered value, as far as choosing an array's element type needs it. */
function staticType(v: ParamValue): string {
  switch (kindOf(v)) {
    case 'none':
      return 'null';
    case 'str':
      return 'string';
    case 'bool':
      return 'bool';
    case 'int': {
      const b = intBigint(v as number | bigint);
      if (inRange(b, INT32_MIN, INT32_MAX)) return 'int';
      return inRange(b, INT64_MIN, INT64_MAX) ? 'long' : 'BigInteger';
    }
    case 'float':
      return 'double';
    case 'dict':
      return 'Dictionary';
    case 'list': {
      const items = v as ParamValue[];
      return `${commonType(items.map(staticType)) ?? 'object'}[]`;
    }
    default:
      return 'object';
  }
}

/** The best common type C# infers for `new [] { ... }`, or undefined when it has none. */
function commonType(types: string[]): string | undefined {
  const nonNull = types.filter((t) => t !== 'null');
  if (nonNull.length === 0) return undefined;
  const distinct = new Set(nonNull);
  let best: string | undefined;
  if (distinct.size === 1) best = nonNull[0];
  else if ([...distinct].every((t) => NUMERIC.has(t))) best = distinct.has('double') ? 'double' : 'long';
  if (best === undefined) return undefined;
  return nonNull.length < types.length && VALUE_TYPES.has(best) ? undefined : best;
}
