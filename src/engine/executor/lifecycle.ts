/**
 * How workflows end (`endExecution`, `completeWorkflow`, `terminate`, `terminateWorkflow`,
 * `cancelNonTerminalTasks`), how a finished child updates its parent's SUB_WORKFLOW task, and the
 * workflow-status events published when a workflow ends (see `events/status-events.ts`).
 */
import type { JsonObject } from '../../json';
import type { EngineContext } from '../context';
import { updateWorkflowOutput } from '../decider/completion';
import type { TerminateWorkflowError } from '../decider/terminate-error';
import { publishMessage } from '../events/publish';
import { publishWorkflowStatus } from '../events/status-events';
import { isTerminal, isWorkflowTerminal } from '../model/status';
import { isSystemTask } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';
import { toApiWorkflow } from '../model/serialize';
import { removeTaskFromQueue } from '../queue/task-queue';
import { applyChildStatus } from '../tasks/sub-workflow';
import { ConflictError } from '../api-errors';
import type { ExecutorApi, SystemTask } from '../tasks/types';
import type { JoinWaits } from './join-waits';
import type { Persistence } from './persistence';

/** What ending workflows needs from the executor (an interface, so the executor can own a Lifecycle). */
export interface LifecycleHost extends ExecutorApi {
  readonly store: Persistence;
  readonly systemTasks: Record<string, SystemTask>;
  readonly joins: JoinWaits;
  decide(workflowId: string): void;
}

export class Lifecycle {
  constructor(
    private readonly ctx: EngineContext,
    private readonly exec: LifecycleHost,
  ) {}

  endExecution(wf: WorkflowModel, terminateTask: TaskModel | undefined): void {
    if (terminateTask) {
      const status = terminateTask.inputData.terminationStatus;
      const given = terminateTask.inputData.terminationReason;
      const reason =
        typeof given === 'string' && given.trim() !== ''
          ? given
          : `Workflow is ${String(status)} by TERMINATE task: ${terminateTask.taskId}`;
      if (status === 'FAILED' || status === 'TERMINATED') {
        wf.status = status;
        this.terminate(wf, {
          message: reason,
          workflowStatus: status,
          task: terminateTask,
        } as TerminateWorkflowError);
      } else {
        wf.reasonForIncompletion = reason;
        this.completeWorkflow(wf);
      }
    } else {
      this.completeWorkflow(wf);
    }
    this.cancelNonTerminalTasks(wf);
    this.exec.store.saveWorkflow(wf);
  }

  completeWorkflow(wf: WorkflowModel): void {
    if (wf.status === 'COMPLETED') {
      this.ctx.queues.removeDecide(wf.workflowId);
      return;
    }
    if (isWorkflowTerminal(wf.status)) {
      throw new ConflictError(`Workflow is already in terminal state. Current status: ${wf.status}`);
    }
    updateWorkflowOutput(this.ctx, wf, null);
    wf.status = 'COMPLETED';
    wf.endTime = this.ctx.clock();
    this.recordFailedTasks(wf);
    this.exec.store.saveWorkflow(wf);
    this.ended(wf);
  }

  /** `WorkflowExecutorOps.terminate(workflow, TerminateWorkflowException)`. */
  terminate(
    wf: WorkflowModel,
    err: Pick<TerminateWorkflowError, 'message' | 'workflowStatus' | 'task'>,
  ): void {
    if (!isWorkflowTerminal(wf.status)) wf.status = err.workflowStatus;
    if (err.task && !wf.failedTaskId) wf.failedTaskId = err.task.taskId;
    let failureWorkflow = wf.workflowDefinition.failureWorkflow;
    if (failureWorkflow && failureWorkflow.startsWith('$')) {
      const key = failureWorkflow.split('.')[2] ?? '';
      const named = wf.input[key];
      failureWorkflow = typeof named === 'string' ? named : undefined;
    }
    this.terminateWorkflow(wf, err.message, failureWorkflow, wf.workflowDefinition.failureWorkflowVersion);
  }

