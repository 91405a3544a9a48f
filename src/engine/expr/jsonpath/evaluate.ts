/**
 * Evaluating a compiled path the way Jayway does under Conductor's configuration (SUPPRESS_EXCEPTIONS):
 * a definite path yields its last hit or null; an indefinite one yields the list of hits, possibly empty.
 * The `strict` mode is Jayway's REQUIRE_PROPERTIES evaluation used by filter existence checks.
 */
import { isPlainObject, setOwn, type JsonObject, type JsonValue } from '../../../json';
import type { CompiledPath, PathToken } from './ast';
import { isDefinite } from './compile';
import { InvalidPathError } from './errors';
import { filterAccepts, type FilterContext } from './filter-eval';
import { invokeFunction, type FunctionResult } from './functions';

/** One hit; `double` marks a Java Double produced by an aggregation function (prints `6.0`). */
export interface Hit {
  readonly value: JsonValue;
  readonly double: boolean;
}

/** Jayway's PathNotFoundException: only thrown (and caught) in strict mode. */
class PathNotFound extends Error {}

export function evaluatePath(path: CompiledPath, doc: JsonValue, root: JsonValue, strict = false): Hit[] {
  return new Evaluation(path, root, strict).run(doc);
}

class Evaluation implements FilterContext {
  private readonly hits: Hit[] = [];
  private readonly tokens: readonly PathToken[];
  private readonly tokenDefinite: readonly boolean[];
  /** Jayway's per-token `upstreamArrayIndex`, set by deep scans over arrays. */
  private readonly upstreamIndex = new Map<number, number>();

  constructor(
    readonly path: CompiledPath,
    private readonly root: JsonValue,
    private readonly strict: boolean,
  ) {
    this.tokens = path.tokens;
    this.tokenDefinite = this.tokens.map((t, i) => tokenIsDefinite(t, i === this.tokens.length - 1));
  }

  run(doc: JsonValue): Hit[] {
    this.next(-1, doc);
    return this.hits;
  }

  // FilterContext: filters read paths with the document's root for `$…` and the item for `@…`.
  read(path: CompiledPath, item: JsonValue): JsonValue {
    const hits = evaluatePath(path, path.root === '$' ? this.root : item, this.root);
    if (!isDefinite(path)) return hits.map((h) => h.value);
    return hits.length === 0 ? null : (hits[hits.length - 1] as Hit).value;
  }

  exists(path: CompiledPath, item: JsonValue): boolean {
    try {
      return evaluatePath(path, item, this.root, true).length > 0 || !isDefinite(path);
    } catch (err) {
      if (err instanceof PathNotFound) return false;
      throw err;
    }
  }

  private isLeaf(i: number): boolean {
    return i === this.tokens.length - 1;
  }

  private upstreamDefinite(i: number): boolean {
    for (let k = 0; k < i; k++) if (!this.tokenDefinite[k]) return false;
    return true;
  }

  private add(value: JsonValue, double = false): void {
    this.hits.push({ value, double });
  }

  /** Evaluate the token after `i` on `model` (or record a hit past the last token). */
  private next(i: number, model: JsonValue): void {
    if (i + 1 >= this.tokens.length) this.add(model);
    else this.evaluate(i + 1, model);
  }

  private evaluate(i: number, model: JsonValue): void {
    const token = this.tokens[i] as PathToken;
    switch (token.type) {
      case 'property':
        return this.property(i, token.names, model);
      case 'index':
        if (this.checkArray(i, model)) for (const index of token.indexes) this.arrayIndex(i, index, model);
        return;
      case 'slice':
        return this.slice(i, token.from, token.to, model);
      case 'wildcard':
        return this.wildcard(i, model);
      case 'scan':
        return this.scan(i + 1, model);
      case 'filter':
        return this.filter(i, token, model);
      case 'function': {
        const result: FunctionResult = invokeFunction(token.name, token.args, model, {
          root: this.root,
          evaluate: (p, doc) => evaluatePath(p, doc, this.root).map((h) => h.value),
          definite: (p) => isDefinite(p),
        });
        this.add(result.value, result.double);
        if (!this.isLeaf(i)) this.evaluate(i + 1, result.value);
        return;
      }
    }
  }

  private property(i: number, names: readonly string[], model: JsonValue): void {
    if (!isPlainObject(model)) {
      if (this.strict && this.upstreamDefinite(i)) throw new PathNotFound(`Expected an object at token ${i}`);
      return;
    }
    if (names.length === 1 || this.isLeaf(i)) this.objectProperty(i, names, model);
    else for (const name of names) this.objectProperty(i, [name], model);
  }

