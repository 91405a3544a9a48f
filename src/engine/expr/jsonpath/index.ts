/**
 * Reading `${…}` paths with Jayway JsonPath semantics.
 *
 * Why not jsonpath-plus: Conductor's behaviour depends on Jayway details it does not share — definite
 * paths yield a value while wildcards/filters/scans yield a list (whose embedded form is JSON text, not
 * Java's `[a, b]`), `[-1]` indexes from the end, `.length()`/`.sum()` functions, filter operators such as
 * `in`, `=~`, `size`, `empty`, and `'5' == 5` comparisons. This evaluator is written for those rules.
 */
import type { JsonValue } from '../../../json';
import { javaDoubleToString, javaToString, jsonSmartText } from '../java-format';
import type { CompiledPath } from './ast';
import { compilePath, isDefinite } from './compile';
import { evaluatePath, type Hit } from './evaluate';

export { InvalidPathError } from './errors';
export { compilePath, isDefinite } from './compile';
export type { CompiledPath } from './ast';

/** What a `${…}` path read produced. */
export interface PathValue {
  /** The typed value (whole-value substitution): null when a definite path has no hit. */
  readonly value: JsonValue;
  /** Java's `Objects.toString` of the value (embedded substitution). */
  text(): string;
}

const NULL_VALUE: PathValue = { value: null, text: () => 'null' };

/** Bounded cache of compiled paths: workflows repeat the same few expressions. */
const cache = new Map<string, CompiledPath>();
const CACHE_LIMIT = 2000;

function compiled(path: string): CompiledPath {
  let hit = cache.get(path);
  if (hit === undefined) {
    hit = compilePath(path);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(path, hit);
  }
  return hit;
}

/**
 * Read `path` from `document` as Conductor does (`Option.SUPPRESS_EXCEPTIONS`, any error → null).
 * Never throws.
 */
export function readPath(document: JsonValue, path: string): PathValue {
  let compiledPath: CompiledPath;
  let hits: Hit[];
  try {
    compiledPath = compiled(path);
    hits = evaluatePath(compiledPath, document, document);
  } catch {
    return NULL_VALUE;
  }
  if (isDefinite(compiledPath)) {
    const last = hits[hits.length - 1];
    if (last === undefined) return NULL_VALUE;
    return { value: last.value, text: () => hitText(last) };
  }
  // An indefinite read is a json-smart JSONArray, whose toString is compact JSON.
  return { value: hits.map((h) => h.value), text: () => `[${hits.map(hitJson).join(',')}]` };
}

function hitText(hit: Hit): string {
  return hit.double && typeof hit.value === 'number'
    ? javaDoubleToString(hit.value)
    : javaToString(hit.value);
}

function hitJson(hit: Hit): string {
  return hit.double && typeof hit.value === 'number'
    ? javaDoubleToString(hit.value)
    : jsonSmartText(hit.value);
}

/** Null when `path` compiles as a Jayway JsonPath, else the compiler's message. */
export function checkJsonPath(path: string): string | null {
  try {
    compiled(path);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
