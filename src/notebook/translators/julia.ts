/**
 * Julia (`julia`, kernels `julia-1.x`). Papermill's forms (`nothing`, `[a, b]`, `Dict("k" => v)`), with
 * these fixes:
 * - `$` is escaped: papermill leaves it, and Julia interpolates `$name` / `$(expr)` in double-quoted
 *   strings, so a value could run code;
 * - U+0080..U+00FF use `\u00NN`: papermill's `\xNN` is a raw byte in Julia, producing invalid UTF-8;
 * - NaN / ±inf render as `NaN` / `Inf` / `-Inf` (papermill writes `nan` / `inf`, undefined in Julia);
 * - a lone UTF-16 surrogate has no Julia encoding and is a clear error.
 */
import type { ParamValue } from '../values';
import {
  BaseTranslator,
  escapeCodePoints,
  hasLoneSurrogate,
  hex,
  itemPath,
  keyPath,
  pythonUnicodeEscape,
} from './common';

export class JuliaTranslator extends BaseTranslator {
  readonly id = 'julia' as const;
  readonly language = 'Julia';
  protected readonly identifier = /^[\p{L}_][\p{L}\p{N}_!]*$/u;

  protected none(): string {
    return 'nothing';
  }

  protected override readonly nonFinite = { nan: 'NaN', inf: 'Inf', negInf: '-Inf' };

  protected str(s: string, at: string): string {
    if (hasLoneSurrogate(s)) this.fail(at, 'the string contains a lone UTF-16 surrogate');
    const body = escapeCodePoints(s, (cp, ch) => {
      if (cp === 0x22) return '\\"';
      if (cp === 0x24) return '\\$';
      if (cp >= 0x80 && cp < 0x100) return `\\u${hex(cp, 4)}`;
      return pythonUnicodeEscape(cp, ch);
    });
    return `"${body}"`;
  }

  protected list(items: ParamValue[], at: string): string {
    return `[${items.map((v, i) => this.renderValue(v, itemPath(at, i))).join(', ')}]`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    const parts = entries.map(
      ([k, v]) => `${this.str(k, keyPath(at, k))} => ${this.renderValue(v, keyPath(at, k))}`,
    );
    return `Dict(${parts.join(', ')})`;
  }

  protected commentLine(text: string): string {
    return `# ${text}`;
  }
}
