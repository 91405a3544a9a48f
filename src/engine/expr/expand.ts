import { cloneJson, parseJsonExact, setOwn, type JsonObject, type JsonValue } from '../../json';
/**
 * Conductor's `JsonUtils.expand`, applied to event payloads before conditions and to event-handler action
 * inputs with `expandInlineJSON`: string values that look like JSON objects or arrays are parsed.
 * Its quirks are kept: strings directly inside lists are not expanded (maps inside lists are), parsed
 * values are not expanded again, and a string that fails to parse stays a string. Returns a copy.
 */

export function expandInlineJson(value: JsonValue): JsonValue {
  if (typeof value === 'string') return parseOr(value);
  return expand(cloneJson(value));
}

function expand(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    for (const item of value) if (item !== null && typeof item === 'object') expand(item);
  } else if (value !== null && typeof value === 'object') {
    expandMap(value);
  }
  return value;
}

function expandMap(map: JsonObject): void {
  for (const key of Object.keys(map)) {
    const v = map[key] as JsonValue;
    if (typeof v === 'string') {
      const t = v.trim();
      if (t.startsWith('{') || t.startsWith('[')) setOwn(map, key, parseOr(v));
    } else if (v !== null && typeof v === 'object') {
      expand(v);
    }
  }
}

function parseOr(text: string): JsonValue {
  try {
    return parseJsonExact(text) as JsonValue;
  } catch {
    return text;
  }
}
