/** A JSON value as the engine stores it (task inputs/outputs, workflow input, variables). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

export interface ResolveOptions {
  /**
   * Values for `${NAME}` when NAME is an environment/system name. Conductor substitutes the server's real
   * environment variables and JVM system properties; we only substitute the names in this allowlisted map,
   * never `process.env`, which would leak secrets into task inputs.
   */
  env?: Readonly<Record<string, string>>;
  /** The id substituted for `${CPEWF_TASK_ID}` (left literal when absent, as Conductor does for a null id). */
  taskId?: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a JSON value (plain data only, so a recursive copy is enough and faster than JSON text). */
export function cloneJson(value: Json): Json {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneJson);
  const out: JsonObject = {};
  for (const key of Object.keys(value)) setOwn(out, key, cloneJson(value[key] as Json));
  return out;
}

/** `obj[key] = value`, except that a `__proto__` key becomes an own property as JSON.parse makes it. */
export function setOwn(obj: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}
