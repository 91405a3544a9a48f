/**
 * `WorkflowExecutorOps.decide` and scheduling: runs the decider in a loop (synchronous system tasks run
 * inline, so a chain of INLINE/SWITCH/SET_VARIABLE finishes within one call), persists changes, queues
 * worker tasks, and records when the sweeper must look at the workflow again.
 */
import type { JsonObject } from '../../json';
import type { EngineContext } from '../context';
import { Decider } from '../decider/decide';
import { TaskScheduler } from '../decider/schedule';
import { TerminateWorkflowError } from '../decider/terminate-error';
import { nextDeadline } from '../decider/timeouts';
import { isSuccessful, isTerminal, isWorkflowTerminal } from '../model/status';
import { appendIteration, isAsyncSystemTask, isSystemTask, T } from '../model/task-types';
import type { StartWorkflowInput, TaskModel, WorkflowModel, WorkflowTask } from '../model/types';
import { addTaskToQueue } from '../queue/task-queue';
import { createSystemTasks } from '../tasks/registry';
import type { ExecutorApi, SystemTask } from '../tasks/types';
import { setTaskDomains } from './domains';
import { JoinWaits } from './join-waits';
import { Lifecycle } from './lifecycle';
import { Persistence } from './persistence';
import { startWorkflow } from './start';

/** Upper bound on decide-loop iterations in one call (a runaway loop of sync tasks is re-queued). */
const MAX_LOOPS = 10_000;

export class WorkflowExecutor implements ExecutorApi {
  readonly store: Persistence;
  readonly scheduler: TaskScheduler;
  readonly decider: Decider;
  readonly systemTasks: Record<string, SystemTask>;
  readonly lifecycle: Lifecycle;
  readonly joins: JoinWaits;
  private readonly deciding = new Set<string>();
  /**
   * New workflows in their first decide that have no decider-queue row yet: removing their deadline is a
   * no-op, skipped (a statement per start, e.g. per scheduler fire).
   */
  private readonly noDeadlineRow = new Set<string>();

  constructor(readonly ctx: EngineContext) {
    this.store = new Persistence(ctx);
    this.scheduler = new TaskScheduler(ctx);
    this.decider = new Decider(ctx, this.scheduler);
    this.systemTasks = createSystemTasks(ctx);
    this.lifecycle = new Lifecycle(ctx, this);
    this.joins = new JoinWaits(ctx);
  }

  /** A task changed outside a decide (worker update, async system task): decide its workflow, unless it is
   * a fork branch whose JOIN still awaits others (then only the JOIN's counter moves). */
  taskChanged(task: TaskModel): void {
    if (this.joins.settledWithoutDecide(task)) return;
    this.decide(task.workflowInstanceId);
  }

  getWorkflow(workflowId: string, includeTasks: boolean): WorkflowModel | undefined {
    return this.store.loadWorkflow(workflowId, includeTasks);
  }

  startWorkflow(input: StartWorkflowInput): WorkflowModel {
    return startWorkflow(this, input);
  }

  terminateWorkflow(wf: WorkflowModel, reason: string): void {
    this.lifecycle.terminateWorkflow(wf, reason);
  }

  publishEvent(queue: string, messageId: string, payload: JsonObject): void {
    this.lifecycle.publish(queue, messageId, payload);
  }

  removeTasks(wf: WorkflowModel, taskIds: string[]): void {
    const ids = new Set(taskIds);
    wf.tasks = wf.tasks.filter((t) => !ids.has(t.taskId));
    for (const id of ids) {
      this.ctx.tasks.delete(id);
      this.ctx.logs.deleteForTask(id);
    }
  }

