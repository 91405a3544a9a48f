/**
 * `WorkflowExecutorOps.retry(WorkflowModel)`: re-creates the last unsuccessful attempt of each task and
 * reopens the workflow (used by the retry operation and when a retried child reopens its parents).
 */
import { ConflictError } from '../api-errors';
import { isSuccessful, isTerminal } from '../model/status';
import { T } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';
import { getTaskInput } from '../params';
import { copyTask } from '../tasks/task-model';
import type { WorkflowExecutor } from './executor';

export const isUnsuccessfulTerminal = (t: TaskModel): boolean =>
  isTerminal(t.status) && !isSuccessful(t.status);

/** `taskToBeRescheduled`: a new attempt of a failed task, or a container task reopened in place. */
function reschedule(exec: WorkflowExecutor, wf: WorkflowModel, task: TaskModel): TaskModel {
  if ([T.DO_WHILE, T.FORK_JOIN, T.JOIN, T.EXCLUSIVE_JOIN].includes(task.taskType as never)) {
    task.retried = false;
    task.retryCount += 1;
    task.status = 'IN_PROGRESS';
    return task;
  }
  const next = copyTask(task);
  next.workflowTask = task.workflowTask;
  Object.assign(next, {
    taskId: exec.ctx.newId(),
    retriedTaskId: task.taskId,
    status: 'SCHEDULED',
    retryCount: task.retryCount + 1,
    retried: false,
    executed: false,
    pollCount: 0,
    callbackAfterSeconds: 0,
    callbackAfterMs: 0,
    subWorkflowId: undefined,
    scheduledTime: 0,
    startTime: 0,
    endTime: 0,
    updateTime: 0,
    workerId: undefined,
    reasonForIncompletion: undefined,
    seq: 0,
    outputData: {},
    externalOutputPayloadStoragePath: undefined,
  });
  const wt = next.workflowTask;
  if (wt)
    Object.assign(
      next.inputData,
      getTaskInput(exec.ctx.params, wt.inputParameters, wf, wt.taskDefinition, next.taskId),
    );
  delete next.inputData.subWorkflowId;
  task.retried = true;
  task.executed = true;
  return next;
}

function isJoinOnFailedPermissive(wf: WorkflowModel, joinOn: unknown): boolean {
  if (!Array.isArray(joinOn)) return false;
  return joinOn.some((ref) => {
    let t: TaskModel | undefined;
    for (const x of wf.tasks) if (x.referenceTaskName === ref) t = x;
    return t?.workflowTask?.permissive === true && t.workflowTask.optional !== true && t.status === 'FAILED';
  });
}

/** `retry(WorkflowModel)`: re-creates the last unsuccessful attempt of each task and reopens the workflow. */
export function retryModel(exec: WorkflowExecutor, wf: WorkflowModel): void {
  const retriable = new Map<string, TaskModel>();
  for (const task of wf.tasks) {
    switch (task.status) {
      case 'FAILED':
        if (
          (task.taskType === T.JOIN || task.taskType === T.EXCLUSIVE_JOIN) &&
          isJoinOnFailedPermissive(wf, task.inputData.joinOn)
        ) {
          task.status = 'IN_PROGRESS';
          break;
        }
        retriable.set(task.referenceTaskName, task);
        break;
      case 'FAILED_WITH_TERMINAL_ERROR':
      case 'TIMED_OUT':
        retriable.set(task.referenceTaskName, task);
        break;
      case 'CANCELED':
        if (task.taskType === T.JOIN || task.taskType === T.DO_WHILE) task.status = 'IN_PROGRESS';
        else retriable.set(task.referenceTaskName, task);
        break;
      default:
        retriable.delete(task.referenceTaskName);
    }
  }
  if (retriable.size === 0 && wf.status !== 'TIMED_OUT') {
    throw new ConflictError(
      'There are no retryable tasks! Use restart if you want to attempt entire workflow execution again.',
    );
  }
  wf.status = 'RUNNING';
  wf.lastRetriedTime = exec.ctx.clock();
  wf.reasonForIncompletion = undefined;
  wf.endTime = 0;
  const again = [...retriable.values()].sort((a, b) => a.seq - b.seq).map((t) => reschedule(exec, wf, t));
  const added = exec.dedupAndAddTasks(wf, again);
  exec.scheduleTask(wf, added);
  exec.store.saveWorkflow(wf, true);
}
