/**
 * Operator actions on a workflow: terminate, pause, resume, skip a task, retry, restart, remove
 * (`WorkflowExecutorOps`), with Conductor's status codes and messages. Rerun lives in `rerun.ts`, the
 * retry of a workflow's tasks in `retry-workflow.ts`.
 */
import type { JsonObject } from '../../json';
import { ConflictError, IllegalStateError, NotFoundError } from '../api-errors';
import { getTaskByRef } from '../model/def-tree';
import { isWorkflowTerminal } from '../model/status';
import { isSystemTask, T } from '../model/task-types';
import { shortString } from '../model/serialize';
import type { TaskModel, WorkflowModel } from '../model/types';
import { addTaskToQueue, removeTaskFromQueue, taskQueueName } from '../queue/task-queue';
import { copyTask } from '../tasks/task-model';
import type { WorkflowExecutor } from './executor';
import { updateAndPushParents } from './parents';
import { isUnsuccessfulTerminal, retryModel } from './retry-workflow';
import { adoptDefinition, registeredDefinition } from './start';

export function loadOr404(exec: WorkflowExecutor, workflowId: string, includeTasks = true): WorkflowModel {
  const wf = exec.store.loadWorkflow(workflowId, includeTasks);
  if (!wf) throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
  return wf;
}

export function terminateById(exec: WorkflowExecutor, workflowId: string, reason: string | undefined): void {
  const wf = loadOr404(exec, workflowId);
  if (wf.status === 'COMPLETED') throw new ConflictError('Cannot terminate a COMPLETED workflow.');
  if (wf.status === 'TERMINATED') return;
  wf.status = 'TERMINATED';
  exec.lifecycle.terminateWorkflow(wf, reason);
}

export function pause(exec: WorkflowExecutor, workflowId: string): void {
  const wf = loadOr404(exec, workflowId, false);
  if (isWorkflowTerminal(wf.status)) {
    throw new ConflictError(`Workflow ${shortString(wf)} has ended, status cannot be updated.`);
  }
  if (wf.status === 'PAUSED') return;
  wf.status = 'PAUSED';
  exec.store.saveWorkflowRow(wf);
  exec.ctx.queues.removeDecide(workflowId);
}

export function resume(exec: WorkflowExecutor, workflowId: string): void {
  const wf = loadOr404(exec, workflowId, false);
  if (wf.status !== 'PAUSED') {
    throw new IllegalStateError(
      `The workflow ${workflowId} is not PAUSED so cannot resume. Current status is ${wf.status}`,
    );
  }
  wf.status = 'RUNNING';
  wf.lastRetriedTime = exec.ctx.clock();
  exec.store.saveWorkflowRow(wf);
  exec.decide(workflowId);
  // HTTP/JQ tasks queued while paused were left alone by the async runner: let it look again.
  exec.ctx.tx.afterCommit(() => exec.ctx.signals.asyncSystemTaskQueued());
}

export function skipTask(
  exec: WorkflowExecutor,
  workflowId: string,
  ref: string,
  input?: JsonObject,
  output?: JsonObject,
): void {
  const wf = loadOr404(exec, workflowId);
  if (wf.status !== 'RUNNING') {
    throw new IllegalStateError(
      `The workflow ${workflowId} is not running so the task referenced by ${ref} cannot be skipped`,
    );
  }
  const wt = getTaskByRef(wf.workflowDefinition, ref);
  if (!wt) {
    throw new IllegalStateError(
      `The task referenced by ${ref} does not exist in the WorkflowDefinition ${wf.workflowName}`,
    );
  }
  if (wf.tasks.some((t) => t.referenceTaskName === ref)) {
    throw new IllegalStateError(`The task referenced ${ref} has already been processed, cannot be skipped`);
  }
  const now = exec.ctx.clock();
  const skipped: TaskModel = {
    ...copyTask({
      taskId: exec.ctx.newId(),
      taskType: wt.name,
      status: 'SKIPPED',
      inputData: input ?? {},
      outputData: output ?? {},
      referenceTaskName: ref,
      retryCount: 0,
      seq: 0,
      correlationId: wf.correlationId,
      pollCount: 0,
      taskDefName: wt.name,
      scheduledTime: 0,
      startTime: 0,
      endTime: now,
      updateTime: 0,
      startDelayInSeconds: 0,
      retried: false,
      executed: false,
      callbackFromWorker: true,
      responseTimeoutSeconds: 0,
      workflowInstanceId: workflowId,
      workflowType: wf.workflowName,
      callbackAfterSeconds: 0,
      rateLimitPerFrequency: 0,
      rateLimitFrequencyInSeconds: 0,
      workflowPriority: wf.priority,
      iteration: 0,
      subworkflowChanged: false,
      firstStartTime: 0,
      waitTimeout: 0,
      callbackAfterMs: 0,
      firstScheduledTime: 0,
    }),
  };
  exec.store.saveTask(skipped);
  exec.decide(workflowId);
}