  /**
   * Re-evaluates a workflow now. Safe to call from anywhere inside a transaction: a workflow already being
   * decided further up the stack is re-decided after it, and a failure is isolated in a savepoint (the
   * caller's own writes commit; the sweeper retries the decide shortly).
   */
  decide(workflowId: string): void {
    if (this.deciding.has(workflowId)) {
      this.ctx.tx.defer(() => this.decide(workflowId));
      return;
    }
    this.deciding.add(workflowId);
    try {
      this.ctx.tx.savepoint(() => {
        const wf = this.store.loadWorkflow(workflowId, true);
        if (wf) this.decideModel(wf);
      });
    } catch (err) {
      // Not a workflow outcome but an error (bad data or a bug): the decide's writes are undone. Fail the
      // workflow with the reason rather than re-deciding it forever; if even that fails, retry shortly.
      this.ctx.logger.error({ err, workflowId }, 'engine: decide failed');
      try {
        this.ctx.tx.savepoint(() => {
          const wf = this.store.loadWorkflow(workflowId, true);
          if (wf && !isWorkflowTerminal(wf.status)) {
            wf.status = 'FAILED';
            const msg = err instanceof Error ? err.message : String(err);
            this.lifecycle.terminateWorkflow(wf, `Error deciding workflow ${workflowId}: ${msg}`);
          }
        });
      } catch (again) {
        this.ctx.logger.error({ err: again, workflowId }, 'engine: could not fail the workflow; will retry');
        this.scheduleDecideAt(workflowId, this.ctx.clock() + 1000);
      }
    } finally {
      this.deciding.delete(workflowId);
    }
  }

  /** First decide of a workflow just created in memory (errors propagate: the start fails). */
  decideNew(wf: WorkflowModel): void {
    this.deciding.add(wf.workflowId);
    this.noDeadlineRow.add(wf.workflowId);
    try {
      this.decideModel(wf);
    } finally {
      this.deciding.delete(wf.workflowId);
      this.noDeadlineRow.delete(wf.workflowId);
    }
  }

  decideModel(wf: WorkflowModel): void {
    if (isWorkflowTerminal(wf.status)) {
      if (wf.status !== 'COMPLETED') this.lifecycle.cancelNonTerminalTasks(wf);
      this.store.saveWorkflow(wf);
      return;
    }
    this.adjustStateIfSubWorkflowChanged(wf);
    try {
      for (let loop = 0; ; loop++) {
        const outcome = this.decider.decide(wf);
        if (outcome.isComplete) {
          this.lifecycle.endExecution(wf, outcome.terminateTask);
          return;
        }
        setTaskDomains(this.ctx, outcome.tasksToBeScheduled, wf);
        const added = this.dedupAndAddTasks(wf, outcome.tasksToBeScheduled);
        let stateChanged = this.scheduleTask(wf, added);
        const inWorkflow = new Set(wf.tasks);
        for (const task of outcome.tasksToBeScheduled) {
          if (!inWorkflow.has(task) || !isSystemTask(task.taskType) || isTerminal(task.status)) continue;
          if (isAsyncSystemTask(task.taskType)) continue;
          const before = task.status;
          const changed = this.systemTasks[task.taskType]?.execute?.(wf, task, this) ?? false;
          if (changed || task.status !== before) stateChanged = true;
        }
        this.store.saveWorkflow(wf);
        if (!stateChanged) break;
        if (loop >= MAX_LOOPS) {
          this.scheduleDecideAt(wf.workflowId, this.ctx.clock());
          return;
        }
      }
      this.joins.track(wf);
      this.recordNextDeadline(wf);
    } catch (err) {
      if (!(err instanceof TerminateWorkflowError)) throw err;
      this.ctx.logger.debug({ workflowId: wf.workflowId, reason: err.message }, 'engine: workflow ends');
      this.lifecycle.terminate(wf, err);
    }
  }

  /** A child was retried/rerun: reopen JOINs that failed because of it. */
  private adjustStateIfSubWorkflowChanged(wf: WorkflowModel): void {
    const changed = wf.tasks.find((t) => t.taskType === T.SUB_WORKFLOW && t.subworkflowChanged && !t.retried);
    if (!changed) return;
    changed.subworkflowChanged = false;
    for (const t of wf.tasks) {
      if (t.taskType === T.JOIN && isTerminal(t.status) && !isSuccessful(t.status)) {
        t.status = 'IN_PROGRESS';
        t.executed = false;
      }
    }
  }

  dedupAndAddTasks(wf: WorkflowModel, tasks: TaskModel[]): TaskModel[] {
    const existing = new Set(wf.tasks.map((t) => `${t.referenceTaskName}_${t.retryCount}`));
    const added = tasks.filter((t) => !existing.has(`${t.referenceTaskName}_${t.retryCount}`));
    wf.tasks.push(...added);
    return added;
  }