  private objectProperty(i: number, names: readonly string[], model: JsonObject): void {
    if (names.length > 1) {
      const merged: JsonObject = {};
      for (const name of names) {
        if (Object.prototype.hasOwnProperty.call(model, name)) setOwn(merged, name, model[name] as JsonValue);
        else if (this.strict) throw new PathNotFound(`Missing property ${name}`);
      }
      this.add(merged);
      return;
    }
    const name = names[0] as string;
    if (!Object.prototype.hasOwnProperty.call(model, name)) {
      if (this.strict) throw new PathNotFound(`Missing property ${name}`);
      return;
    }
    const value = model[name] as JsonValue;
    if (this.isLeaf(i)) {
      if (this.leafIndexMatches(i)) this.add(value);
    } else {
      this.evaluate(i + 1, value);
    }
  }

  /** Jayway only keeps a deep-scanned leaf when its array index equals the index token before it. */
  private leafIndexMatches(i: number): boolean {
    const index = this.upstreamIndex.get(i);
    if (index === undefined) return true;
    const prev = this.tokens[i - 1];
    return prev?.type === 'index' && prev.indexes.length === 1 && prev.indexes[0] === index;
  }

  private checkArray(i: number, model: JsonValue): model is JsonValue[] {
    if (Array.isArray(model)) return true;
    if (this.strict && this.upstreamDefinite(i)) throw new PathNotFound(`Expected an array at token ${i}`);
    return false;
  }

  private arrayIndex(i: number, index: number, model: JsonValue[]): void {
    const effective = index < 0 ? model.length + index : index;
    if (effective < 0 || effective >= model.length) return;
    this.next(i, model[effective] as JsonValue);
  }

  private slice(i: number, from: number | null, to: number | null, model: JsonValue): void {
    if (!this.checkArray(i, model)) return;
    const length = model.length;
    if (length === 0) return;
    let start = 0;
    let end = length;
    if (to === null) {
      start = Math.max(0, from !== null && from < 0 ? length + from : (from ?? 0));
    } else if (from === null) {
      end = Math.min(length, to < 0 ? length + to : to);
    } else {
      // Jayway does not normalise negative bounds of [a:b]; arrayIndex wraps them.
      start = from;
      end = Math.min(length, to);
    }
    for (let k = start; k < end; k++) this.arrayIndex(i, k, model);
  }

  private wildcard(i: number, model: JsonValue): void {
    if (Array.isArray(model)) {
      for (let k = 0; k < model.length; k++) this.arrayIndex(i, k, model);
    } else if (isPlainObject(model)) {
      for (const key of Object.keys(model)) this.objectProperty(i, [key], model);
    }
  }

  private filter(i: number, token: Extract<PathToken, { type: 'filter' }>, model: JsonValue): void {
    if (isPlainObject(model)) {
      if (filterAccepts(token.filter, model, this)) this.next(i, model);
    } else if (Array.isArray(model)) {
      model.forEach((item, k) => {
        if (filterAccepts(token.filter, item, this)) this.arrayIndex(i, k, model);
      });
    } else if (this.upstreamDefinite(i)) {
      throw new InvalidPathError('Filter can not be applied to primitives');
    }
  }

  /** Deep scan: visit `model` and everything below it, pre-order, applying token `t` where it fits. */
  private scan(t: number, model: JsonValue): void {
    const target = this.tokens[t] as PathToken;
    if (isPlainObject(model)) {
      if (this.scanMatches(target, t, model)) this.evaluate(t, model);
      for (const key of Object.keys(model)) this.scan(t, model[key] as JsonValue);
    } else if (Array.isArray(model)) {
      if (this.scanMatches(target, t, model)) {
        if (this.isLeaf(t)) {
          this.evaluate(t, model);
        } else {
          model.forEach((item, k) => {
            this.upstreamIndex.set(t + 1, k);
            this.evaluate(t + 1, item);
          });
        }
      }
      for (const item of model) this.scan(t, item);
    }
  }

  private scanMatches(target: PathToken, t: number, model: JsonValue): boolean {
    switch (target.type) {
      case 'property':
        if (!isPlainObject(model)) return false;
        if (!tokenIsDefinite(target, this.isLeaf(t))) return true;
        return target.names.every((n) => Object.prototype.hasOwnProperty.call(model, n));
      case 'index':
      case 'slice':
        return Array.isArray(model);
      case 'wildcard':
        return true;
      case 'filter':
        return filterAccepts(target.filter, model, this);
      default:
        return false;
    }
  }
}

function tokenIsDefinite(token: PathToken, leaf: boolean): boolean {
  switch (token.type) {
    case 'property':
      return token.names.length === 1 || leaf;
    case 'index':
      return token.indexes.length === 1;
    case 'function':
      return true;
    default:
      return false;
  }
}
