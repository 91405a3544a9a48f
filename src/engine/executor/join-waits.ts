/**
 * Keeps fan-outs linear: a branch that completes successfully and whose success schedules nothing but its
 * JOIN does not trigger a decide of the whole workflow (which reads every sibling); it decrements its
 * JOIN's counter, and only the last branch (or any failure) decides the workflow. Conductor does the same
 * for static forks ("lazy evaluation"); here it covers dynamic forks too. Every decide re-counts, so the
 * counters never drift for long.
 */
import type { EngineContext } from '../context';
import { getNextTask } from '../model/def-tree';
import { isTerminal } from '../model/status';
import { removeIteration, T } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';
import { joinOnRefs, lastTaskByRef } from '../tasks/join';

export class JoinWaits {
  constructor(private readonly ctx: EngineContext) {}

  /** After a decide: re-counts the running branches of each running JOIN (O(tasks), one write per change). */
  track(wf: WorkflowModel): void {
    let byRef: Map<string, TaskModel> | undefined;
    for (const join of wf.tasks) {
      if (join.taskType !== T.JOIN || isTerminal(join.status)) continue;
      byRef ??= lastTaskByRef(wf);
      const refs = joinOnRefs(join);
      let remaining = 0;
      for (const ref of refs) {
        const t = byRef.get(ref);
        if (!t || !isTerminal(t.status)) remaining++;
      }
      const known = this.ctx.joins.remaining(wf.workflowId, join.referenceTaskName);
      if (known === remaining) continue;
      const members = known === undefined ? this.quietMembers(wf, join, refs) : null;
      this.ctx.joins.track(wf.workflowId, join.referenceTaskName, remaining, members);
    }
  }

  /**
   * `task` just completed: true when its JOIN still awaits other branches and nothing else follows it,
   * so its workflow need not be decided now.
   */
  settledWithoutDecide(task: TaskModel): boolean {
    if (task.status !== 'COMPLETED') return false;
    const joinRef = this.ctx.joins.joinOf(task.workflowInstanceId, task.referenceTaskName);
    if (joinRef === undefined) return false;
    const left = this.ctx.joins.decrement(task.workflowInstanceId, joinRef);
    return left !== undefined && left > 0;
  }

  forget(workflowId: string): void {
    this.ctx.joins.deleteWorkflow(workflowId);
  }

  /** The branches after which the definition continues with this JOIN (or with nothing: dynamic forks). */
  private quietMembers(wf: WorkflowModel, join: TaskModel, refs: string[]): string[] {
    const joinRef = removeIteration(join.referenceTaskName);
    return refs.filter((ref) => {
      const next = getNextTask(wf.workflowDefinition, removeIteration(ref));
      return next === null || next.taskReferenceName === joinRef;
    });
  }
}
