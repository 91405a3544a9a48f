/**
 * `DeciderService.decide`: given a workflow, which tasks to schedule next (first task, next tasks after
 * finished ones, retries), which timed out, and whether the workflow is complete. Pure with respect to
 * storage: it mutates the in-memory model and returns an outcome the executor applies.
 */
import type { EngineContext } from '../context';
import { getNextTask as defNextTask, getTaskByRef } from '../model/def-tree';
import { isSuccessful, isTerminal, isWorkflowTerminal } from '../model/status';
import { isSystemTask, T } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';
import { checkForWorkflowCompletion, updateWorkflowOutput } from './completion';
import { retry } from './retry';
import { isTaskSkipped, type TaskScheduler } from './schedule';
import { TerminateWorkflowError } from './terminate-error';
import {
  checkTaskPollTimeout,
  checkTaskTimeout,
  checkTotalTimeout,
  checkWorkflowTimeout,
  isResponseTimedOut,
  taskDefinitionOf,
  timeoutTask,
} from './timeouts';

export interface DeciderOutcome {
  tasksToBeScheduled: TaskModel[];
  tasksToBeUpdated: TaskModel[];
  isComplete: boolean;
  terminateTask?: TaskModel;
}

export class Decider {
  constructor(
    private readonly ctx: EngineContext,
    private readonly scheduler: TaskScheduler,
  ) {}

  decide(wf: WorkflowModel): DeciderOutcome {
    const unprocessed = wf.tasks.filter((t) => t.status !== 'SKIPPED' && !t.executed);
    const preScheduled = unprocessed.length === 0 ? this.firstTasks(wf) : [];
    return this.decideWith(wf, preScheduled);
  }

  private firstTasks(wf: WorkflowModel): TaskModel[] {
    const def = wf.workflowDefinition;
    if (def.tasks.length === 0)
      throw new TerminateWorkflowError('No tasks found to be executed', 'COMPLETED');
    let first = def.tasks[0] ?? null;
    while (first && isTaskSkipped(first, wf)) first = defNextTask(def, first.taskReferenceName);
    return first ? this.scheduler.getTasksToBeScheduled(wf, first, 0) : [];
  }

  private decideWith(wf: WorkflowModel, preScheduled: TaskModel[]): DeciderOutcome {
    const outcome: DeciderOutcome = { tasksToBeScheduled: [], tasksToBeUpdated: [], isComplete: false };
    if (isWorkflowTerminal(wf.status)) return outcome;
    const now = this.ctx.clock();
    checkWorkflowTimeout(wf, now);
    if (wf.status === 'PAUSED') return outcome;

    const pending: TaskModel[] = [];
    const executedRefs = new Set<string>();
    let hasSuccessfulTerminate = false;
    for (const t of wf.tasks) {
      if (!t.retried && t.status !== 'SKIPPED' && !t.executed) pending.push(t);
      if (t.executed) executedRefs.add(t.referenceTaskName);
      if (t.taskType === T.TERMINATE && isTerminal(t.status) && isSuccessful(t.status)) {
        hasSuccessfulTerminate = true;
        outcome.terminateTask = t;
      }
    }

    const toSchedule = new Map<string, TaskModel>();
    for (const t of preScheduled) toSchedule.set(t.referenceTaskName, t);
    const putIfAbsent = (t: TaskModel): void => {
      if (!toSchedule.has(t.referenceTaskName)) toSchedule.set(t.referenceTaskName, t);
    };

    for (const task of pending) {
      if (isSystemTask(task.taskType) && !isTerminal(task.status)) {
        putIfAbsent(task);
        executedRefs.delete(task.referenceTaskName);
      }
      const def = taskDefinitionOf(wf, task);
      if (def) {
        checkTotalTimeout(def, task, now);
        checkTaskTimeout(def, task, now);
        checkTaskPollTimeout(def, task, now);
        if (isResponseTimedOut(def, task, now)) timeoutTask(def, task);
      }
      if (isTerminal(task.status) && !isSuccessful(task.status)) {
        const wt = task.workflowTask ?? getTaskByRef(wf.workflowDefinition, task.referenceTaskName);
        const again = retry(this.ctx, def, wt, task, wf, (t) => updateWorkflowOutput(this.ctx, wf, t));
        if (again) {
          toSchedule.set(again.referenceTaskName, again);
          executedRefs.delete(again.referenceTaskName);
          outcome.tasksToBeUpdated.push(task);
        } else if (!(task.workflowTask?.permissive === true && task.workflowTask.optional !== true)) {
          task.status = 'COMPLETED_WITH_ERRORS';
        }
      }
      if (!task.executed && !task.retried && isTerminal(task.status)) {
        task.executed = true;
        let next = this.scheduler.getNextTask(wf, task);
        if (task.iteration > 0 && task.taskType !== T.DO_WHILE && next.length > 0) {
          next = this.scheduler.filterNextLoopOverTasks(next, task, wf);
        }
        for (const n of next) putIfAbsent(n);
        outcome.tasksToBeUpdated.push(task);
      }
    }

    outcome.tasksToBeScheduled = [...toSchedule.values()].filter(
      (t) => !executedRefs.has(t.referenceTaskName),
    );
    if (
      hasSuccessfulTerminate ||
      (outcome.tasksToBeScheduled.length === 0 && checkForWorkflowCompletion(wf))
    ) {
      this.failOnPermissiveFailures(wf);
      outcome.isComplete = true;
    }
    return outcome;
  }

  /** Permissive (non-optional) tasks that failed fail the workflow once everything else is done. */
  private failOnPermissiveFailures(wf: WorkflowModel): void {
    const byRef = new Map<string, TaskModel>();
    for (const t of wf.tasks) {
      if (!t.workflowTask?.permissive || t.workflowTask.optional) continue;
      const prev = byRef.get(t.referenceTaskName);
      if (!prev || t.retryCount >= prev.retryCount) byRef.set(t.referenceTaskName, t);
    }
    const failed = [...byRef.values()].filter((t) => isTerminal(t.status) && !isSuccessful(t.status));
    if (failed.length > 0) {
      throw new TerminateWorkflowError(
        failed
          .map(
            (t) =>
              `Task ${t.taskId} failed with status: ${t.status} and reason: '${t.reasonForIncompletion ?? 'null'}'`,
          )
          .join('. '),
      );
    }
  }
}
