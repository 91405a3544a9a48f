/**
 * Navigation of a workflow definition's nested task tree, ported from Conductor's `WorkflowDef.getNextTask`
 * and `WorkflowTask.next/has/collectTasks`. The decider relies on these exact rules: the next task after
 * the last task of a fork branch is the JOIN, after the last task of a SWITCH case the task after the
 * SWITCH, after the last task of a loop body the DO_WHILE itself.
 */
import { T } from './task-types';
import type { WorkflowDef, WorkflowTask } from './types';

function children(wt: WorkflowTask): WorkflowTask[][] {
  switch (wt.type) {
    case T.DECISION:
    case T.SWITCH:
      return [...Object.values(wt.decisionCases ?? {}), wt.defaultCase ?? []];
    case T.FORK_JOIN:
      return wt.forkTasks ?? [];
    case T.DO_WHILE:
      return [wt.loopOver ?? []];
    default:
      return [];
  }
}

/** The task and every task nested under it, depth first. */
export function collectTasks(wt: WorkflowTask, out: WorkflowTask[] = []): WorkflowTask[] {
  out.push(wt);
  for (const list of children(wt)) for (const child of list) collectTasks(child, out);
  return out;
}

export function collectDefTasks(def: WorkflowDef): WorkflowTask[] {
  const out: WorkflowTask[] = [];
  for (const wt of def.tasks) collectTasks(wt, out);
  return out;
}

export function has(wt: WorkflowTask, ref: string): boolean {
  if (wt.taskReferenceName === ref) return true;
  switch (wt.type) {
    case T.DECISION:
    case T.SWITCH:
    case T.DO_WHILE:
    case T.FORK_JOIN:
      return children(wt).some((list) => list.some((c) => has(c, ref)));
    default:
      return false;
  }
}

export function getTaskByRef(def: WorkflowDef, ref: string): WorkflowTask | undefined {
  for (const top of def.tasks) {
    const found = collectTasks(top).find((t) => t.taskReferenceName === ref);
    if (found) return found;
  }
  return undefined;
}

/** `WorkflowTask.next(ref, parent)`. */
export function nextInTask(wt: WorkflowTask, ref: string, parent: WorkflowTask | null): WorkflowTask | null {
  switch (wt.type) {
    case T.DO_WHILE:
    case T.DECISION:
    case T.SWITCH: {
      for (const list of children(wt)) {
        const i = scanList(list, ref, wt);
        if (i.found) return i.found;
        if (i.nextIndex !== null && i.nextIndex < list.length) return list[i.nextIndex] ?? null;
      }
      if (wt.type === T.DO_WHILE && has(wt, ref)) return wt;
      return null;
    }
    case T.FORK_JOIN: {
      let found = false;
      for (const list of children(wt)) {
        let index = 0;
        let stopped = false;
        for (; index < list.length; index++) {
          const task = list[index] as WorkflowTask;
          if (task.taskReferenceName === ref) {
            found = true;
            stopped = true;
            break;
          }
          const next = nextInTask(task, ref, wt);
          if (next) return next;
          if (has(task, ref)) {
            stopped = true;
            break;
          }
        }
        const following = stopped ? index + 1 : list.length;
        if (following < list.length) return list[following] ?? null;
        if (found && parent) return nextInTask(parent, wt.taskReferenceName, parent);
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * Walks one child list the way Conductor's iterator loop does: returns a nested `next` if a child yields
 * one, otherwise the index after the position where the ref was found (or null when not found).
 */
function scanList(
  list: WorkflowTask[],
  ref: string,
  owner: WorkflowTask,
): { found: WorkflowTask | null; nextIndex: number | null } {
  for (let index = 0; index < list.length; index++) {
    const task = list[index] as WorkflowTask;
    if (task.taskReferenceName === ref) return { found: null, nextIndex: index + 1 };
    const next = nextInTask(task, ref, owner);
    if (next) return { found: next, nextIndex: null };
    if (has(task, ref)) return { found: null, nextIndex: index + 1 };
  }
  return { found: null, nextIndex: null };
}

/** `WorkflowDef.getNextTask(ref)`. */
export function getNextTask(def: WorkflowDef, ref: string): WorkflowTask | null {
  const self = getTaskByRef(def, ref);
  if (self && self.type === T.TERMINATE) return null;
  const tasks = def.tasks;
  let index = 0;
  for (; index < tasks.length; index++) {
    const task = tasks[index] as WorkflowTask;
    if (task.taskReferenceName === ref) break;
    const next = nextInTask(task, ref, null);
    if (next) return next;
    if (task.type === T.DO_WHILE && task.taskReferenceName !== ref && has(task, ref)) return null;
    if (has(task, ref)) break;
  }
  return tasks[index + 1] ?? null;
}
