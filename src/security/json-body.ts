/**
 * Request bodies as JSON, refusing nesting deeper than a limit before parsing: a body of a million `[`
 * parses fine but then overflows the stack of any recursive code that walks it (serialising, resolving
 * expressions), which answered 500. Too deep or malformed is the client's error: 400.
 */
import { parseJsonExact, type JsonValue } from '../json';
import type { Rejection } from './types';

/** Jackson's default (StreamReadConstraints) depth limit, so what Conductor reads, we read. */
export const MAX_JSON_DEPTH = 1000;

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting of objects and arrays in JSON text, stopping once past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return max;
}

export function parseJsonBody(
  text: string,
  maxDepth = MAX_JSON_DEPTH,
): { ok: true; value: JsonValue } | { ok: false; rejection: Rejection } {
  if (jsonDepth(text, maxDepth) > maxDepth)
    return {
      ok: false,
      rejection: {
        status: 400,
        message: `Malformed JSON in request body: nested deeper than ${maxDepth} levels`,
      },
    };
  try {
    // Integers beyond 2^53 stay exact (bigints), as Conductor keeps a long.
    return { ok: true, value: parseJsonExact(text) as JsonValue };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, rejection: { status: 400, message: `Malformed JSON in request body: ${msg}` } };
  }
}
