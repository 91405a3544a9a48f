/**
 * JSON values, the one type and the one plain-object guard every module uses (notebooks, kernel messages,
 * templates, results, the worker and the engine), plus JSON text with integers beyond 2^53 kept exact.
 *
 * Python (a kernel, papermill, scrapbook) and Conductor (Java longs) write such ints as plain JSON numbers
 * and read them back exactly; JSON.parse would round them. Here they become `bigint`, and are written back
 * as the same digits. Text without a run of 16 digits cannot hold such an int and takes the native
 * JSON.parse path (the common case costs one regex scan).
 */
import { parse, stringify } from 'lossless-json';

export type JsonPrimitive = null | boolean | number | string;
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * A plain object: what JSON.parse makes of `{…}` (not null, not a list, not a Date, class instance or
 * other exotic object). Templates rely on it: they read members of plain data only. The prototype is
 * tested for being a root (`Object.prototype` of any realm, or none) rather than for identity, so that
 * a copy made by another realm (structuredClone, fetch's JSON, a vm context) is plain data too.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/**
 * `obj[key] = value`, except that a `__proto__` key becomes an own property, as JSON.parse makes it (names
 * come from notebooks, kernels and requests: a plain assignment would change the object's prototype).
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** A deep copy of a JSON value (plain data only, so a recursive copy is enough and faster than JSON text). */
export function cloneJson<T extends JsonValue>(value: T): T;
export function cloneJson(value: JsonValue): JsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => cloneJson(v));
  const out: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(out, key, cloneJson(value[key] as JsonValue));
  return out;
}

/** 2^53 has 16 digits: anything shorter is a safe integer. */
const MAYBE_BIG = /\d{16}/;
const INTEGER = /^-?\d+$/;

function parseNumber(text: string): number | bigint {
  const n = Number(text);
  return INTEGER.test(text) && !Number.isSafeInteger(n) ? BigInt(text) : n;
}

/** JSON.parse, except that integers beyond 2^53 come back as exact bigints. Errors are JSON.parse's. */
export function parseJsonExact(text: string): unknown {
  if (!MAYBE_BIG.test(text)) return JSON.parse(text);
  try {
    // A repeated key keeps the last value, as JSON.parse does.
    return parse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
  } catch (err) {
    JSON.parse(text); // the native error message (position, line) for invalid JSON
    throw err;
  }
}

/** JSON.stringify, except that bigints are written as their exact digits (JSON numbers). */
export function stringifyJsonExact(value: unknown, space?: number): string | undefined {
  return containsBigint(value, 0) ? stringify(value, undefined, space) : JSON.stringify(value, null, space);
}

function containsBigint(v: unknown, depth: number): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null || depth > 1000) return false;
  if (Array.isArray(v)) return v.some((x) => containsBigint(x, depth + 1));
  return Object.values(v).some((x) => containsBigint(x, depth + 1));
}

/** Bytes of a value's JSON text (UTF-8), as it would travel in a request or a task output. */
export function jsonByteLength(value: unknown): number {
  const text = stringifyJsonExact(value);
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}
