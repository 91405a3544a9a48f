/**
 * Task updates from workers and external systems (`WorkflowExecutorOps.updateTask`, `extendLease`, update by
 * reference name, signal). Updates to finished tasks or workflows are ignored (idempotent); a worker's
 * IN_PROGRESS puts the task back on the queue after `callbackAfterSeconds`; outputs are replaced.
 */
import { jsonByteLength, type JsonObject } from '../../json';
import { NotFoundError } from '../api-errors';
import { isTerminal, isWorkflowTerminal } from '../model/status';
import { isAsyncSystemTask, isSystemTask, removeIteration, T } from '../model/task-types';
import type { TaskModel, TaskResult, TaskStatus } from '../model/types';
import { addTaskToQueue, removeTaskFromQueue, taskQueueName } from '../queue/task-queue';
import type { WorkflowExecutor } from './executor';

const MAX_REASON = 500;
const MAX_LOGS_PER_UPDATE = 10;

export function extendLease(exec: WorkflowExecutor, result: TaskResult): void {
  const task = exec.ctx.tasks.get(result.taskId);
  if (!task) throw new NotFoundError(`No such task found by id: ${result.taskId}`);
  if (isTerminal(task.status)) return;
  task.updateTime = exec.ctx.clock();
  exec.ctx.tasks.put(task);
}

/** Applies a TaskResult; returns the task as stored, or null for a lease extension. */
export function updateTask(exec: WorkflowExecutor, result: TaskResult): TaskModel | null {
  const ctx = exec.ctx;
  if (result.extendLease) {
    extendLease(exec, result);
    return null;
  }
  // Only the status: the workflow's row may be large (its input), and a fan-out updates it per branch.
  const wfStatus = ctx.workflows.status(result.workflowInstanceId);
  if (!wfStatus) throw new NotFoundError(`No such workflow found by id: ${result.workflowInstanceId}`);
  const task = exec.store.loadTask(result.taskId);
  if (!task) throw new NotFoundError(`No such task found by id: ${result.taskId}`);
  if (isTerminal(task.status) || isWorkflowTerminal(wfStatus)) {
    removeTaskFromQueue(ctx, task);
    return task;
  }
  const status = result.status as TaskStatus;
  task.status = !isSystemTask(task.taskType) && status === 'IN_PROGRESS' ? 'SCHEDULED' : status;
  task.reasonForIncompletion =
    result.reasonForIncompletion === undefined || result.reasonForIncompletion === null
      ? undefined
      : String(result.reasonForIncompletion).slice(0, MAX_REASON);
  task.workerId = result.workerId ?? undefined;
  task.callbackAfterSeconds = Math.max(0, Math.trunc(result.callbackAfterSeconds ?? 0));
  task.outputData = result.outputData ?? {};
  task.subWorkflowId = result.subWorkflowId ?? undefined;
  if (result.externalOutputPayloadStoragePath)
    task.externalOutputPayloadStoragePath = result.externalOutputPayloadStoragePath;
  checkOutputSize(exec, task);
  if (isTerminal(task.status)) task.endTime = ctx.clock();

  if (isTerminal(task.status)) {
    removeTaskFromQueue(ctx, task);
    // A concurrency slot may have freed: let long-polling workers of this queue look again.
    const queue = taskQueueName(task);
    ctx.tx.afterCommit(() => ctx.signals.queueChanged(queue));
  } else if (
    !isSystemTask(task.taskType) ||
    (isAsyncSystemTask(task.taskType) && task.status === 'SCHEDULED')
  ) {
    task.callbackAfterMs = 0;
    addTaskToQueue(ctx, task);
  }
  exec.store.saveTask(task);

  if (result.logs) {
    const now = ctx.clock();
    for (const l of result.logs.slice(0, MAX_LOGS_PER_UPDATE)) {
      if (l && typeof l.log === 'string')
        ctx.logs.add(task.taskId, l.log, typeof l.createdTime === 'number' ? l.createdTime : now);
    }
  }
  exec.taskChanged(task);
  return exec.ctx.tasks.get(task.taskId) ?? task;
}

