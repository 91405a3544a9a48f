/**
 * `DeciderService.retry`: a failed/timed-out attempt is re-created as a new task (new id, `retriedTaskId`,
 * `retryCount + 1`, input recomputed) after a FIXED / LINEAR_BACKOFF / EXPONENTIAL_BACKOFF delay; when
 * retries are exhausted (or the status is not retriable, or the type is a control-flow task) the workflow
 * is terminated unless the task is optional or permissive.
 */
import type { EngineContext } from '../context';
import { isRetriable } from '../model/status';
import { isBuiltIn } from '../model/task-types';
import type { TaskDef, TaskModel, WorkflowModel, WorkflowStatus, WorkflowTask } from '../model/types';
import { getTaskInput } from '../params';
import { copyTask } from '../tasks/task-model';
import { TerminateWorkflowError } from './terminate-error';

const INT_MAX = 2147483647;

function cap(delay: number, def: TaskDef): number {
  const c = def.maxRetryDelaySeconds ?? 0;
  return c > 0 && delay > c ? c : delay;
}

export function retryDelaySeconds(def: TaskDef, retryCount: number): number {
  let delay = def.retryDelaySeconds;
  switch (def.retryLogic) {
    case 'LINEAR_BACKOFF':
      delay = def.retryDelaySeconds * (def.backoffScaleFactor ?? 1) * (retryCount + 1);
      break;
    case 'EXPONENTIAL_BACKOFF':
      delay = def.retryDelaySeconds * Math.pow(2, retryCount);
      break;
    default:
      break;
  }
  if (!Number.isFinite(delay) || delay > INT_MAX) delay = INT_MAX;
  return cap(delay, def);
}

export function terminalStatusFor(task: TaskModel): WorkflowStatus {
  if (task.status === 'CANCELED') return 'TERMINATED';
  if (task.status === 'TIMED_OUT') return 'TIMED_OUT';
  return 'FAILED';
}

/**
 * Returns the new attempt, or null when the task should not be retried but the workflow continues
 * (optional / permissive). Throws TerminateWorkflowError when the workflow must end.
 * `updateOutput` computes the workflow output before termination, as Conductor does.
 */
export function retry(
  ctx: EngineContext,
  def: TaskDef | undefined,
  workflowTask: WorkflowTask | undefined,
  task: TaskModel,
  wf: WorkflowModel,
  updateOutput: (task: TaskModel) => void,
): TaskModel | null {
  const taskDef = def ?? ctx.defs.getTaskDef(task.taskDefName);
  const expected = taskDef === undefined ? 0 : (workflowTask?.retryCount ?? taskDef.retryCount);
  if (!isRetriable(task.status) || isBuiltIn(task.taskType) || expected <= task.retryCount) {
    if (workflowTask && (workflowTask.optional || workflowTask.permissive)) return null;
    const status = terminalStatusFor(task);
    updateOutput(task);
    throw new TerminateWorkflowError(
      `Task ${task.taskId} failed with status: ${status} and reason: '${task.reasonForIncompletion ?? 'null'}'`,
      status,
      task,
    );
  }
  const now = ctx.clock();
  const total = taskDef?.totalTimeoutSeconds ?? 0;
  if (taskDef && total > 0 && task.firstScheduledTime > 0) {
    const elapsed = Math.trunc((now - task.firstScheduledTime) / 1000);
    if (elapsed >= total) {
      updateOutput(task);
      throw new TerminateWorkflowError(
        `Task ${task.taskId}/${task.taskDefName} exceeded total timeout of ${total} seconds ` +
          `(elapsed ${elapsed} seconds across all attempts). No further retries will be attempted.`,
        task.status === 'TIMED_OUT' ? 'TIMED_OUT' : 'FAILED',
        task,
      );
    }
  }
  const d = taskDef as TaskDef;
  const delay = retryDelaySeconds(d, task.retryCount);
  task.retried = true;
  const jitter =
    (d.backoffJitterMs ?? 0) > 0 ? Math.floor(Math.random() * ((d.backoffJitterMs ?? 0) + 1)) : 0;

  const next = copyTask(task);
  // Share the definition node (not a copy) so storage can keep referring to it by name.
  next.workflowTask = task.workflowTask;
  next.updateTime = 0;
  next.outputData = {};
  next.externalOutputPayloadStoragePath = undefined;
  delete next.inputData.subWorkflowId;
  next.startDelayInSeconds = delay;
  next.callbackAfterSeconds = delay;
  next.callbackAfterMs = delay * 1000 + jitter;
  next.retryCount = task.retryCount + 1;
  next.retried = false;
  next.executed = false;
  next.taskId = ctx.newId();
  next.retriedTaskId = task.taskId;
  next.status = 'SCHEDULED';
  next.pollCount = 0;
  next.reasonForIncompletion = task.reasonForIncompletion;
  next.subWorkflowId = undefined;
  next.seq = 0;
  next.scheduledTime = 0;
  next.startTime = 0;
  next.endTime = 0;
  next.workerId = undefined;
  next.waitTimeout = 0;
  if (workflowTask && wf.workflowDefinition.schemaVersion > 1) {
    Object.assign(next.inputData, getTaskInput(ctx.params, workflowTask.inputParameters, wf, d, next.taskId));
  }
  return next;
}
