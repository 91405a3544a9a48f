/**
 * What every translator shares: the value classification (papermill's dispatch order), Python's number
 * formatting (papermill renders ints and floats with Python's `str()`), Python's `unicode_escape` codec,
 * and the base class that assembles a cell from a comment line and one assignment per parameter.
 */
import { NbcError } from '../../errors';
import { isPlainObject } from '../../json';
import { FloatValue, type ParamObject, type ParamValue, type Parameters } from '../values';
import { pyStrip } from '../python-text';
import type { TranslatorId } from './id';
import { isReservedName } from './reserved';

export type { TranslatorId };

/** Renders parameter values as source code of one kernel language. */
export interface Translator {
  readonly id: TranslatorId;
  /** Human-readable language name, used in messages. */
  readonly language: string;
  /** The value as an expression; `at` names it in error messages (default `value`). */
  renderValue(value: ParamValue, at?: string): string;
  /** One statement assigning `value` to `name` (no trailing newline). */
  renderAssignment(name: string, value: ParamValue): string;
  /** A one-line comment. */
  renderComment(text: string): string;
  /** The whole injected cell: the comment line, then one assignment per parameter, each ending in `\n`. */
  renderCell(params: Parameters, comment?: string): string;
}

export type Kind = 'none' | 'str' | 'bool' | 'int' | 'float' | 'dict' | 'list';

/**
 * Papermill's dispatch order: None, str, bool, int, float, dict, list. `undefined` for anything that is
 * not a parameter value (papermill would render `str(value)` in quotes without escaping).
 */
export function kindOf(v: ParamValue): Kind | undefined {
  if (v === null) return 'none';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  // An integral number beyond 2^53 cannot be an exact int (those are bigint), so it came from a float
  // such as JSON's 1e300: render it as one rather than as hundreds of made-up digits.
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'int' : 'float';
  if (v instanceof FloatValue) return 'float';
  if (Array.isArray(v)) return 'list';
  if (isPlainObject(v)) return 'dict';
  return undefined;
}

/** Decimal digits of an integral value (never exponent notation, never `-0`). */
export function intText(v: number | bigint): string {
  return typeof v === 'bigint' ? v.toString() : BigInt(v).toString();
}

export function intBigint(v: number | bigint): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

export const INT32_MIN = -(2n ** 31n);
export const INT32_MAX = 2n ** 31n - 1n;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function inRange(v: bigint, lo: bigint, hi: bigint): boolean {
  return v >= lo && v <= hi;
}

/**
 * Python's `repr(float)` / `str(float)`: the shortest digits that round-trip (JavaScript finds the same
 * digits), positional notation for decimal exponents -4..15 and scientific otherwise (`1e-05`, `1e+16`),
 * and always a `.0` on integral values.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '', expText = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

export function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0');
}

/** One escape for one code point (lone surrogates come through as their own code point). */
export type CodePointEscaper = (cp: number, ch: string) => string;

export function escapeCodePoints(s: string, esc: CodePointEscaper): string {
  let out = '';
  for (const ch of s) out += esc(ch.codePointAt(0) ?? 0, ch);
  return out;
}

/**
 * Python's `unicode_escape` codec for one code point: backslash doubled, \t \n \r named, other control
 * characters and U+007F..U+00FF as `\xNN`, the rest of the BMP as `\uNNNN`, astral as `\UNNNNNNNN`.
 */
export function pythonUnicodeEscape(cp: number, ch: string): string {
  if (cp === 0x5c) return '\\\\';
  if (cp === 0x09) return '\\t';
  if (cp === 0x0a) return '\\n';
  if (cp === 0x0d) return '\\r';
  if (cp < 0x20 || (cp >= 0x7f && cp < 0x100)) return `\\x${hex(cp, 2)}`;
  if (cp >= 0x10000) return `\\U${hex(cp, 8)}`;
  if (cp >= 0x100) return `\\u${hex(cp, 4)}`;
  return ch;
}

