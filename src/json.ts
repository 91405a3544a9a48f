/**
 * JSON values, the one type and the one plain-object guard every module uses (notebooks, kernel messages,
 * templates, results, the worker and the engine), plus JSON text with integers beyond 2^53 kept exact.
 *
 * Python (a kernel, papermill, scrapbook) and Conductor (Java longs) write such ints as plain JSON numbers
 * and read them back exactly; JSON.parse would round them. Here they become `bigint`, and are written back
 * as the same digits. Text without an integer of 16 digits cannot hold such an int and takes the native
 * JSON.parse path (the common case costs one regex scan); writing costs nothing extra without a bigint.
 */
/** lossless-json, loaded the first time a value may need it (most JSON never does). */
function lossless(): typeof import('lossless-json') {
  return require('lossless-json') as typeof import('lossless-json');
}

/** A `bigint` is an integer beyond 2^53 read exactly (parseJsonExact); smaller ints are numbers. */
export type JsonPrimitive = null | boolean | number | bigint | string;
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

/**
 * A shallow copy of an object's own enumerable properties, as `{ ...obj }` makes, for adding properties
 * to: in Node 20's V8 an object made by spread takes a slow runtime path for each property added to it
 * afterwards, in the literal (`{ ...a, b }`) or by assignment (~0.6 µs each, measured; this copy ~0.02 µs).
 * A `__proto__` key stays an own property (see `setOwn`).
 */
export function shallowCopy<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  const src = obj as Record<string, unknown>;
  for (const key of Object.keys(src)) setOwn(out, key, src[key]);
  return out as T;
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

/**
 * An integer token of 16 or more digits (2^53 has 16: anything shorter is a safe integer). A run of
 * digits after a '.' or before a fraction or exponent belongs to a float (0.30000000000000004), which
 * JSON.parse reads as well as anyone: such text keeps the native path.
 */
const MAYBE_BIG = /(?:^|[:,[\s])-?\d{16}(?!\d*[.eE])/;
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
    return lossless().parse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
  } catch (err) {
    JSON.parse(text); // the native error message (position, line) for invalid JSON
    throw err;
  }
}

/**
 * JSON.stringify, except that bigints are written as their exact digits (JSON numbers). JSON.stringify
 * refuses a bigint, so data without one costs nothing extra; the lossless writer runs only when one is there.
 */
export function stringifyJsonExact(value: JsonValue | object, space?: number): string;
export function stringifyJsonExact(value: unknown, space?: number): string | undefined;
export function stringifyJsonExact(value: unknown, space?: number): string | undefined {
  try {
    return JSON.stringify(value, null, space);
  } catch (err) {
    if (!containsBigint(value, 0)) throw err;
    return lossless().stringify(value, undefined, space);
  }
}

/**
 * A copy of `value` with each bigint as a LosslessNumber, for data that passes through code measuring or
 * copying it with JSON.stringify (which refuses a bigint; the Conductor SDK's TaskRunner does) on its way
 * to `stringifyJsonLossless`, which writes the digits again.
 */
export function bigintsAsLosslessNumbers<T>(value: T): T {
  return (containsBigint(value, 0) ? mapBigints(value, 0) : value) as T;
}

function mapBigints(v: unknown, depth: number): unknown {
  if (typeof v === 'bigint') return new (lossless().LosslessNumber)(v.toString());
  if (typeof v !== 'object' || v === null || depth > 1000) return v;
  if (Array.isArray(v)) return v.map((x) => mapBigints(x, depth + 1));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) setOwn(out, key, mapBigints(v[key], depth + 1));
  return out;
}

/** JSON text with bigints and LosslessNumbers (see bigintsAsLosslessNumbers) as their exact digits. */
export function stringifyJsonLossless(value: unknown, space?: number): string | undefined {
  return lossless().stringify(value, undefined, space);
}

/** A copy as a JSON round trip makes it (undefined dropped, `toJSON` applied), bigints kept exact. */
export function jsonRoundTrip<T>(value: T): T {
  const text = stringifyJsonExact(value);
  return (text === undefined ? undefined : parseJsonExact(text)) as T;
}

/** Whether a bigint is inside `v` (each object visited once: a cycle ends the walk, not the process). */
function containsBigint(v: unknown, depth: number, seen = new Set<object>()): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null || depth > 1000 || seen.has(v)) return false;
  seen.add(v);
  const items: unknown[] = Array.isArray(v) ? v : Object.values(v);
  return items.some((x) => containsBigint(x, depth + 1, seen));
}

/** Bytes of a value's JSON text (UTF-8), as it would travel in a request or a task output. */
export function jsonByteLength(value: unknown): number {
  const text = stringifyJsonExact(value);
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}
