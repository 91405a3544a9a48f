/** Small JSON helpers shared by the results modules. */
export { isJSONObject as isPlainObject } from '../notebook/types';
import { stringifyJsonExact } from '../json-exact';

/**
 * Set `key` as an own enumerable property. Names come from notebooks and kernels: a plain assignment of
 * "__proto__" would change the object's prototype instead of adding a value.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Bytes of a value's JSON text (UTF-8), as it would travel in a task output. */
export function taskOutputSize(value: unknown): number {
  const text = stringifyJsonExact(value);
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}
