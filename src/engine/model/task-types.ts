/** Conductor's built-in task type names and the classification the decider needs. */

export const T = {
  SIMPLE: 'SIMPLE',
  FORK_JOIN: 'FORK_JOIN',
  FORK: 'FORK',
  JOIN: 'JOIN',
  FORK_JOIN_DYNAMIC: 'FORK_JOIN_DYNAMIC',
  SWITCH: 'SWITCH',
  DECISION: 'DECISION',
  DO_WHILE: 'DO_WHILE',
  SUB_WORKFLOW: 'SUB_WORKFLOW',
  INLINE: 'INLINE',
  LAMBDA: 'LAMBDA',
  SET_VARIABLE: 'SET_VARIABLE',
  TERMINATE: 'TERMINATE',
  WAIT: 'WAIT',
  HUMAN: 'HUMAN',
  EVENT: 'EVENT',
  HTTP: 'HTTP',
  START_WORKFLOW: 'START_WORKFLOW',
  NOOP: 'NOOP',
  JSON_JQ_TRANSFORM: 'JSON_JQ_TRANSFORM',
  EXCLUSIVE_JOIN: 'EXCLUSIVE_JOIN',
  DYNAMIC: 'DYNAMIC',
  KAFKA_PUBLISH: 'KAFKA_PUBLISH',
} as const;

/** Types that run inside the engine (never handed to workers). FORK_JOIN/FORK_JOIN_DYNAMIC map to "FORK". */
const SYSTEM_TASKS = new Set<string>([
  T.FORK,
  T.JOIN,
  T.SWITCH,
  T.DECISION,
  T.DO_WHILE,
  T.SUB_WORKFLOW,
  T.INLINE,
  T.LAMBDA,
  T.SET_VARIABLE,
  T.TERMINATE,
  T.WAIT,
  T.HUMAN,
  T.EVENT,
  T.HTTP,
  T.START_WORKFLOW,
  T.NOOP,
  T.JSON_JQ_TRANSFORM,
  T.KAFKA_PUBLISH,
]);

/** Every type a workflow definition may name that has special meaning (used by validation). */
export const KNOWN_WORKFLOW_TASK_TYPES = new Set<string>([
  // definitions name FORK_JOIN and FORK_JOIN_DYNAMIC; the FORK task is what they create at run time
  ...[...SYSTEM_TASKS].filter((t) => t !== T.FORK),
  T.SIMPLE,
  T.FORK_JOIN,
  T.FORK_JOIN_DYNAMIC,
  T.DYNAMIC,
]);

/** Types this engine does not implement; a definition using them is rejected at registration. */
export const UNSUPPORTED_TASK_TYPES = new Set<string>([T.EXCLUSIVE_JOIN]);

export function isSystemTask(taskType: string): boolean {
  return SYSTEM_TASKS.has(taskType);
}

/** `TaskType.isBuiltIn`: control-flow types that are never retried. */
export function isBuiltIn(taskType: string): boolean {
  return (
    taskType === T.DECISION ||
    taskType === T.SWITCH ||
    taskType === T.FORK ||
    taskType === T.FORK_JOIN ||
    taskType === T.JOIN ||
    taskType === T.EXCLUSIVE_JOIN ||
    taskType === T.DO_WHILE
  );
}

/** System tasks executed outside the decide transaction because they await I/O (fetch, jq wasm). */
export function isAsyncSystemTask(taskType: string): boolean {
  return taskType === T.HTTP || taskType === T.JSON_JQ_TRANSFORM;
}

/** System tasks that complete only through the task update API or a child workflow (no response timeout). */
export function isAsyncCompleteSystemTask(taskType: string, asyncComplete: boolean): boolean {
  if (taskType === T.SUB_WORKFLOW) return true;
  return (taskType === T.HTTP || taskType === T.EVENT) && asyncComplete;
}

/** `TaskUtils.removeIterationFromTaskRefName`: everything before the first `__`. */
export function removeIteration(ref: string): string {
  const i = ref.indexOf('__');
  return i < 0 ? ref : ref.slice(0, i);
}

export function appendIteration(ref: string, iteration: number): string {
  return `${ref}__${iteration}`;
}
