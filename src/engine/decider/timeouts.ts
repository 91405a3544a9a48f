/**
 * Task and workflow timeouts (`DeciderService.checkWorkflowTimeout/checkTotalTimeout/checkTaskTimeout/
 * checkTaskPollTimeout/isResponseTimedOut`), plus `nextDeadline`: the earliest moment one of these checks
 * (or a WAIT) could change the workflow, which is when the sweeper re-evaluates it.
 */
import { getTaskByRef } from '../model/def-tree';
import { isTerminal } from '../model/status';
import { isAsyncCompleteSystemTask, isSystemTask, T } from '../model/task-types';
import type { TaskDef, TaskModel, WorkflowModel } from '../model/types';
import { TerminateWorkflowError } from './terminate-error';

export function taskDefinitionOf(wf: WorkflowModel, task: TaskModel): TaskDef | undefined {
  return (
    task.workflowTask?.taskDefinition ??
    getTaskByRef(wf.workflowDefinition, task.referenceTaskName)?.taskDefinition
  );
}

export function checkWorkflowTimeout(wf: WorkflowModel, now: number): void {
  const def = wf.workflowDefinition;
  if (def.timeoutSeconds <= 0) return;
  const timeout = def.timeoutSeconds * 1000;
  const elapsed = wf.lastRetriedTime > 0 ? now - wf.lastRetriedTime : now - wf.createTime;
  if (elapsed < timeout) return;
  const reason =
    `Workflow timed out after ${Math.trunc(elapsed / 1000)} seconds. Timeout configured as ${def.timeoutSeconds} seconds. ` +
    `Timeout policy configured to ${def.timeoutPolicy}`;
  if (def.timeoutPolicy === 'TIME_OUT_WF') throw new TerminateWorkflowError(reason, 'TIMED_OUT');
}

export function timeoutTaskWithTimeoutPolicy(reason: string, def: TaskDef, task: TaskModel): void {
  switch (def.timeoutPolicy) {
    case 'ALERT_ONLY':
      return;
    case 'RETRY':
      task.status = 'TIMED_OUT';
      task.reasonForIncompletion = reason;
      return;
    default:
      task.status = 'TIMED_OUT';
      task.reasonForIncompletion = reason;
      throw new TerminateWorkflowError(reason, 'TIMED_OUT', task);
  }
}

export function checkTotalTimeout(def: TaskDef, task: TaskModel, now: number): void {
  const total = def.totalTimeoutSeconds ?? 0;
  if (total <= 0 || isTerminal(task.status) || task.firstScheduledTime <= 0) return;
  const elapsed = Math.trunc((now - task.firstScheduledTime) / 1000);
  if (elapsed < total) return;
  const reason =
    `Task ${task.taskDefName}/${task.taskId} exceeded total timeout of ${total} seconds ` +
    `(elapsed ${elapsed} seconds across all attempts including retry delays). Timeout policy: ${def.timeoutPolicy}`;
  timeoutTaskWithTimeoutPolicy(reason, def, task);
}

export function checkTaskTimeout(def: TaskDef, task: TaskModel, now: number): void {
  if (isTerminal(task.status) || def.timeoutSeconds <= 0 || task.startTime <= 0) return;
  const elapsed = now - (task.startTime + task.startDelayInSeconds * 1000);
  if (elapsed < def.timeoutSeconds * 1000) return;
  const reason =
    `Task timed out after ${Math.trunc(elapsed / 1000)} seconds. Timeout configured as ${def.timeoutSeconds} seconds. ` +
    `Timeout policy configured to ${def.timeoutPolicy}`;
  timeoutTaskWithTimeoutPolicy(reason, def, task);
}

export function checkTaskPollTimeout(def: TaskDef, task: TaskModel, now: number): void {
  const poll = def.pollTimeoutSeconds;
  if (poll === undefined || poll <= 0 || task.status !== 'SCHEDULED') return;
  const elapsed = now - (task.scheduledTime + task.startDelayInSeconds * 1000);
  if (elapsed < poll * 1000 + task.callbackAfterSeconds * 1000) return;
  const reason =
    `Task poll timed out after ${Math.trunc(elapsed / 1000)} seconds. Poll timeout configured as ${poll} seconds. ` +
    `Timeout policy configured to ${def.timeoutPolicy}`;
  timeoutTaskWithTimeoutPolicy(reason, def, task);
}

function asyncComplete(task: TaskModel): boolean {
  return (
    isSystemTask(task.taskType) &&
    isAsyncCompleteSystemTask(task.taskType, task.inputData.asyncComplete === true)
  );
}

export function isResponseTimedOut(def: TaskDef, task: TaskModel, now: number): boolean {
  if (isTerminal(task.status) || asyncComplete(task)) return false;
  if (task.status !== 'IN_PROGRESS' || def.responseTimeoutSeconds === 0) return false;
  const allowed = def.responseTimeoutSeconds * 1000 + task.callbackAfterSeconds * 1000;
  return now - task.updateTime >= allowed;
}

export function timeoutTask(def: TaskDef, task: TaskModel): void {
  task.status = 'TIMED_OUT';
  task.reasonForIncompletion = `responseTimeout: ${def.responseTimeoutSeconds} exceeded for the taskId: ${task.taskId} with Task Definition: ${task.taskDefName}`;
}

/** Earliest time a timeout or WAIT could fire for this workflow, or null when nothing is time-bound. */
export function nextDeadline(wf: WorkflowModel): number | null {
  let next = Infinity;
  const consider = (t: number): void => {
    if (t < next) next = t;
  };
  const wdef = wf.workflowDefinition;
  if (wdef.timeoutSeconds > 0 && wdef.timeoutPolicy === 'TIME_OUT_WF') {
    consider((wf.lastRetriedTime > 0 ? wf.lastRetriedTime : wf.createTime) + wdef.timeoutSeconds * 1000);
  }
  for (const task of wf.tasks) {
    if (task.retried || task.executed || isTerminal(task.status)) continue;
    if (task.taskType === T.WAIT && task.waitTimeout > 0) consider(task.waitTimeout);
    const def = taskDefinitionOf(wf, task);
    if (!def) continue;
    // Alert-only timeouts change nothing (re-deciding at them would spin); the response timeout still applies.
    if (def.timeoutPolicy !== 'ALERT_ONLY') {
      if ((def.totalTimeoutSeconds ?? 0) > 0 && task.firstScheduledTime > 0) {
        consider(task.firstScheduledTime + (def.totalTimeoutSeconds ?? 0) * 1000);
      }
      if (def.timeoutSeconds > 0 && task.startTime > 0) {
        consider(task.startTime + task.startDelayInSeconds * 1000 + def.timeoutSeconds * 1000);
      }
      if ((def.pollTimeoutSeconds ?? 0) > 0 && task.status === 'SCHEDULED') {
        consider(
          task.scheduledTime +
            task.startDelayInSeconds * 1000 +
            ((def.pollTimeoutSeconds ?? 0) + task.callbackAfterSeconds) * 1000,
        );
      }
    }
    if (task.status === 'IN_PROGRESS' && def.responseTimeoutSeconds > 0 && !asyncComplete(task)) {
      consider(task.updateTime + (def.responseTimeoutSeconds + task.callbackAfterSeconds) * 1000);
    }
  }
  return next === Infinity ? null : next;
}
