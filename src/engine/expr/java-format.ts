/**
 * How Conductor (Java) prints values that end up embedded in a string: `Objects.toString` of the objects
 * Jackson and Jayway JsonPath produce. Verified against OpenJDK 17 + Jackson 2.17 + json-path 2.10.
 *
 * JSON numbers lose their Java type in JavaScript, so we print them the way Jackson would have parsed the
 * JSON text this engine emits: an integral number below 1e21 (JavaScript prints those as plain digits) is an
 * Integer/Long/BigInteger and prints as digits; anything else is a Double (`1.5`, `1.0E-5`, `1.0E21`).
 * A document value written as `2.0` therefore prints `2`, where Java would print `2.0`. An integer beyond
 * 2^53 is held exactly (a bigint) and prints its digits, as a Long or BigInteger does.
 */
import type { JsonValue } from '../../json';

/** Java's `Double.toString` (shortest round-trip digits, as JDK 19+ prints them). */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const sign = d < 0 ? '-' : '';
  const abs = Math.abs(d);
  const [mantissa = '0', exponentText = '0'] = abs.toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (abs >= 1e-3 && abs < 1e7) {
    if (exponent >= 0) {
      const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
      return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
    }
    return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  }
  // Java prints at least two significant digits here and picks the closest such decimal (4.9E-324).
  const [m, e] = digits.length === 1 ? abs.toExponential(1).split('e') : [mantissa, exponentText];
  const precise = (m ?? mantissa).replace('.', '');
  return `${sign}${precise[0] ?? '0'}.${precise.slice(1) || '0'}E${Number(e ?? exponentText)}`;
}

/** A JSON number as Java prints it after Jackson parsed it (Integer/Long/BigInteger or Double). */
export function javaNumberToString(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? String(n) : javaDoubleToString(n);
}

/** `Objects.toString(value)` for Jackson-shaped values: `{a=1, b=[x, y]}`, `null`, `true`, `1.5`. */
export function javaToString(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return javaNumberToString(value);
  if (typeof value === 'bigint') return value.toString(); // a Long or BigInteger: its digits
  if (Array.isArray(value)) return `[${value.map(javaToString).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}=${javaToString(v)}`)
    .join(', ')}}`;
}

/**
 * json-smart's `JSONArray.toString()`: what Jayway returns for indefinite paths (wildcards, filters,
 * deep scans, slices) prints as compact JSON, with `/` escaped and some Unicode ranges as `\uXXXX`.
 */
export function jsonSmartText(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return `"${jsonSmartEscape(value)}"`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return javaNumberToString(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(jsonSmartText).join(',')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `"${jsonSmartEscape(k)}":${jsonSmartText(v)}`)
    .join(',')}}`;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '/': '\\/',
};

function jsonSmartEscape(text: string): string {
  let out = '';
  for (const ch of text) {
    const simple = SIMPLE_ESCAPES[ch];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const code = ch.charCodeAt(0);
    const escaped =
      ch.length === 1 &&
      (code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0x2000 && code <= 0x20ff));
    out += escaped ? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}` : ch;
  }
  return out;
}