  /** `scheduleTask`: numbers new tasks, starts synchronous system tasks, queues the rest. */
  scheduleTask(wf: WorkflowModel, tasks: TaskModel[]): boolean {
    if (tasks.length === 0) return false;
    const now = this.ctx.clock();
    let seq = wf.tasks.reduce((m, t) => Math.max(m, t.seq), 0);
    for (const t of tasks) {
      if (t.seq === 0) t.seq = ++seq;
      if (t.firstScheduledTime === 0) t.firstScheduledTime = now;
      if (t.scheduledTime === 0) t.scheduledTime = now;
    }
    let started = false;
    const toQueue: TaskModel[] = [];
    for (const t of tasks) {
      if (!isSystemTask(t.taskType)) {
        toQueue.push(t);
        continue;
      }
      if (!isTerminal(t.status) && t.startTime === 0) t.startTime = now;
      if (isAsyncSystemTask(t.taskType)) {
        toQueue.push(t);
        continue;
      }
      try {
        this.systemTasks[t.taskType]?.start?.(wf, t, this);
      } catch (err) {
        const ids = tasks.map((x) => x.taskId).join(', ');
        this.ctx.logger.error({ err, workflowId: wf.workflowId }, 'engine: starting a system task failed');
        throw new TerminateWorkflowError(`Error scheduling tasks: [${ids}], for workflow: ${wf.workflowId}`);
      }
      started = true;
    }
    for (const t of toQueue) if (!isTerminal(t.status)) addTaskToQueue(this.ctx, t);
    return started;
  }

  /** First task of the loop body for the DO_WHILE's current iteration (the decider schedules the rest). */
  scheduleNextIteration(loopTask: TaskModel, wf: WorkflowModel): void {
    const first = loopTask.workflowTask?.loopOver?.[0];
    if (!first) return;
    const tasks = this.scheduler.getTasksToBeScheduled(wf, first, loopTask.retryCount);
    setTaskDomains(this.ctx, tasks, wf);
    for (const t of tasks) {
      t.referenceTaskName = appendIteration(t.referenceTaskName, loopTask.iteration);
      t.iteration = loopTask.iteration;
    }
    wf.tasks.push(...tasks);
    this.scheduleTask(wf, tasks);
  }

  scheduleChildren(wf: WorkflowModel, parent: TaskModel, first: WorkflowTask): void {
    let tasks = this.scheduler.getTasksToBeScheduled(wf, first, parent.retryCount);
    if (parent.iteration > 0) tasks = this.scheduler.filterNextLoopOverTasks(tasks, parent, wf);
    setTaskDomains(this.ctx, tasks, wf);
    this.scheduleTask(wf, this.dedupAndAddTasks(wf, tasks));
  }

  /** When the sweeper must re-evaluate this workflow (timeouts, WAIT), or nothing if no deadline applies. */
  recordNextDeadline(wf: WorkflowModel): void {
    if (isWorkflowTerminal(wf.status) || wf.status === 'PAUSED') {
      this.ctx.queues.removeDecide(wf.workflowId);
      return;
    }
    const due = nextDeadline(wf);
    if (due === null) {
      if (!this.noDeadlineRow.has(wf.workflowId)) this.ctx.queues.removeDecide(wf.workflowId);
    } else this.setDecideAt(wf.workflowId, Math.max(due, this.ctx.clock() + 5));
  }

  private setDecideAt(workflowId: string, dueAt: number): void {
    this.noDeadlineRow.delete(workflowId);
    this.ctx.queues.setDecide(workflowId, dueAt);
    this.ctx.tx.afterCommit(() => this.ctx.signals.deciderQueueChanged(dueAt));
  }

  /** Re-evaluate no later than `dueAt` (keeps an earlier deadline). */
  scheduleDecideAt(workflowId: string, dueAt: number): void {
    this.noDeadlineRow.delete(workflowId);
    this.ctx.queues.scheduleDecide(workflowId, dueAt);
    this.ctx.tx.afterCommit(() => this.ctx.signals.deciderQueueChanged(dueAt));
  }
}
