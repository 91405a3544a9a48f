/**
 * The engine's data model: Conductor's definitions (TaskDef, WorkflowDef, WorkflowTask, EventHandler) and
 * executions (TaskModel, WorkflowModel), with the field names Conductor uses on the wire so that a stored
 * record is also (after `serialize.ts` drops internal fields) the JSON a client sees.
 */
import type { JsonObject, JsonValue } from '../../json';

export type TaskStatus =
  | 'IN_PROGRESS'
  | 'CANCELED'
  | 'FAILED'
  | 'FAILED_WITH_TERMINAL_ERROR'
  | 'COMPLETED'
  | 'COMPLETED_WITH_ERRORS'
  | 'SCHEDULED'
  | 'TIMED_OUT'
  | 'SKIPPED';

export type WorkflowStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'TERMINATED' | 'PAUSED';

export type RetryLogic = 'FIXED' | 'LINEAR_BACKOFF' | 'EXPONENTIAL_BACKOFF';
export type TaskTimeoutPolicy = 'RETRY' | 'TIME_OUT_WF' | 'ALERT_ONLY';

export interface TaskDef {
  name: string;
  description?: string;
  retryCount: number;
  timeoutSeconds: number;
  inputKeys: string[];
  outputKeys: string[];
  timeoutPolicy: TaskTimeoutPolicy;
  retryLogic: RetryLogic;
  retryDelaySeconds: number;
  responseTimeoutSeconds: number;
  concurrentExecLimit?: number;
  inputTemplate: JsonObject;
  rateLimitPerFrequency?: number;
  rateLimitFrequencyInSeconds?: number;
  isolationGroupId?: string;
  executionNameSpace?: string;
  ownerEmail?: string;
  pollTimeoutSeconds?: number;
  backoffScaleFactor: number;
  maxRetryDelaySeconds?: number;
  backoffJitterMs?: number;
  totalTimeoutSeconds?: number;
  createTime?: number;
  updateTime?: number;
  createdBy?: string;
  updatedBy?: string;
  [extra: string]: unknown;
}

export interface SubWorkflowParams {
  name?: string;
  version?: number;
  taskToDomain?: Record<string, string>;
  workflowDefinition?: JsonValue;
  idempotencyKey?: string;
  idempotencyStrategy?: string;
  priority?: JsonValue;
}

export interface WorkflowTask {
  name: string;
  taskReferenceName: string;
  type: string;
  description?: string;
  inputParameters: JsonObject;
  dynamicTaskNameParam?: string;
  caseValueParam?: string;
  caseExpression?: string;
  scriptExpression?: string;
  decisionCases?: Record<string, WorkflowTask[]>;
  defaultCase?: WorkflowTask[];
  dynamicForkJoinTasksParam?: string;
  dynamicForkTasksParam?: string;
  dynamicForkTasksInputParamName?: string;
  forkTasks?: WorkflowTask[][];
  startDelay: number;
  subWorkflowParam?: SubWorkflowParams;
  joinOn?: string[];
  sink?: string;
  optional: boolean;
  taskDefinition?: TaskDef;
  asyncComplete: boolean;
  loopCondition?: string;
  loopOver?: WorkflowTask[];
  items?: string;
  retryCount?: number;
  evaluatorType?: string;
  expression?: string;
  permissive: boolean;
  joinMode?: string;
  [extra: string]: unknown;
}

export interface WorkflowDef {
  name: string;
  description?: string;
  version: number;
  tasks: WorkflowTask[];
  inputParameters: string[];
  outputParameters: JsonObject;
  failureWorkflow?: string;
  failureWorkflowVersion?: number;
  schemaVersion: number;
  restartable: boolean;
  workflowStatusListenerEnabled: boolean;
  workflowStatusListenerSink?: string;
  ownerEmail?: string;
  timeoutPolicy: 'TIME_OUT_WF' | 'ALERT_ONLY';
  timeoutSeconds: number;
  variables: JsonObject;
  inputTemplate: JsonObject;
  createTime?: number;
  updateTime?: number;
  [extra: string]: unknown;
}