/** Conductor's payload limits: above the maximum the task fails terminally and its output is dropped. */
function checkOutputSize(exec: WorkflowExecutor, task: TaskModel): void {
  const size = jsonByteLength(task.outputData);
  const maxKb = Math.floor(exec.ctx.options.maxTaskOutputBytes / 1024);
  if (size > maxKb * 1024) {
    task.status = 'FAILED_WITH_TERMINAL_ERROR';
    task.reasonForIncompletion = `The payload size: ${size} of task: ${task.taskId} in workflow: ${task.workflowInstanceId}  is greater than the permissible limit: ${maxKb * 1024} bytes`;
    task.outputData = {};
  } else if (size > exec.ctx.options.taskOutputThresholdBytes) {
    exec.ctx.logger.warn(
      { taskId: task.taskId, bytes: size },
      'engine: task output is above the 3 MB external-storage threshold; kept inline (no external payload storage here)',
    );
  }
}

/** `TaskResult(Task)`: the result a by-reference update starts from (current output, mapped status). */
function resultFromTask(task: TaskModel): TaskResult {
  const status: TaskStatus =
    task.status === 'COMPLETED_WITH_ERRORS' || task.status === 'TIMED_OUT' || task.status === 'SKIPPED'
      ? 'FAILED'
      : task.status === 'SCHEDULED'
        ? 'IN_PROGRESS'
        : task.status;
  return {
    workflowInstanceId: task.workflowInstanceId,
    taskId: task.taskId,
    reasonForIncompletion: task.reasonForIncompletion,
    callbackAfterSeconds: task.callbackAfterSeconds,
    workerId: task.workerId,
    outputData: { ...task.outputData },
    externalOutputPayloadStoragePath: task.externalOutputPayloadStoragePath,
    subWorkflowId: task.subWorkflowId,
    status,
  };
}

/** The first non-terminal task with this ref (or with the loop suffix stripped). */
export function pendingTaskByRef(
  exec: WorkflowExecutor,
  workflowId: string,
  ref: string,
): TaskModel | undefined {
  const tasks = exec.ctx.tasks.forWorkflow(workflowId).filter((t) => !isTerminal(t.status));
  return (
    tasks.find((t) => t.referenceTaskName === ref) ??
    tasks.find((t) => removeIteration(t.referenceTaskName) === ref)
  );
}

export function updateTaskByRef(
  exec: WorkflowExecutor,
  workflowId: string,
  ref: string,
  status: TaskStatus,
  workerId: string | undefined,
  output: JsonObject,
): string | null {
  const pending = pendingTaskByRef(exec, workflowId, ref);
  if (!pending) return null;
  const result = resultFromTask(pending);
  result.status = status;
  Object.assign(result.outputData as JsonObject, output);
  if (workerId && workerId.trim() !== '') result.workerId = workerId;
  return updateTask(exec, result)?.taskId ?? null;
}

/** The blocking task a signal completes: the first pending WAIT, searching running sub-workflows too. */
function findBlockingTask(exec: WorkflowExecutor, workflowId: string): TaskModel | undefined {
  const tasks = exec.ctx.tasks.forWorkflow(workflowId);
  const wait = tasks.find((t) => t.taskType === T.WAIT && !isTerminal(t.status));
  if (wait) return wait;
  for (const t of tasks) {
    if (t.taskType === T.SUB_WORKFLOW && !isTerminal(t.status) && t.subWorkflowId) {
      const inner = findBlockingTask(exec, t.subWorkflowId);
      if (inner) return inner;
    }
  }
  return undefined;
}

export function signalTask(
  exec: WorkflowExecutor,
  workflowId: string,
  status: TaskStatus,
  output: JsonObject,
): string | null {
  const pending = findBlockingTask(exec, workflowId);
  if (!pending) return null;
  const result = resultFromTask(pending);
  result.status = status;
  Object.assign(result.outputData as JsonObject, output);
  return updateTask(exec, result)?.taskId ?? null;
}
