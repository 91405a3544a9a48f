/**
 * bash (`bash`). Papermill's forms (`x=v`, `x=` for None, `true`/`false`, `(a b)` arrays) and its
 * `shlex.quote` strings (left bare when every character is in `[A-Za-z0-9_@%+=:,./-]`, else in single
 * quotes with `'` written `'"'"'`; `''` when empty). Fixes:
 * - a flat dict renders as an associative array, `declare -A x=([key]=value ...)` (papermill raises);
 * - a list or dict nested in a list or dict is a clear error (bash has no nested arrays);
 * - None inside a list renders as `''` so it keeps its position (papermill's empty word vanishes);
 * - NUL (bash strings cannot hold it), lone surrogates and empty dict keys are clear errors.
 */
import type { ParamValue } from '../values';
import { BaseTranslator, hasLoneSurrogate, itemPath, keyPath, kindOf } from './common';

const SHLEX_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (SHLEX_SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

export class BashTranslator extends BaseTranslator {
  readonly id = 'bash' as const;
  readonly language = 'bash';
  protected readonly identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

  protected none(): string {
    return '';
  }

  protected str(s: string, at: string): string {
    if (s.includes('\0')) this.fail(at, 'bash strings cannot contain NUL characters');
    if (hasLoneSurrogate(s)) this.fail(at, 'the string contains a lone UTF-16 surrogate');
    return shellQuote(s);
  }

  private element(v: ParamValue, at: string, container: string): string {
    const kind = kindOf(v);
    if (kind === 'list' || kind === 'dict') this.fail(at, `bash cannot hold a ${kind} inside a ${container}`);
    return kind === 'none' ? "''" : this.renderValue(v, at);
  }

  protected list(items: ParamValue[], at: string): string {
    return `(${items.map((v, i) => this.element(v, itemPath(at, i), 'list')).join(' ')})`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    const parts = entries.map(([k, v]) => {
      if (k === '') this.fail(keyPath(at, k), 'bash associative array keys cannot be empty');
      return `[${this.str(k, keyPath(at, k))}]=${this.element(v, keyPath(at, k), 'dict')}`;
    });
    return `(${parts.join(' ')})`;
  }

  protected commentLine(text: string): string {
    return `# ${text}`;
  }

  protected override assign(name: string, rendered: string, value: ParamValue): string {
    return kindOf(value) === 'dict' ? `declare -A ${name}=${rendered}` : `${name}=${rendered}`;
  }
}
