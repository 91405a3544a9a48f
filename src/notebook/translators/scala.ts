/**
 * Scala (`scala`, `sparkkernel`). Papermill's forms (`val x = v`, `Seq(...)`, `Map("k" -> v)`, `L` on
 * ints outside int32), with these fixes:
 * - strings: Scala has no `\x` escape, so papermill's `\xNN` does not compile. Control characters and
 *   non-ASCII use `\uNNNN` (UTF-16 units; astral characters as a surrogate pair). Scala 2 up to 2.13.1
 *   decodes `\uNNNN` *before* lexing, so quote, backslash, CR and LF always use `\"`, `\\`, `\r`, `\n`
 *   and are never written as `\u0022`, `\u005c`, `\u000d`, `\u000a`;
 * - NaN / ±inf render as `Double.NaN` / `Double.PositiveInfinity` / `Double.NegativeInfinity`;
 * - ints outside int64 render as `BigInt("...")` (papermill's `...L` does not compile).
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
} from './common';

const NAMED: Record<number, string> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

export function scalaString(s: string): string {
  const body = escapeCodePoints(s, (cp, ch) => {
    const named = NAMED[cp];
    if (named !== undefined) return named;
    if (cp >= 0x20 && cp < 0x7f) return ch;
    // UTF-16 units: an astral character becomes its surrogate pair.
    let out = '';
    for (let i = 0; i < ch.length; i++) out += `\\u${hex(ch.charCodeAt(i), 4)}`;
    return out;
  });
  return `"${body}"`;
}

export class ScalaTranslator extends BaseTranslator {
  readonly id = 'scala' as const;
  readonly language = 'Scala';
  protected readonly identifier = /^[\p{L}_$][\p{L}\p{N}_$]*$/u;

  protected none(): string {
    return 'None';
  }

  protected override int(v: number | bigint): string {
    const b = intBigint(v);
    if (inRange(b, INT32_MIN, INT32_MAX)) return b.toString();
    if (inRange(b, INT64_MIN, INT64_MAX)) return `${b}L`;
    return `BigInt("${b}")`;
  }

  protected override readonly nonFinite = {
    nan: 'Double.NaN',
    inf: 'Double.PositiveInfinity',
    negInf: 'Double.NegativeInfinity',
  };

  protected str(s: string): string {
    return scalaString(s);
  }

  protected list(items: ParamValue[], at: string): string {
    return `Seq(${items.map((v, i) => this.renderValue(v, itemPath(at, i))).join(', ')})`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    const parts = entries.map(([k, v]) => `${scalaString(k)} -> ${this.renderValue(v, keyPath(at, k))}`);
    return `Map(${parts.join(', ')})`;
  }

  protected commentLine(text: string): string {
    // Scala 2 decodes `\uNNNN` even inside comments, so `\u000a` there would end the comment.
    if (text.includes('\\u')) this.fail('comment', 'a Scala comment cannot contain "\\u"');
    return `// ${text}`;
  }

  protected override assign(name: string, rendered: string): string {
    return `val ${name} = ${rendered}`;
  }
}
