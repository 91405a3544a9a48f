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
