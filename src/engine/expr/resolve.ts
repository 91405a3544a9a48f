/**
 * Conductor's `${…}` parameter resolution (`ParametersUtils.replaceVariables`), as pure functions.
 *
 * - Only string leaves are resolved; the input is deep-copied, never mutated.
 * - A string that is exactly one placeholder yields the typed value (map, list, number, null…); otherwise
 *   each placeholder is replaced by Java's `Objects.toString` of its value (a missing value is "null").
 * - Nested placeholders resolve inside-out: `${map.${key}[${i}]}`.
 * - `$${` escapes: after an embedded substitution every `$${` becomes `${`.
 * - `${}` / `${  }` → "".
 * - `${workflow.secrets.X}` stays literal (Conductor substitutes secrets only in the copy handed to the
 *   worker, from a secrets store this engine does not have). `${workflow.env.X}` is read as an ordinary
 *   path (Conductor's environment store is optional and absent here), so it is null unless the document's
 *   `workflow` root has an `env` map.
 * - `${CPEWF_TASK_ID}` → the task id; `${NAME}` → `options.env[NAME]` for allowlisted names only.
 *   `NETFLIX_ENV` / `NETFLIX_STACK` count as system names too and stay literal without a value.
 */
import { cloneJson, setOwn, type JsonObject, type JsonValue } from '../../json';
import { findPlaceholders, unescapePlaceholders } from './placeholders';
import { readPath } from './jsonpath';
import type { ResolveOptions } from './types';

/** Names Conductor always treats as system parameters (`EnvUtils.SystemParameters`). */
export const SYSTEM_PARAMETERS: readonly string[] = ['CPEWF_TASK_ID', 'NETFLIX_ENV', 'NETFLIX_STACK'];

const SECRETS_PREFIX = 'workflow.secrets.';

/** Resolve every string leaf of `input` against `document`. Deep-copies; never mutates either argument. */
export function resolveExpressions(
  input: JsonValue,
  document: JsonValue,
  options: ResolveOptions = {},
): JsonValue {
  if (typeof input === 'string') return resolveString(input, document, options);
  if (input === null || typeof input !== 'object') return input;
  if (Array.isArray(input)) return input.map((item) => resolveExpressions(item, document, options));
  const out: JsonObject = {};
  for (const key of Object.keys(input))
    setOwn(out, key, resolveExpressions(input[key] as JsonValue, document, options));
  return out;
}

/** Resolve one string: a typed value for a whole-string placeholder, else a string. */
export function resolveString(text: string, document: JsonValue, options: ResolveOptions = {}): JsonValue {
  const resolved = replaceVariables(text, document, options, 0);
  return typeof resolved === 'string' ? resolved : cloneJson(resolved.value);
}

interface Replacement {
  readonly start: number;
  readonly end: number;
  /** The typed value, for whole-value substitution. */
  readonly value: JsonValue;
  /** The embedded form. */
  text(): string;
}

function stringReplacement(start: number, end: number, value: string): Replacement {
  return { start, end, value, text: () => value };
}

/** A string (embedded or nested result) or `{ value }` for a whole-value substitution at depth 0. */
function replaceVariables(
  text: string,
  document: JsonValue,
  options: ResolveOptions,
  depth: number,
): string | { value: JsonValue } {
  const replacements: Replacement[] = [];
  for (const { start, end } of findPlaceholders(text)) {
    const match = text.slice(start, end);
    const inner = replaceVariables(match.slice(2, -1), document, options, depth + 1);
    const path = typeof inner === 'string' ? inner : String(inner.value);
    const replacement = replacementFor(path, match, start, end, document, options);
    if (replacement !== null) replacements.push(replacement);
  }
  const only = replacements[0];
  if (
    replacements.length === 1 &&
    only !== undefined &&
    only.start === 0 &&
    only.end === text.length &&
    depth === 0
  ) {
    return { value: only.value };
  }
  let out = text;
  for (let i = replacements.length - 1; i >= 0; i--) {
    const r = replacements[i] as Replacement;
    out = out.slice(0, r.start) + r.text() + out.slice(r.end);
  }
  return unescapePlaceholders(out);
}

function replacementFor(
  path: string,
  match: string,
  start: number,
  end: number,
  document: JsonValue,
  options: ResolveOptions,
): Replacement | null {
  if (isBlank(path)) return stringReplacement(start, end, '');
  if (path.startsWith(SECRETS_PREFIX)) return stringReplacement(start, end, match);
  if (isSystemName(path, options.env)) {
    const value = path === 'CPEWF_TASK_ID' ? options.taskId : ownValue(options.env, path);
    // Conductor adds no replacement for a system name without a value: the placeholder stays literal.
    return value === undefined ? null : stringReplacement(start, end, value);
  }
  const read = readPath(document, path);
  return { start, end, value: read.value, text: () => read.text() };
}

/** Whether `name` is substituted from the system/env table instead of being read as a path. */
export function isSystemName(name: string, env: Readonly<Record<string, string>> | undefined): boolean {
  return SYSTEM_PARAMETERS.includes(name) || ownValue(env, name) !== undefined;
}

function ownValue(env: Readonly<Record<string, string>> | undefined, name: string): string | undefined {
  if (env === undefined || !Object.prototype.hasOwnProperty.call(env, name)) return undefined;
  const value = env[name];
  return typeof value === 'string' ? value : undefined;
}

/** Characters Java's `Character.isWhitespace` accepts (no-break spaces are not whitespace there). */
const JAVA_WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x205f, 0x3000,
]);

/** Apache `StringUtils.isBlank`: empty or only Java whitespace. */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!JAVA_WHITESPACE.has(text.charCodeAt(i))) return false;
  return true;
}