  terminateWorkflow(
    wf: WorkflowModel,
    reason: string | undefined,
    failureWorkflow?: string,
    failureVersion?: number,
  ): void {
    if (!isWorkflowTerminal(wf.status)) wf.status = 'TERMINATED';
    if (wf.tasks.length === 0 && wf.workflowDefinition.tasks.length > 0) {
      wf.tasks = this.ctx.tasks.forWorkflow(wf.workflowId);
    }
    try {
      updateWorkflowOutput(this.ctx, wf, null);
    } catch (err) {
      this.ctx.logger.error({ err, workflowId: wf.workflowId }, 'engine: computing workflow output failed');
    }
    this.recordFailedTasks(wf);
    wf.reasonForIncompletion = reason;
    wf.endTime = this.ctx.clock();
    this.cancelNonTerminalTasks(wf);
    for (const t of wf.tasks) removeTaskFromQueue(this.ctx, t);
    if (failureWorkflow && failureWorkflow.trim() !== '')
      this.startFailureWorkflow(wf, reason, failureWorkflow, failureVersion);
    this.exec.store.saveWorkflow(wf);
    this.ended(wf);
  }

  /** What follows any end: no more decides or script evaluations, status events, the parent's turn. */
  private ended(wf: WorkflowModel): void {
    const id = wf.workflowId;
    this.ctx.queues.removeDecide(id);
    this.ctx.scripts.deleteOwner(id);
    this.exec.joins.forget(id);
    this.ctx.tx.afterCommit(() => this.ctx.signals.workflowEnded(id));
    publishWorkflowStatus(this.ctx, wf);
    if (wf.parentWorkflowId) this.scheduleParentUpdate(id);
  }

  private startFailureWorkflow(
    wf: WorkflowModel,
    reason: string | undefined,
    name: string,
    version?: number,
  ): void {
    const input: JsonObject = {
      ...wf.input,
      workflowId: wf.workflowId,
      reason: reason ?? null,
      failureStatus: wf.status,
      failedWorkflow: toApiWorkflow(wf, true, this.ctx.clock()),
    };
    if (wf.failedTaskId) input.failureTaskId = wf.failedTaskId;
    try {
      const started = this.exec.startWorkflow({
        name,
        version,
        input,
        correlationId: wf.correlationId,
        taskToDomain: wf.taskToDomain,
      });
      wf.output = { ...wf.output, 'conductor.failure_workflow': started.workflowId };
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      wf.output = {
        ...wf.output,
        'conductor.failure_workflow': `Error workflow ${name} failed to start.  reason: ${msg}`,
      };
    }
  }

  private recordFailedTasks(wf: WorkflowModel): void {
    const refs = new Set(wf.failedReferenceTaskNames);
    const names = new Set(wf.failedTaskNames);
    for (const t of wf.tasks) {
      if (t.status === 'FAILED' || t.status === 'FAILED_WITH_TERMINAL_ERROR') {
        refs.add(t.referenceTaskName);
        names.add(t.taskDefName);
      }
    }
    wf.failedReferenceTaskNames = [...refs];
    wf.failedTaskNames = [...names];
  }

  cancelNonTerminalTasks(wf: WorkflowModel): void {
    for (const task of wf.tasks) {
      if (isTerminal(task.status)) continue;
      task.status = 'CANCELED';
      removeTaskFromQueue(this.ctx, task);
      if (isSystemTask(task.taskType)) {
        try {
          this.exec.systemTasks[task.taskType]?.cancel?.(wf, task, this.exec);
        } catch (err) {
          this.ctx.logger.error({ err, taskId: task.taskId }, 'engine: cancelling a system task failed');
        }
        task.status = 'CANCELED';
      }
    }
    this.ctx.queues.removeDecide(wf.workflowId);
  }

  /** After a child ends: mirror its state onto the parent's SUB_WORKFLOW task and decide the parent. */
  private scheduleParentUpdate(childId: string): void {
    this.ctx.tx.defer(() => this.updateParentWorkflowTask(childId));
  }

  updateParentWorkflowTask(childId: string): void {
    const child = this.exec.store.loadWorkflow(childId, false);
    if (!child?.parentWorkflowTaskId) return;
    const task = this.exec.store.loadTask(child.parentWorkflowTaskId);
    if (!task || isTerminal(task.status) || task.retried) return;
    const parent = this.exec.store.loadWorkflow(task.workflowInstanceId, true);
    const inParent = parent?.tasks.find((t) => t.taskId === task.taskId);
    if (!parent || !inParent) return;
    applyChildStatus(child, inParent);
    this.exec.store.saveWorkflow(parent);
    this.exec.decide(parent.workflowId);
  }

  publish(queue: string, messageId: string, payload: JsonObject): void {
    publishMessage(this.ctx, queue, messageId, payload);
  }
}