export interface EventAction {
  action: 'start_workflow' | 'complete_task' | 'fail_task' | string;
  start_workflow?: {
    name?: string;
    version?: number;
    correlationId?: string;
    input?: JsonObject;
    taskToDomain?: Record<string, string>;
  };
  complete_task?: TaskDetails;
  fail_task?: TaskDetails;
  expandInlineJSON?: boolean;
  [extra: string]: unknown;
}

export interface TaskDetails {
  workflowId?: string;
  taskRefName?: string;
  taskId?: string;
  output?: JsonObject;
  reasonForIncompletion?: string;
}

export interface EventHandler {
  name: string;
  event: string;
  condition?: string;
  evaluatorType?: string;
  actions: EventAction[];
  active: boolean;
  [extra: string]: unknown;
}

/** A task instance. Fields after `parentTaskReferenceName` are engine-internal and never serialized. */
export interface TaskModel {
  taskId: string;
  taskType: string;
  status: TaskStatus;
  inputData: JsonObject;
  outputData: JsonObject;
  referenceTaskName: string;
  retryCount: number;
  seq: number;
  correlationId?: string;
  pollCount: number;
  taskDefName: string;
  scheduledTime: number;
  startTime: number;
  endTime: number;
  updateTime: number;
  startDelayInSeconds: number;
  retriedTaskId?: string;
  retried: boolean;
  executed: boolean;
  callbackFromWorker: boolean;
  responseTimeoutSeconds: number;
  workflowInstanceId: string;
  workflowType: string;
  reasonForIncompletion?: string;
  callbackAfterSeconds: number;
  workerId?: string;
  workflowTask?: WorkflowTask;
  domain?: string;
  rateLimitPerFrequency: number;
  rateLimitFrequencyInSeconds: number;
  externalOutputPayloadStoragePath?: string;
  workflowPriority: number;
  isolationGroupId?: string;
  executionNameSpace?: string;
  iteration: number;
  subWorkflowId?: string;
  subworkflowChanged: boolean;
  firstStartTime: number;
  // --- internal ---
  /** WAIT: epoch ms at which the task completes itself (0 = never). */
  waitTimeout: number;
  /** Retry delay with millisecond precision (jitter). */
  callbackAfterMs: number;
  firstScheduledTime: number;
  parentTaskReferenceName?: string;
}

export interface WorkflowModel {
  workflowId: string;
  workflowName: string;
  workflowVersion: number;
  status: WorkflowStatus;
  input: JsonObject;
  output: JsonObject;
  variables: JsonObject;
  correlationId?: string;
  priority: number;
  reasonForIncompletion?: string;
  createTime: number;
  updateTime: number;
  endTime: number;
  lastRetriedTime: number;
  parentWorkflowId?: string;
  parentWorkflowTaskId?: string;
  taskToDomain: Record<string, string>;
  failedReferenceTaskNames: string[];
  failedTaskNames: string[];
  workflowDefinition: WorkflowDef;
  event?: string;
  createdBy?: string;
  externalInputPayloadStoragePath?: string;
  // --- internal ---
  failedTaskId?: string;
  tasks: TaskModel[];
}

export interface TaskResult {
  workflowInstanceId: string;
  taskId: string;
  reasonForIncompletion?: string;
  callbackAfterSeconds?: number;
  workerId?: string;
  status?: TaskStatus;
  outputData?: JsonObject;
  logs?: { log?: string; taskId?: string; createdTime?: number }[];
  externalOutputPayloadStoragePath?: string;
  subWorkflowId?: string;
  extendLease?: boolean;
}

export interface StartWorkflowInput {
  name?: string;
  version?: number;
  workflowDefinition?: WorkflowDef;
  input?: JsonObject | null;
  correlationId?: string;
  priority?: number;
  taskToDomain?: Record<string, string>;
  workflowId?: string;
  parentWorkflowId?: string;
  parentWorkflowTaskId?: string;
  event?: string;
  createdBy?: string;
  externalInputPayloadStoragePath?: string;
}