export function retry(exec: WorkflowExecutor, workflowId: string, resumeSubworkflowTasks: boolean): void {
  let wf = loadOr404(exec, workflowId);
  if (!isWorkflowTerminal(wf.status))
    throw new NotFoundError(`Workflow is still running.  status=${wf.status}`);
  if (wf.tasks.length === 0) throw new ConflictError('Workflow has not started yet');
  if (resumeSubworkflowTasks) {
    const failed = wf.tasks.find(isUnsuccessfulTerminal);
    if (!failed) return;
    wf = lastFailedSubWorkflow(exec, failed, wf);
  }
  retryModel(exec, wf);
  updateAndPushParents(exec, wf, 'retried');
  exec.decide(wf.workflowId);
}

function lastFailedSubWorkflow(
  exec: WorkflowExecutor,
  task: TaskModel,
  parent: WorkflowModel,
): WorkflowModel {
  if (!isUnsuccessfulTerminal(task)) return parent;
  if (task.taskType === T.SUB_WORKFLOW && task.subWorkflowId) {
    const child = exec.store.loadWorkflow(task.subWorkflowId, true);
    const failed = child?.tasks.find(isUnsuccessfulTerminal);
    return child && failed ? lastFailedSubWorkflow(exec, failed, child) : parent;
  }
  if (task.taskType === T.DO_WHILE) {
    const sub = parent.tasks.find((t) => t.taskType === T.SUB_WORKFLOW && isUnsuccessfulTerminal(t));
    return sub ? lastFailedSubWorkflow(exec, sub, parent) : parent;
  }
  return parent;
}

export function restart(exec: WorkflowExecutor, workflowId: string, useLatestDefinitions: boolean): void {
  const ctx = exec.ctx;
  const wf = loadOr404(exec, workflowId);
  if (!isWorkflowTerminal(wf.status)) {
    throw new ConflictError(`Workflow: ${shortString(wf)} is not in terminal state, unable to restart.`);
  }
  if (useLatestDefinitions) {
    const latest = registeredDefinition(ctx, wf.workflowName);
    if (!latest) throw new NotFoundError(`Unable to find latest definition for ${workflowId}`);
    adoptDefinition(ctx, workflowId, latest);
    wf.workflowDefinition = latest.def;
    wf.workflowVersion = latest.def.version;
  }
  if (!wf.workflowDefinition.restartable && wf.status === 'COMPLETED') {
    throw new NotFoundError(`Workflow: ${shortString(wf)} is non-restartable`);
  }
  for (const t of wf.tasks) {
    removeTaskFromQueue(ctx, t);
    ctx.logs.deleteForTask(t.taskId);
  }
  ctx.tasks.deleteForWorkflow(workflowId);
  Object.assign(wf, {
    tasks: [],
    reasonForIncompletion: undefined,
    failedTaskId: undefined,
    createTime: ctx.clock(),
    endTime: 0,
    lastRetriedTime: 0,
    status: 'RUNNING',
    output: {},
  });
  ctx.workflows.put(wf);
  exec.decide(workflowId);
  updateAndPushParents(exec, wf, 'restarted');
}

export function removeWorkflow(exec: WorkflowExecutor, workflowId: string): void {
  const ctx = exec.ctx;
  const wf = loadOr404(exec, workflowId);
  for (const t of wf.tasks) {
    removeTaskFromQueue(ctx, t);
    ctx.logs.deleteForTask(t.taskId);
  }
  ctx.tasks.deleteForWorkflow(workflowId);
  ctx.workflows.delete(workflowId);
  ctx.queues.removeDecide(workflowId);
  ctx.scripts.deleteOwner(workflowId);
  exec.joins.forget(workflowId);
  ctx.tx.afterCommit(() => ctx.signals.workflowEnded(workflowId));
}

/** Terminates the workflow unless it has ended, then removes it. */
export function terminateAndRemove(
  exec: WorkflowExecutor,
  workflowId: string,
  reason: string | undefined,
): void {
  const wf = loadOr404(exec, workflowId, false);
  if (!isWorkflowTerminal(wf.status)) terminateById(exec, workflowId, reason);
  removeWorkflow(exec, workflowId);
}

export function resetCallbacks(exec: WorkflowExecutor, workflowId: string): void {
  const wf = loadOr404(exec, workflowId);
  if (isWorkflowTerminal(wf.status))
    throw new ConflictError(`Workflow is in terminal state. Status = ${wf.status}`);
  for (const t of wf.tasks) {
    if (isSystemTask(t.taskType) || t.status !== 'SCHEDULED' || t.callbackAfterSeconds <= 0) continue;
    if (!exec.ctx.queues.contains(taskQueueName(t), t.taskId)) continue;
    t.callbackAfterSeconds = 0;
    t.callbackAfterMs = 0;
    addTaskToQueue(exec.ctx, t);
  }
  exec.store.saveWorkflow(wf, true);
}
