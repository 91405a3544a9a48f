/**
 * Loading a workflow with its tasks and saving back only what changed. The stored text of each task is
 * kept as its snapshot and compared at save, so a decide never rewrites (or bumps `updateTime` of) a task
 * it did not touch — the response timeout is measured from a task's last real change. Tasks that were
 * already finished and processed when loaded ("frozen") are not even compared, unless a caller that
 * rewrites history (retry, rerun, restart) asks for a full save.
 */
import { shallowCopy } from '../../json';
import type { EngineContext } from '../context';
import { isTerminal } from '../model/status';
import type { TaskModel, WorkflowModel } from '../model/types';
import { workflowRowJson } from '../store/workflows';

export class Persistence {
  private readonly snapshots = new WeakMap<object, string>();
  private readonly frozen = new WeakSet<TaskModel>();

  constructor(private readonly ctx: EngineContext) {}

  loadWorkflow(workflowId: string, includeTasks = true): WorkflowModel | undefined {
    const base = this.ctx.workflows.get(workflowId);
    if (!base) return undefined;
    const loaded = includeTasks ? this.ctx.tasks.loadForWorkflow(workflowId) : [];
    const wf = shallowCopy(base) as WorkflowModel; // not `{ ...base, tasks }`: see shallowCopy
    wf.tasks = loaded.map((l) => l.task);
    this.snapshots.set(wf, workflowRowJson(wf));
    for (const { task, text } of loaded) {
      this.snapshots.set(task, text);
      if (isTerminal(task.status) && (task.executed || task.retried)) this.frozen.add(task);
    }
    return wf;
  }

  loadTask(taskId: string): TaskModel | undefined {
    const loaded = this.ctx.tasks.load(taskId);
    if (!loaded) return undefined;
    this.snapshots.set(loaded.task, loaded.text);
    return loaded.task;
  }

  saveTask(task: TaskModel): void {
    const before = this.snapshots.get(task);
    if (before !== undefined && this.ctx.tasks.text(task) === before) return;
    const now = this.ctx.clock();
    task.updateTime = now;
    // As Conductor's DAO facade: a task that reached a terminal state gets its end time on save.
    if (task.endTime === 0 && isTerminal(task.status)) task.endTime = now;
    const text = this.ctx.tasks.text(task);
    this.ctx.tasks.put(task, text);
    this.snapshots.set(task, text);
    this.frozen.delete(task);
  }

  /** Saves the workflow row and the tasks that changed (`full`: also re-check frozen tasks). */
  saveWorkflow(wf: WorkflowModel, full = false): void {
    for (const t of wf.tasks) if (full || !this.frozen.has(t)) this.saveTask(t);
    this.saveWorkflowRow(wf);
  }

  /**
   * A new workflow: its row is written at its first save (the end of its first decide) rather than now and
   * again if that decide changed it, which would cost a second serialisation just to compare. Anything that
   * reads the workflow store before then writes it first (`WorkflowStore.writeLater`). The start ends with
   * `settleNew` (it succeeded) or `dropNew` (it failed).
   */
  insertWorkflow(wf: WorkflowModel): void {
    this.ctx.workflows.writeLater(wf.workflowId, () => this.snapshots.set(wf, this.ctx.workflows.put(wf)));
  }

  /** Writes a new workflow's row if nothing has yet. */
  settleNew(wf: WorkflowModel): void {
    this.ctx.workflows.writePending(wf.workflowId);
  }

  dropNew(wf: WorkflowModel): void {
    this.ctx.workflows.dropPending(wf.workflowId);
  }

  saveWorkflowRow(wf: WorkflowModel): void {
    if (this.ctx.workflows.writePending(wf.workflowId)) return;
    const before = this.snapshots.get(wf);
    if (workflowRowJson(wf) === before) return;
    wf.updateTime = this.ctx.clock();
    this.snapshots.set(wf, this.ctx.workflows.put(wf));
  }
}
