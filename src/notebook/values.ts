/**
 * Parameter values. JSON and JavaScript numbers cannot tell `1` from `1.0`, but every kernel language
 * can, and papermill renders them differently (`1` vs `1.0`). So a plain `number` is an int when it is
 * integral and a float otherwise; an integral *float* is wrapped in `FloatValue`; an int beyond 2^53 is
 * a `bigint`.
 */
import { isPlainObject } from '../json';

export class FloatValue {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

export type ParamValue = null | boolean | string | number | bigint | FloatValue | ParamValue[] | ParamObject;

export interface ParamObject {
  [key: string]: ParamValue;
}

/** Insertion-ordered name → value, as papermill's dict. */
export type Parameters = Record<string, ParamValue>;

export function isParamObject(v: ParamValue): v is ParamObject {
  return isPlainObject(v); // a FloatValue is a class instance, not a plain object
}

/**
 * Plain JSON view: FloatValue unwrapped; a bigint stays a bigint beyond 2^53 (the notebook serializer and
 * json.ts write it as its exact digits, as papermill records Python ints), else a number.
 */
export function toPlainJSON(v: ParamValue): unknown {
  if (v instanceof FloatValue) return v.value;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(toPlainJSON);
  if (isParamObject(v)) {
    const out: Record<string, unknown> = {};
    // defineProperty: a parameter literally named "__proto__" must stay a plain key
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, k, {
        value: toPlainJSON(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}
