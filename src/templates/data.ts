/**
 * What a template may see of a value. Templates compile to JavaScript in our realm, so the sandbox
 * treats values as data only: own, non-function data properties of plain objects, elements and
 * `length` of arrays and strings — never inherited members, accessors or functions (the way to
 * `Function`, `process` and friends is always through one of those).
 */
import { isPlainObject, type JsonValue } from '../json';
import { isSafeString } from './internals';
import { TemplateFault } from './fault';

/** Marks "no such variable/attribute" inside `default(...)` and `is defined` (soft lookups). */
export const MISSING: unique symbol = Symbol('nbc.template.missing');

/** A short human name for a value's type, for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined || value === MISSING) return 'undefined';
  if (typeof value === 'string' || isSafeString(value)) return 'a string';
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (isPlainObject(value)) return 'an object';
  return `a value of type ${typeof value}`;
}

/** Member names worth a hint: methods that exist on strings/lists but are reachable only as filters. */
const METHOD_HINT =
  ' (methods are not available in templates; use filters such as | upper, | join, | length)';

function blocked(key: string, owner: string): TemplateFault {
  return new TemplateFault('forbidden', `attribute '${key}' of ${owner} is not accessible`);
}

/**
 * Read `obj[key]` under the sandbox rules. Returns MISSING when the attribute simply does not exist;
 * throws a 'forbidden' fault for anything that exists but is not plain data.
 */
export function readMember(obj: unknown, key: unknown): unknown {
  if (typeof key !== 'string' && typeof key !== 'number') {
    throw new TemplateFault('type', `cannot use ${describeType(key)} as an attribute name or index`);
  }
  const name = String(key);
  if (isSafeString(obj)) obj = obj.val;
  if (typeof obj === 'string' || Array.isArray(obj)) {
    if (name === 'length') return obj.length;
    if (/^(0|[1-9][0-9]*)$/.test(name)) {
      const index = Number(name);
      if (index >= obj.length) return MISSING;
      const item: unknown = obj[index];
      if (typeof item === 'function') throw blocked(name, 'a list (it is a function)');
      return item;
    }
    if (name in Object(obj))
      throw new TemplateFault('forbidden', `${describeType(obj)} has no attribute '${name}'${METHOD_HINT}`);
    return MISSING;
  }
  if (isPlainObject(obj)) {
    const desc = Object.getOwnPropertyDescriptor(obj, name);
    if (desc === undefined) {
      if (name in obj) throw blocked(name, 'an object (only its own data attributes are)');
      return MISSING;
    }
    if (!('value' in desc)) throw blocked(name, 'an object (it is an accessor)');
    if (typeof desc.value === 'function') throw blocked(name, 'an object (it is a function)');
    return desc.value;
  }
  if (obj === null || obj === undefined || obj === MISSING) {
    throw new TemplateFault('undefined', `cannot read attribute '${name}' of ${describeType(obj)}`);
  }
  throw new TemplateFault(
    'forbidden',
    `${describeType(obj)} has no accessible attributes (reading '${name}')`,
  );
}

/** Whether `value` may be stored, passed or returned: anything but functions and the MISSING marker. */
export function isDataValue(value: unknown): boolean {
  return typeof value !== 'function' && value !== MISSING && typeof value !== 'symbol';
}

/**
 * Convert a template result to JSON data. SafeStrings become strings, Dates ISO strings; functions,
 * undefined, non-finite numbers and non-plain objects are errors (`where` names the offending spot).
 */
export function toJsonValue(value: unknown, where = 'value', depth = 0): JsonValue {
  if (depth > 100) throw new TemplateFault('type', `${where} is nested more than 100 levels deep`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TemplateFault('type', `${where} is ${value}, which is not valid JSON`);
    return Object.is(value, -0) ? 0 : value;
  }
  if (isSafeString(value)) return value.val;
  if (value instanceof Date) return isoOf(value, where);
  if (Array.isArray(value)) return value.map((item, i) => toJsonValue(item, `${where}[${i}]`, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value)) {
      const desc = Object.getOwnPropertyDescriptor(value, key);
      if (!desc || !('value' in desc))
        throw new TemplateFault('type', `${where}.${key} is an accessor, not data`);
      out[key] = toJsonValue(desc.value, `${where}.${key}`, depth + 1);
    }
    return out;
  }
  if (value === undefined || value === MISSING) throw new TemplateFault('undefined', `${where} is undefined`);
  throw new TemplateFault('type', `${where} is ${describeType(value)}, which is not JSON data`);
}

function isoOf(date: Date, where: string): string {
  if (Number.isNaN(date.getTime())) throw new TemplateFault('type', `${where} is an invalid date`);
  return date.toISOString();
}

/**
 * Normalise caller-supplied data for use as template variables: objects with `toJSON` (e.g. the
 * notebook module's FloatValue) are unwrapped, bigints become numbers when exact (else decimal strings),
 * Dates become ISO strings. Runs on the host side, before any template code.
 */
export function toTemplateData(value: unknown, where: string, depth = 0): unknown {
  if (depth > 100) throw new TemplateFault('type', `${where} is nested more than 100 levels deep`);
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return isoOf(value, where);
  if (Array.isArray(value)) return value.map((item, i) => toTemplateData(item, `${where}[${i}]`, depth + 1));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = toTemplateData(item, `${where}.${key}`, depth + 1);
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toTemplateData(toJSON.call(value), where, depth + 1);
    throw new TemplateFault('type', `${where} is ${describeType(value)}, which is not data`);
  }
  if (typeof value === 'function' || typeof value === 'symbol') {
    throw new TemplateFault('type', `${where} is ${describeType(value)}, which is not data`);
  }
  return value;
}

/** The string form of a value in rendered output (nunjucks' rules for scalars; collections refused). */
export function outputString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isSafeString(value)) return value.val;
  if (value instanceof Date) return isoOf(value, 'the value');
  if (value === undefined || value === MISSING) {
    throw new TemplateFault('undefined', 'the expression has no value (undefined)');
  }
  if (value === null) {
    throw new TemplateFault('undefined', "the expression is null; use | default('…', true) to replace it");
  }
  if (Array.isArray(value)) {
    throw new TemplateFault('type', "cannot output a list directly; use | join(',') or | tojson");
  }
  if (isPlainObject(value)) throw new TemplateFault('type', 'cannot output an object directly; use | tojson');
  throw new TemplateFault('type', `cannot output ${describeType(value)}`);
}
