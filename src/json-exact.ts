/**
 * JSON with integers beyond 2^53 kept exact. Python (a kernel, papermill, scrapbook) writes such ints
 * as plain JSON numbers and reads them back exactly; JSON.parse would round them. Here they become
 * `bigint`, and are written back as the same digits. Text without a run of 16 digits cannot hold such
 * an int and takes the native JSON.parse path (the common case costs one regex scan).
 */
/** lossless-json, loaded the first time a value may need it (most JSON never does). */
function lossless(): typeof import('lossless-json') {
  return require('lossless-json') as typeof import('lossless-json');
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
    return lossless().parse(text, null, { parseNumber, onDuplicateKey: ({ newValue }) => newValue });
  } catch (err) {
    JSON.parse(text); // the native error message (position, line) for invalid JSON
    throw err;
  }
}

/** JSON.stringify, except that bigints are written as their exact digits (JSON numbers). */
export function stringifyJsonExact(value: unknown, space?: number): string | undefined {
  return containsBigint(value, 0)
    ? lossless().stringify(value, undefined, space)
    : JSON.stringify(value, null, space);
}

function containsBigint(v: unknown, depth: number): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null || depth > 1000) return false;
  if (Array.isArray(v)) return v.some((x) => containsBigint(x, depth + 1));
  return Object.values(v).some((x) => containsBigint(x, depth + 1));
}
