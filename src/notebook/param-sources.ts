/**
 * Parameters from the command line, as papermill's CLI builds them: `-p NAME VALUE` typed by
 * `_resolve_type` (True/False/None, then Python `int()`, then Python `float()`, else the string),
 * `-r NAME VALUE` kept as a string, `-f FILE` / `-y YAML` / `-b BASE64_YAML` read as YAML; merged in
 * papermill's order, later sources winning: base64, files, yaml, -p, -r.
 */
import { NbcError } from '../errors';
import { asciiDigits, pyStrip } from './python-text';
import { FloatValue, type ParamValue, type Parameters } from './values';

/** YAML parameters (see param-yaml.ts); the `yaml` package is loaded only when YAML is given. */
export function parseYamlParameters(text: string, sourceLabel: string): Parameters {
  return (require('./param-yaml') as typeof import('./param-yaml')).parseYamlParameters(text, sourceLabel);
}

/** CPython refuses to convert ints longer than this many digits (`sys.get_int_max_str_digits()`). */
const INT_MAX_STR_DIGITS = 4300;
const INT_TEXT = /^([+-]?)([0-9]+(?:_[0-9]+)*)$/;
const DIGITPART = '[0-9](?:_?[0-9])*';
const FLOAT_TEXT = new RegExp(
  `^[+-]?(?:${DIGITPART}(?:\\.(?:${DIGITPART})?)?|\\.${DIGITPART})(?:[eE][+-]?${DIGITPART})?$`,
);

/** Python's `int(text)` (base 10): surrounding whitespace, a sign, `_` between digits, any size. */
export function pythonInt(text: string): number | bigint | undefined {
  const m = INT_TEXT.exec(asciiDigits(pyStrip(text)));
  if (!m) return undefined;
  const digits = (m[2] ?? '').replace(/_/g, '');
  if (digits.length > INT_MAX_STR_DIGITS) return undefined;
  const b = BigInt(`${m[1] ?? ''}${digits}`);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** Python's `float(text)`: `nan`, `inf`, `infinity` (any case, signed), `1e3`, `.5`, `5.`, `1_000.5`. */
export function pythonFloat(text: string): number | FloatValue | undefined {
  const s = asciiDigits(pyStrip(text));
  let x: number;
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special)
    x = (special[2] ?? '').toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  else if (FLOAT_TEXT.test(s)) x = Number(s.replace(/_/g, ''));
  else return undefined;
  // An integral float stays a float (`-p x 1.0` injects `x = 1.0`).
  return Number.isInteger(x) ? new FloatValue(x) : x;
}

/** Papermill's `_resolve_type` for `-p NAME VALUE`. */
export function typeCliValue(raw: string): ParamValue {
  if (raw === 'True') return true;
  if (raw === 'False') return false;
  if (raw === 'None') return null;
  return pythonInt(raw) ?? pythonFloat(raw) ?? raw;
}

/** Decodes `-b` text: standard or URL-safe base64 of UTF-8 YAML; padding optional, whitespace ignored. */
export function decodeBase64Parameters(text: string, sourceLabel: string): string {
  const compact = text.replace(/\s+/g, '');
  const body = compact.replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/_-]*$/.test(body) || compact.length - body.length > 2 || body.length % 4 === 1) {
    throw new NbcError('E_PARAMETER', `Parameters ${sourceLabel} are not valid base64`, {
      field: sourceLabel,
    });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(body, 'base64'));
  } catch {
    throw new NbcError(
      'E_PARAMETER',
      `Parameters ${sourceLabel} decode from base64 to bytes that are not UTF-8 text`,
      {
        field: sourceLabel,
      },
    );
  }
}

export interface ParameterSources {
  /** Applied first, e.g. the `--inject-*-path` parameters. */
  base?: Parameters;
  /** `-b` values, in command-line order. */
  base64?: string[];
  /** `-f` files, already read: label (the path, for messages) and text. */
  files?: Array<{ label: string; text: string }>;
  /** `-y` values, in command-line order. */
  yaml?: string[];
  /** `-p NAME VALUE` pairs. */
  typed?: Array<[string, string]>;
  /** `-r NAME VALUE` pairs. */
  raw?: Array<[string, string]>;
}

function assign(target: Parameters, name: string, value: ParamValue): void {
  // defineProperty: a parameter called `__proto__` must be a parameter, not a prototype change.
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/** All sources merged, later ones winning; a name keeps the position where it first appeared. */
export function mergeParameterSources(sources: ParameterSources): Parameters {
  const out: Parameters = {};
  const merge = (params: Parameters): void => {
    for (const [k, v] of Object.entries(params)) assign(out, k, v);
  };
  if (sources.base) merge(sources.base);
  (sources.base64 ?? []).forEach((b, i) => {
    const label = `-b #${i + 1}`;
    merge(parseYamlParameters(decodeBase64Parameters(b, label), label));
  });
  for (const f of sources.files ?? []) merge(parseYamlParameters(f.text, `-f ${f.label}`));
  (sources.yaml ?? []).forEach((y, i) => merge(parseYamlParameters(y, `-y #${i + 1}`)));
  for (const [name, raw] of sources.typed ?? []) assign(out, name, typeCliValue(raw));
  for (const [name, raw] of sources.raw ?? []) assign(out, name, raw);
  return out;
}