export function isLoneSurrogate(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

export function hasLoneSurrogate(s: string): boolean {
  for (const ch of s) if (isLoneSurrogate(ch.codePointAt(0) ?? 0)) return true;
  return false;
}

/** Code points as UTF-16 code units (what MATLAB, .NET and JVM strings hold). */
export function utf16Units(s: string): number[] {
  const units: number[] = [];
  for (let i = 0; i < s.length; i++) units.push(s.charCodeAt(i));
  return units;
}

/** Where a value sits inside a parameter, for messages: `x`, `x[2]`, `x["key"]`. */
export function itemPath(at: string, index: number): string {
  return `${at}[${index}]`;
}

export function keyPath(at: string, key: string): string {
  return `${at}[${JSON.stringify(key)}]`;
}

// eslint-disable-next-line no-control-regex -- line breaks and control characters are what we reject
const COMMENT_HAZARD = /[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]/;

/**
 * Base for the per-language translators. Subclasses render each kind; this class dispatches, checks
 * names and comments, and assembles the cell exactly as papermill's `codify` does.
 */
export abstract class BaseTranslator implements Translator {
  abstract readonly id: TranslatorId;
  abstract readonly language: string;
  /** Names this language accepts as a plain variable name. */
  protected abstract readonly identifier: RegExp;

  protected abstract none(at: string): string;
  protected abstract str(s: string, at: string): string;
  protected abstract list(items: ParamValue[], at: string): string;
  protected abstract dict(entries: Array<[string, ParamValue]>, at: string): string;
  protected abstract commentLine(text: string): string;

  protected bool(b: boolean): string {
    return b ? 'true' : 'false';
  }

  protected int(v: number | bigint, _at: string): string {
    return intText(v);
  }

  /** How the language spells NaN and ±infinity (papermill's raw `nan`/`inf` unless a language overrides). */
  protected readonly nonFinite: { nan: string; inf: string; negInf: string } = {
    nan: 'nan',
    inf: 'inf',
    negInf: '-inf',
  };

  protected float(x: number, _at: string): string {
    if (Number.isNaN(x)) return this.nonFinite.nan;
    if (x === Infinity) return this.nonFinite.inf;
    if (x === -Infinity) return this.nonFinite.negInf;
    return pythonFloatRepr(x);
  }

  protected assign(name: string, rendered: string, _value: ParamValue): string {
    return `${name} = ${rendered}`;
  }

  /** The name as it appears in the code; throws if the language cannot use it as a variable name. */
  protected variableName(name: string): string {
    if (!this.identifier.test(name)) {
      this.fail(name, `${JSON.stringify(name)} is not a valid ${this.language} variable name`);
    }
    if (isReservedName(this.id, name)) {
      this.fail(
        name,
        `${JSON.stringify(name)} is reserved in ${this.language} (a keyword or a read-only name); rename the parameter`,
      );
    }
    return name;
  }

  protected fail(at: string, reason: string): never {
    throw new NbcError('E_PARAMETER', `Cannot render parameter ${at} for ${this.language}: ${reason}`, {
      field: at,
      language: this.language,
    });
  }

  renderValue(value: ParamValue, at = 'value'): string {
    switch (kindOf(value)) {
      case 'none':
        return this.none(at);
      case 'str':
        return this.str(value as string, at);
      case 'bool':
        return this.bool(value as boolean);
      case 'int':
        return this.int(value as number | bigint, at);
      case 'float':
        return this.float(value instanceof FloatValue ? value.value : (value as number), at);
      case 'dict':
        return this.dict(Object.entries(value as ParamObject), at);
      case 'list':
        return this.list(value as ParamValue[], at);
      default:
        return this.fail(at, `unsupported value type (${describe(value)})`);
    }
  }

  renderAssignment(name: string, value: ParamValue): string {
    return this.assign(this.variableName(name), this.renderValue(value, name), value);
  }

  renderComment(text: string): string {
    // A line break would end the comment and turn the rest into code.
    if (COMMENT_HAZARD.test(text)) {
      throw new NbcError(
        'E_PARAMETER',
        `The injected cell's comment must be one line of text: ${JSON.stringify(text)}`,
        {
          field: 'comment',
        },
      );
    }
    return pyStrip(this.commentLine(text));
  }

  renderCell(params: Parameters, comment = 'Parameters'): string {
    let out = `${this.renderComment(comment)}\n`;
    for (const [name, value] of Object.entries(params)) out += `${this.renderAssignment(name, value)}\n`;
    return out;
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'object' && v !== null) return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
