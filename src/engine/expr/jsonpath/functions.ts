/**
 * Jayway's path functions (`$.list.length()`, `.sum()`, `.keys()`…), including its quirks: numeric
 * aggregations return Doubles, `max()` starts from Double.MIN_VALUE (so the max of negatives is 4.9E-324),
 * `last()` fails on a one-element list, and an empty aggregation is an error (the read yields null).
 */
import { isPlainObject, type JsonValue } from '../../../json';
import { javaToString } from '../java-format';
import type { CompiledPath, FunctionArg } from './ast';
import { InvalidPathError } from './errors';
import { parseLenientJson } from './lenient-json';

export interface FunctionResult {
  readonly value: JsonValue;
  /** The value is a Java Double (prints `6.0`, not `6`). */
  readonly double: boolean;
}

export interface FunctionContext {
  readonly root: JsonValue;
  /** Hit values of `path` evaluated on `doc`. */
  evaluate(path: CompiledPath, doc: JsonValue): JsonValue[];
  definite(path: CompiledPath): boolean;
}

/** Raised where Jayway raises JsonPathException; the whole read then yields null. */
export class PathFunctionError extends Error {
  override readonly name = 'PathFunctionError';
}

const plain = (value: JsonValue): FunctionResult => ({ value, double: false });

export function invokeFunction(
  name: string,
  args: readonly FunctionArg[],
  model: JsonValue,
  ctx: FunctionContext,
): FunctionResult {
  switch (name) {
    case 'length':
    case 'size':
      return plain(length(args, model, ctx));
    case 'sum':
    case 'avg':
    case 'min':
    case 'max':
    case 'stddev':
      return { value: aggregate(name, numbers(model, args, ctx)), double: true };
    case 'concat':
      return plain(concat(model, args, ctx));
    case 'keys':
      return plain(isPlainObject(model) ? Object.keys(model) : null);
    case 'first':
      return plain(sequenceItem(model, 0));
    case 'last':
      return plain(sequenceItem(model, -1));
    case 'index':
      return plain(sequenceItem(model, Math.trunc(numbers(null, args, ctx)[0] ?? Number.NaN)));
    case 'append':
      return plain(Array.isArray(model) ? [...model, ...args.map((a) => argValue(a, ctx))] : model);
    default:
      throw new InvalidPathError(`Function with name: ${name} does not exist.`);
  }
}

/** A parameter's value: a path is read from the root document, a JSON literal is parsed. */
function argValue(arg: FunctionArg, ctx: FunctionContext): JsonValue {
  if (arg.kind === 'json') return parseLenientJson(arg.text);
  const hits = ctx.evaluate(arg.path, ctx.root);
  if (!ctx.definite(arg.path)) return hits;
  return hits.length === 0 ? null : (hits[hits.length - 1] as JsonValue);
}

function length(args: readonly FunctionArg[], model: JsonValue, ctx: FunctionContext): JsonValue {
  const first = args[0];
  if (first?.kind === 'path') {
    // Jayway appends [*] to the parameter path and counts its hits, evaluated on the current model.
    const path: CompiledPath = {
      root: first.path.root,
      tokens: [...first.path.tokens, { type: 'wildcard' }],
    };
    return ctx.evaluate(path, model).length;
  }
  if (Array.isArray(model)) return model.length;
  if (isPlainObject(model)) return Object.keys(model).length;
  return null;
}

/** Numbers in `model` (when a list) followed by the numbers among the parameters (lists are flattened). */
function numbers(model: JsonValue, args: readonly FunctionArg[], ctx: FunctionContext): number[] {
  const out: number[] = [];
  const consume = (v: JsonValue): void => {
    // An int beyond 2^53 counts as its nearest double, as the functions compute in doubles.
    const num = (x: JsonValue): number | undefined =>
      typeof x === 'number' ? x : typeof x === 'bigint' ? Number(x) : undefined;
    for (const x of Array.isArray(v) ? v : [v]) {
      const n = num(x);
      if (n !== undefined) out.push(n);
    }
  };
  if (Array.isArray(model)) consume(model);
  for (const arg of args) consume(argValue(arg, ctx));
  return out;
}

function aggregate(name: string, values: number[]): number {
  if (values.length === 0) {
    throw new PathFunctionError('Aggregation function attempted to calculate value using empty array');
  }
  const sum = values.reduce((a, b) => a + b, 0);
  switch (name) {
    case 'sum':
      return sum;
    case 'avg':
      return sum / values.length;
    case 'min':
      return values.reduce((m, v) => (m > v ? v : m), Number.MAX_VALUE);
    case 'max':
      return values.reduce((m, v) => (m < v ? v : m), Number.MIN_VALUE);
    default: {
      const sumSq = values.reduce((a, v) => a + v * v, 0);
      const n = values.length;
      return Math.sqrt(sumSq / n - (sum * sum) / n / n);
    }
  }
}

function concat(model: JsonValue, args: readonly FunctionArg[], ctx: FunctionContext): string {
  let out = '';
  if (Array.isArray(model)) for (const x of model) if (typeof x === 'string') out += x;
  for (const arg of args) {
    const v = argValue(arg, ctx);
    if (Array.isArray(v)) for (const x of v) out += x === null ? '' : javaToString(x);
    else if (v !== null) out += javaToString(v);
  }
  return out;
}

function sequenceItem(model: JsonValue, target: number): JsonValue {
  if (!Array.isArray(model)) {
    throw new PathFunctionError('Aggregation function attempted to calculate value using empty array');
  }
  const index = target >= 0 ? target : model.length + target;
  // Jayway rejects a negative target resolving to 0 (`[x].last()` fails) and any index out of range.
  if (Number.isNaN(index) || (target < 0 && index <= 0) || index >= model.length) {
    throw new PathFunctionError(`Target index:${target} larger than object count:${model.length}`);
  }
  return model[index] as JsonValue;
}
