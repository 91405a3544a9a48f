/**
 * R (language `R`, kernels `ir`, `sparkrkernel`). Papermill's forms (`NULL`, `TRUE`, `list(...)`,
 * `list("k" = v)`, leading underscores dropped from names), with these fixes:
 * - NaN / ±inf render as `NaN` / `Inf` / `-Inf` (papermill writes `nan` / `inf`, undefined in R);
 * - non-ASCII characters use `\uNNNN` / `\UNNNNNNNN`: papermill's `\xe9` is a raw byte in R, not é;
 * - R refuses a string that mixes `\u` and `\x` escapes, so in a string that needs `\u` the control
 *   characters are written `\u00NN` too (ASCII-only strings keep papermill's `\xNN`);
 * - R strings cannot hold NUL, and R has no name for an empty list key: both are clear errors.
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

export class RTranslator extends BaseTranslator {
  readonly id = 'r' as const;
  readonly language = 'R';
  protected readonly identifier = /^(?:[\p{L}]|\.(?![0-9]))[\p{L}\p{N}._]*$|^\.$/u;

  protected override variableName(name: string): string {
    // Papermill: leading underscores are not legal in R names, so they are dropped.
    return super.variableName(name.replace(/^_+/, ''));
  }

  protected none(): string {
    return 'NULL';
  }

  protected override bool(b: boolean): string {
    return b ? 'TRUE' : 'FALSE';
  }

  protected override readonly nonFinite = { nan: 'NaN', inf: 'Inf', negInf: '-Inf' };

  protected str(s: string, at: string): string {
    if (s.includes('\0')) this.fail(at, 'R strings cannot contain NUL characters');
    if (hasLoneSurrogate(s)) this.fail(at, 'the string contains a lone UTF-16 surrogate');
    const needsUnicode = /[^\p{ASCII}]/u.test(s);
    const body = escapeCodePoints(s, (cp, ch) => {
      if (cp === 0x22) return '\\"';
      if (needsUnicode && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d && (cp < 0x20 || cp >= 0x7f)) {
        return cp >= 0x10000 ? `\\U${hex(cp, 8)}` : `\\u${hex(cp, 4)}`;
      }
      return pythonUnicodeEscape(cp, ch);
    });
    return `"${body}"`;
  }

  protected list(items: ParamValue[], at: string): string {
    return `list(${items.map((v, i) => this.renderValue(v, itemPath(at, i))).join(', ')})`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    const parts = entries.map(([k, v]) => {
      if (k === '') this.fail(keyPath(at, k), 'R list names cannot be empty');
      return `${this.str(k, keyPath(at, k))} = ${this.renderValue(v, keyPath(at, k))}`;
    });
    return `list(${parts.join(', ')})`;
  }

  protected commentLine(text: string): string {
    return `# ${text}`;
  }
}
