/**
 * Evaluating compiled filters with Jayway's value semantics: strings and numbers compare across types
 * for `==` (`'5' == 5`), not for `===` or `<`; `=~` is a whole-string match; a type error makes the
 * filter reject the item instead of failing the whole read.
 */
import type { JsonObject, JsonValue } from '../../../json';
import { javaNumberToString } from '../java-format';
import type { CompiledPath, FilterNode, FilterValue, Operand, RelationalOperator } from './ast';
import { InvalidPathError } from './errors';

export interface FilterContext {
  /** Read a path as Conductor does (suppressed errors): definite → value or null, indefinite → list. */
  read(path: CompiledPath, item: JsonValue): JsonValue;
  /** Jayway's existence check: false as soon as a property on the way is missing. */
  exists(path: CompiledPath, item: JsonValue): boolean;
}

export function filterAccepts(node: FilterNode, item: JsonValue, ctx: FilterContext): boolean {
  try {
    return apply(node, item, ctx);
  } catch (err) {
    if (err instanceof InvalidPathError) return false;
    throw err;
  }
}

function apply(node: FilterNode, item: JsonValue, ctx: FilterContext): boolean {
  switch (node.kind) {
    case 'or':
      return node.ops.some((op) => apply(op, item, ctx));
    case 'and':
      return node.ops.every((op) => apply(op, item, ctx));
    case 'not':
      return !apply(node.op, item, ctx);
    case 'exists':
      return ctx.exists(node.path, item) === node.shouldExist;
    case 'compare':
      return compare(operand(node.left, item, ctx), node.op, operand(node.right, item, ctx));
  }
}

function operand(op: Operand, item: JsonValue, ctx: FilterContext): FilterValue {
  return op.kind === 'literal' ? op.value : toValue(ctx.read(op.path, item));
}

function toValue(value: JsonValue): FilterValue {
  if (value === null) return { t: 'null' };
  if (typeof value === 'number') return { t: 'num', v: value };
  // Filters compare an int beyond 2^53 as its nearest double (documented in src/engine/README.md).
  if (typeof value === 'bigint') return { t: 'num', v: Number(value) };
  if (typeof value === 'string') return { t: 'str', v: value };
  if (typeof value === 'boolean') return { t: 'bool', v: value };
  return { t: 'json', v: value };
}

function typeError(expected: string): never {
  throw new InvalidPathError(`Expected ${expected} node`);
}

/** The Java string form Jayway uses when a number meets a string (`NumberNode.asStringNode`). */
function asText(v: FilterValue): string | null {
  if (v.t === 'str') return v.v;
  if (v.t === 'num') return javaNumberToString(v.v);
  return null;
}

/** `left.equals(right)` of Jayway's value nodes (asymmetric, like the original). */
function nodeEquals(left: FilterValue, right: FilterValue): boolean {
  switch (left.t) {
    case 'str': {
      const other = asText(right);
      return other !== null && left.v === other;
    }
    case 'num': {
      if (right.t === 'num') return left.v === right.v;
      if (right.t !== 'str' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(right.v)) return false;
      return left.v === Number(right.v);
    }
    case 'bool':
      return right.t === 'bool' && left.v === right.v;
    case 'null':
      return right.t === 'null';
    case 'json':
      return right.t === 'json' && deepEqual(left.v, right.v);
    case 'regex':
      return right.t === 'regex' && left.re.source === right.re.source && left.re.flags === right.re.flags;
    case 'undefined':
      return false;
  }
}

function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i] as JsonValue));
  }
  const ak = Object.keys(a);
  const bo = b as JsonObject;
  return (
    ak.length === Object.keys(bo).length &&
    ak.every((k) => k in bo && deepEqual((a as JsonObject)[k] as JsonValue, bo[k] as JsonValue))
  );
}

