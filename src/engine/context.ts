/** What every engine component receives: the stores, the transaction runner, time, ids, options, logger. */
import type { Logger } from '../log';
import type { ParamContext } from './params';
import { DEFAULT_SCHEDULER_OPTIONS, type SchedulerOptions } from './scheduler/options';
import type { Db } from './store/db';
import type { DefinitionStore } from './store/definitions';
import type { EventStore } from './store/events';
import type { JoinStore } from './store/joins';
import type { LogStore } from './store/logs';
import type { QueueStore } from './store/queues';
import type { ScriptEvalStore } from './store/script-evals';
import type { TaskStore } from './store/tasks';
import type { Transactor } from './store/transactor';
import type { WorkflowStore } from './store/workflows';

export interface EngineOptions {
  /** A domain counts as active when a worker polled it within this window (Conductor: 10 s). */
  activeWorkerLastPollMs: number;
  /** Time limit for INLINE / SWITCH / DO_WHILE / event-condition scripts (Conductor: 4 s). */
  scriptTimeoutMs: number;
  /** Scripts evaluated at once, each in its own process. */
  scriptProcesses: number;
  /** Heap limit of each script process, in MiB. */
  scriptMemoryMb: number;
  /** Largest script result (characters of its JSON text); a larger one fails the script. */
  scriptMaxResultChars: number;
  /** Task output above this many bytes would go to external storage in Conductor; here it is kept. */
  taskOutputThresholdBytes: number;
  /** Task output above this many bytes fails the task with FAILED_WITH_TERMINAL_ERROR (Conductor: 10 MB). */
  maxTaskOutputBytes: number;
  /** SET_VARIABLE limit on the serialized variables (Conductor: 256 KB). */
  maxVariablesBytes: number;
  /** Largest accepted request body. */
  maxBodyBytes: number;
  /** Values for `${NAME}` lookups of server environment names. */
  env: Record<string, string | undefined>;
  /** `/api/scheduler`: catch-up default and cap, history retention. */
  scheduler: SchedulerOptions;
  /** How often the queues of external event handlers (`sqs:`) are re-subscribed (Conductor: 60 s). */
  eventQueueRefreshMs: number;
}

/** Engine options as callers give them: any subset, `scheduler` merged key by key. */
export type EngineOptionsInput = Partial<Omit<EngineOptions, 'scheduler'>> & {
  scheduler?: Partial<SchedulerOptions>;
};

export const DEFAULT_OPTIONS: EngineOptions = {
  activeWorkerLastPollMs: 10_000,
  scriptTimeoutMs: 4_000,
  scriptProcesses: 4,
  scriptMemoryMb: 256,
  scriptMaxResultChars: 10 * 1024 * 1024,
  taskOutputThresholdBytes: 3 * 1024 * 1024,
  maxTaskOutputBytes: 10 * 1024 * 1024,
  maxVariablesBytes: 256 * 1024,
  maxBodyBytes: 32 * 1024 * 1024,
  env: {},
  scheduler: DEFAULT_SCHEDULER_OPTIONS,
  eventQueueRefreshMs: 1_000,
};

/** Signals fired after a commit so in-process waiters react immediately. */
export interface EngineSignals {
  queueChanged(queue: string): void;
  deciderQueueChanged(dueAt: number): void;
  asyncSystemTaskQueued(): void;
  eventPublished(): void;
  /** A script evaluation was requested. */
  scriptRequested(): void;
  /** A workflow ended: stop evaluating its scripts. */
  workflowEnded(workflowId: string): void;
}

export interface EngineContext {
  db: Db;
  tx: Transactor;
  defs: DefinitionStore;
  workflows: WorkflowStore;
  tasks: TaskStore;
  queues: QueueStore;
  logs: LogStore;
  events: EventStore;
  joins: JoinStore;
  scripts: ScriptEvalStore;
  clock: () => number;
  logger: Logger;
  options: EngineOptions;
  params: ParamContext;
  signals: EngineSignals;
  newId: () => string;
}

export function queueNameFor(
  taskType: string,
  domain?: string,
  isolationGroupId?: string,
  executionNameSpace?: string,
): string {
  let q = domain ? `${domain}:${taskType}` : taskType;
  if (executionNameSpace) q = `${q}@${executionNameSpace}`;
  if (isolationGroupId) q = `${q}-${isolationGroupId}`;
  return q;
}
