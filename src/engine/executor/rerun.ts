/**
 * `rerun` (`WorkflowExecutorOps.rerunWF` + `finalizeRerun`): re-executes a finished workflow from the start
 * (same id, optionally new input/correlationId) or from a given task (later tasks removed, that task reset,
 * searched recursively in sub-workflows), keeping the workflow id.
 */
import type { JsonObject } from '../../json';
import { BadRequestError, ConflictError } from '../api-errors';
import { isSuccessful, isTerminal, isWorkflowTerminal } from '../model/status';
import { isAsyncSystemTask, isSystemTask, T } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';
import { queueIfPolled, removeTaskFromQueue } from '../queue/task-queue';
import { shortString } from '../model/serialize';
import { loadOr404 } from './admin';
import type { WorkflowExecutor } from './executor';
import { updateAndPushParents } from './parents';

export interface RerunRequest {
  reRunFromWorkflowId: string;
  reRunFromTaskId?: string;
  workflowInput?: JsonObject;
  taskInput?: JsonObject;
  correlationId?: string;
}

function reopen(wf: WorkflowModel, req: { workflowInput?: JsonObject; correlationId?: string }): void {
  Object.assign(wf, {
    status: 'RUNNING',
    reasonForIncompletion: undefined,
    failedTaskId: undefined,
    failedReferenceTaskNames: [],
    failedTaskNames: [],
    endTime: 0,
  });
  if (req.correlationId !== undefined && req.correlationId !== null) wf.correlationId = req.correlationId;
  if (req.workflowInput !== undefined && req.workflowInput !== null) wf.input = req.workflowInput;
}

function deleteTask(exec: WorkflowExecutor, task: TaskModel): void {
  removeTaskFromQueue(exec.ctx, task);
  exec.ctx.tasks.delete(task.taskId);
}

function resetRunState(task: TaskModel, now: number): void {
  Object.assign(task, { scheduledTime: now, startTime: 0, updateTime: 0, endTime: 0, outputData: {} });
  Object.assign(task, { retried: false, executed: false, pollCount: 0, reasonForIncompletion: undefined });
}

function rerunWorkflow(
  exec: WorkflowExecutor,
  workflowId: string,
  req: Omit<RerunRequest, 'reRunFromWorkflowId'>,
): boolean {
  const ctx = exec.ctx;
  const wf = loadOr404(exec, workflowId);
  if (!isWorkflowTerminal(wf.status)) {
    throw new ConflictError(`Workflow: ${shortString(wf)} is not in terminal state, unable to rerun.`);
  }
  const now = ctx.clock();
  if (!req.reRunFromTaskId) {
    for (const t of wf.tasks) deleteTask(exec, t);
    wf.tasks = [];
    reopen(wf, req);
    exec.store.saveWorkflow(wf, true);
    updateAndPushParents(exec, wf, 'reran');
    exec.decide(workflowId);
    return true;
  }
  let from = wf.tasks.find((t) => t.taskId === req.reRunFromTaskId);
  let recursive = false;
  if (!from) {
    for (const t of wf.tasks) {
      if (t.taskType === T.SUB_WORKFLOW && t.subWorkflowId) {
        const child = ctx.workflows.get(t.subWorkflowId);
        if (
          child &&
          isWorkflowTerminal(child.status) &&
          rerunWorkflow(exec, t.subWorkflowId, {
            reRunFromTaskId: req.reRunFromTaskId,
            taskInput: req.taskInput,
          })
        ) {
          from = t;
          recursive = true;
          break;
        }
      }
    }
  }
  if (!from) return false;
  const target = from;
  reopen(wf, req);
  if (recursive) {
    resetRunState(target, now);
    target.startTime = now;
    target.status = 'IN_PROGRESS';
    exec.store.saveWorkflow(wf, true);
    exec.decide(workflowId);
    return true;
  }
  for (const t of wf.tasks) if (t.seq > target.seq) deleteTask(exec, t);
  wf.tasks = wf.tasks.filter((t) => t.seq <= target.seq);
  resetRunState(target, now);
  if (target.taskType === T.SUB_WORKFLOW) {
    target.subWorkflowId = undefined;
    target.status = 'SCHEDULED';
    exec.systemTasks[T.SUB_WORKFLOW]?.start?.(wf, target, exec);
  } else {
    if (req.taskInput) target.inputData = req.taskInput;
    if (isSystemTask(target.taskType) && !isAsyncSystemTask(target.taskType)) {
      // Sync system tasks run again on the next decide (Conductor only calls start(), which for INLINE
      // and friends does nothing, leaving them failed).
      target.status = 'IN_PROGRESS';
      exec.systemTasks[target.taskType]?.start?.(wf, target, exec);
    } else {
      target.status = 'SCHEDULED';
      queueIfPolled(ctx, target);
    }
  }
  finalizeRerun(exec, wf, target);
  return true;
}

function finalizeRerun(exec: WorkflowExecutor, wf: WorkflowModel, from: TaskModel): void {
  const now = exec.ctx.clock();
  if (from.taskType === T.FORK && from.workflowTask?.type === T.FORK_JOIN_DYNAMIC) {
    exec.ctx.tasks.delete(from.taskId);
    wf.tasks = wf.tasks.filter((t) => t.taskId !== from.taskId);
    const again = exec.scheduler.getTasksToBeScheduled(wf, from.workflowTask, 0);
    exec.scheduleTask(wf, exec.dedupAndAddTasks(wf, again));
  } else {
    for (const task of wf.tasks) {
      if (
        isSuccessful(task.status) ||
        !isTerminal(task.status) ||
        task.referenceTaskName === from.referenceTaskName
      )
        continue;
      if (task.taskType === T.SUB_WORKFLOW) {
        task.subWorkflowId = undefined;
        delete task.outputData.subWorkflowId;
      }
      if (task.taskType === T.JOIN || task.taskType === T.DO_WHILE) task.status = 'IN_PROGRESS';
      else if (isSystemTask(task.taskType) && !isAsyncSystemTask(task.taskType)) task.status = 'IN_PROGRESS';
      else {
        task.status = 'SCHEDULED';
        queueIfPolled(exec.ctx, task);
      }
      Object.assign(task, { executed: false, startTime: now, endTime: 0, reasonForIncompletion: undefined });
    }
  }
  exec.store.saveWorkflow(wf, true);
  exec.decide(wf.workflowId);
  updateAndPushParents(exec, wf, 'reran');
}

export function rerun(exec: WorkflowExecutor, req: RerunRequest): string {
  if (!rerunWorkflow(exec, req.reRunFromWorkflowId, req)) {
    throw new BadRequestError(`Task ${req.reRunFromTaskId ?? 'null'} not found`);
  }
  return req.reRunFromWorkflowId;
}
