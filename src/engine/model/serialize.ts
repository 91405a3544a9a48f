/**
 * Wire shapes: the `Task` and `Workflow` JSON Conductor returns (null properties omitted, derived fields
 * such as `loopOverTask`, `queueWaitTime` and `taskDefinition` added, engine-internal fields dropped).
 */
import { stringifyJsonExact, type JsonObject } from '../../json';
import type { TaskModel, WorkflowModel } from './types';

const INTERNAL_TASK_FIELDS = new Set([
  'waitTimeout',
  'callbackAfterMs',
  'firstScheduledTime',
  'parentTaskReferenceName',
]);

function queueWaitTime(t: TaskModel, now: number): number {
  if (t.startTime > 0 && t.scheduledTime > 0) {
    if (t.updateTime > 0 && t.callbackAfterSeconds > 0) {
      const wait = now - (t.updateTime + t.callbackAfterSeconds * 1000);
      return wait > 0 ? wait : 0;
    }
    return t.startTime - t.scheduledTime;
  }
  return 0;
}

export function toApiTask(t: TaskModel, now: number = Date.now()): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(t)) {
    if (v === undefined || v === null || INTERNAL_TASK_FIELDS.has(k)) continue;
    out[k] = v;
  }
  out.loopOverTask = t.iteration > 0;
  out.queueWaitTime = queueWaitTime(t, now);
  // A definition is JSON data, though its interface has no index signature.
  if (t.workflowTask?.taskDefinition)
    out.taskDefinition = t.workflowTask.taskDefinition as unknown as JsonObject;
  return out;
}

export function toApiWorkflow(w: WorkflowModel, includeTasks: boolean, now: number = Date.now()): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(w)) {
    if (v === undefined || v === null || k === 'tasks' || k === 'failedTaskId') continue;
    out[k] = v;
  }
  out.startTime = w.createTime;
  out.tasks = includeTasks ? w.tasks.map((t) => toApiTask(t, now)) : [];
  return out;
}

/** `WorkflowModel.toShortString()`: `name.version/id`, as Conductor's messages name a workflow. */
export function shortString(
  wf: Pick<WorkflowModel, 'workflowName' | 'workflowVersion' | 'workflowId'>,
): string {
  return `${wf.workflowName}.${wf.workflowVersion}/${wf.workflowId}`;
}

function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** `WorkflowSummary` as the search API returns it (times as ISO strings, input/output as JSON text). */
export function toWorkflowSummary(w: WorkflowModel): JsonObject {
  const out: JsonObject = {
    workflowType: w.workflowName,
    version: w.workflowVersion,
    workflowId: w.workflowId,
    priority: w.priority,
    startTime: isoUtc(w.createTime),
    updateTime: isoUtc(w.updateTime || w.createTime),
    status: w.status,
    input: stringifyJsonExact(w.input ?? {}),
    output: stringifyJsonExact(w.output ?? {}),
    executionTime: w.endTime > 0 ? w.endTime - w.createTime : 0,
    failedReferenceTaskNames: w.failedReferenceTaskNames.join(','),
    failedTaskNames: w.failedTaskNames,
    taskToDomain: w.taskToDomain,
    parentWorkflowId: w.parentWorkflowId ?? '',
  };
  if (w.correlationId !== undefined) out.correlationId = w.correlationId;
  if (w.endTime > 0) out.endTime = isoUtc(w.endTime);
  if (w.reasonForIncompletion !== undefined) out.reasonForIncompletion = w.reasonForIncompletion;
  if (w.event !== undefined) out.event = w.event;
  if (w.createdBy !== undefined) out.createdBy = w.createdBy;
  out.inputSize = (out.input as string).length;
  out.outputSize = (out.output as string).length;
  return out;
}

/** `TaskSummary` as the task search API returns it (times as ISO strings, input/output as JSON text). */
export function toTaskSummary(t: TaskModel, now: number = Date.now()): JsonObject {
  const out: JsonObject = {
    workflowId: t.workflowInstanceId,
    workflowType: t.workflowType,
    scheduledTime: isoUtc(t.scheduledTime),
    startTime: isoUtc(t.startTime),
    updateTime: isoUtc(t.updateTime),
    endTime: isoUtc(t.endTime),
    status: t.status,
    executionTime: t.endTime > 0 ? t.endTime - t.startTime : 0,
    queueWaitTime: queueWaitTime(t, now),
    taskDefName: t.taskDefName,
    taskType: t.taskType,
    input: stringifyJsonExact(t.inputData ?? {}),
    output: stringifyJsonExact(t.outputData ?? {}),
    taskId: t.taskId,
    workflowPriority: t.workflowPriority,
  };
  if (t.correlationId !== undefined) out.correlationId = t.correlationId;
  if (t.reasonForIncompletion !== undefined) out.reasonForIncompletion = t.reasonForIncompletion;
  if (t.domain !== undefined) out.domain = t.domain;
  return out;
}