/** A JSON array operand as a list of value nodes, or null when it is not an array. */
function asList(v: FilterValue): FilterValue[] | null {
  if (v.t !== 'json') return typeError('value list');
  return Array.isArray(v.v) ? v.v.map(toValue) : null;
}

function ordered(left: FilterValue, right: FilterValue, test: (c: number) => boolean): boolean {
  if (left.t === 'num' && right.t === 'num') return test(left.v < right.v ? -1 : left.v > right.v ? 1 : 0);
  if (left.t === 'str' && right.t === 'str') return test(left.v < right.v ? -1 : left.v > right.v ? 1 : 0);
  return false;
}

function regexInput(v: FilterValue): string {
  if (v.t === 'str' || v.t === 'num') return asText(v) ?? '';
  if (v.t === 'bool') return String(v.v);
  return '';
}

function regexMatch(left: FilterValue, right: FilterValue): boolean {
  if ((left.t === 'regex') === (right.t === 'regex')) return false;
  const [pattern, subject] = left.t === 'regex' ? [left, right] : [right as FilterValue, left];
  if (pattern.t !== 'regex') return false;
  if (subject.t === 'json' && Array.isArray(subject.v)) {
    return subject.v.some((x) => pattern.re.test(regexInput(toValue(x))));
  }
  return pattern.re.test(regexInput(subject));
}

function sizeOf(v: FilterValue): number | null {
  if (v.t === 'str') return v.v.length;
  if (v.t === 'json') return Array.isArray(v.v) ? v.v.length : -1;
  return null;
}

function isEmptyValue(v: FilterValue): boolean | null {
  if (v.t === 'str') return v.v.length === 0;
  if (v.t !== 'json') return null;
  if (Array.isArray(v.v)) return v.v.length === 0;
  if (v.v !== null && typeof v.v === 'object') return Object.keys(v.v).length === 0;
  return true;
}

function compare(left: FilterValue, op: RelationalOperator, right: FilterValue): boolean {
  switch (op) {
    case '==':
      return nodeEquals(left, right);
    case '!=':
      return !nodeEquals(left, right);
    case '===':
      return left.t === right.t && nodeEquals(left, right);
    case '!==':
      return !(left.t === right.t && nodeEquals(left, right));
    case '<':
      return ordered(left, right, (c) => c < 0);
    case '<=':
      return ordered(left, right, (c) => c <= 0);
    case '>':
      return ordered(left, right, (c) => c > 0);
    case '>=':
      return ordered(left, right, (c) => c >= 0);
    case '=~':
      return regexMatch(left, right);
    case 'IN':
    case 'NIN': {
      const list = asList(right);
      const found = list !== null && list.some((x) => nodeEquals(left, x));
      return op === 'IN' ? found : !found;
    }
    case 'CONTAINS': {
      if (left.t === 'str' && right.t === 'str') return left.v.includes(right.v);
      if (left.t !== 'json') return false;
      const list = asList(left);
      return list !== null && list.some((x) => nodeEquals(right, x));
    }
    case 'SIZE': {
      if (right.t !== 'num') return false;
      const size = sizeOf(left);
      return size !== null && size === Math.trunc(right.v);
    }
    case 'EMPTY': {
      if (right.t !== 'bool') return typeError('boolean');
      const empty = isEmptyValue(left);
      return empty !== null && empty === right.v;
    }
    case 'SUBSETOF':
    case 'ANYOF':
    case 'NONEOF': {
      const l = asList(left);
      const r = asList(right);
      if (l === null || r === null) return false;
      if (op === 'SUBSETOF') return l.every((x) => r.some((y) => nodeEquals(x, y)));
      const any = l.some((x) => r.some((y) => nodeEquals(x, y)));
      return op === 'ANYOF' ? any : !any;
    }
    case 'ALL':
    case 'TYPE':
    case 'MATCHES':
      // Jayway needs a value list, class or predicate node here, which a filter string cannot produce.
      return typeError(op);
  }
}
