/**
 * What the worker tells an observer (metrics, in practice) about its work. Every method is optional and
 * must not throw; the worker calls them inline, so they must be cheap.
 */
export interface ObservedTask {
  taskId: string;
  /** The workflow's name (Conductor's `workflowType`), '' when the task did not say. */
  workflowType: string;
}

export interface WorkerObserver {
  /** A task was accepted and its notebook is about to run. */
  taskStarted?(task: ObservedTask): void;
  /** The handler produced the task's result (`status` as reported to Conductor). */
  taskFinished?(task: ObservedTask, outcome: { status: string; durationMs: number }): void;
  /** One lease-extension (heartbeat) request; `ok` false when Conductor did not accept it. */
  leaseExtended?(ok: boolean): void;
  /** One batch poll was sent for `taskType`. */
  polled?(taskType: string): void;
  /** A batch poll failed (network, auth, server error). */
  pollFailed?(taskType: string, cause: unknown): void;
}
