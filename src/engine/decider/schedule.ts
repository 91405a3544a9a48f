/**
 * Turning definition tasks into task instances: `DeciderService.getTasksToBeScheduled` (mapper dispatch,
 * never re-creating a reference already running or finished), `getNextTask` (skipping SKIPPED refs, not
 * re-creating a DO_WHILE), and `filterNextLoopOverTasks` (loop suffixes).
 */
import type { EngineContext } from '../context';
import { getNextTask as defNextTask } from '../model/def-tree';
import { isTerminal } from '../model/status';
import { appendIteration, removeIteration, T } from '../model/task-types';
import type { TaskModel, WorkflowModel, WorkflowTask } from '../model/types';
import { getTaskInput } from '../params';
import { mapperFor } from '../tasks/registry';
import type { Scheduler } from '../tasks/types';

function lastByRef(wf: WorkflowModel, ref: string): TaskModel | undefined {
  let found: TaskModel | undefined;
  for (const t of wf.tasks) if (t.referenceTaskName === ref) found = t;
  return found;
}

export function isTaskSkipped(wt: WorkflowTask | null, wf: WorkflowModel): boolean {
  if (!wt) return false;
  const t = lastByRef(wf, wt.taskReferenceName);
  return t !== undefined && t.status === 'SKIPPED';
}

function startedRefs(wf: WorkflowModel): Set<string> {
  const refs = new Set<string>();
  for (const t of wf.tasks)
    if (t.status === 'IN_PROGRESS' || isTerminal(t.status)) refs.add(t.referenceTaskName);
  return refs;
}

export class TaskScheduler implements Scheduler {
  constructor(private readonly ctx: EngineContext) {}

  getTasksToBeScheduled(
    wf: WorkflowModel,
    wt: WorkflowTask,
    retryCount: number,
    retriedTaskId?: string,
  ): TaskModel[] {
    const input = getTaskInput(this.ctx.params, wt.inputParameters, wf);
    const started = startedRefs(wf);
    const tasks = mapperFor(wt.type)({
      ctx: this.ctx,
      wf,
      workflowTask: wt,
      taskDef: wt.taskDefinition,
      taskInput: input,
      retryCount,
      retriedTaskId,
      taskId: this.ctx.newId(),
      scheduler: this,
    });
    return tasks.filter((t) => !started.has(t.referenceTaskName));
  }

  /** `DeciderService.getNextTask`: what to schedule after `task` finished. */
  getNextTask(wf: WorkflowModel, task: TaskModel): TaskModel[] {
    const def = wf.workflowDefinition;
    if ((task.taskType === T.DECISION || task.taskType === T.SWITCH) && task.inputData.hasChildren != null)
      return [];
    const ref = task.iteration > 0 ? removeIteration(task.referenceTaskName) : task.referenceTaskName;
    let next = defNextTask(def, ref);
    while (next && isTaskSkipped(next, wf)) next = defNextTask(def, next.taskReferenceName);
    if (next && next.type === T.DO_WHILE) {
      const doWhileRef = next.taskReferenceName;
      if (wf.tasks.some((t) => t.referenceTaskName === doWhileRef)) return [];
    }
    return next ? this.getTasksToBeScheduled(wf, next, 0) : [];
  }

  /** Loop tasks carry the iteration of the task that preceded them. */
  filterNextLoopOverTasks(tasks: TaskModel[], pending: TaskModel, wf: WorkflowModel): TaskModel[] {
    for (const t of tasks) {
      t.referenceTaskName = appendIteration(t.referenceTaskName, pending.iteration);
      t.iteration = pending.iteration;
    }
    const started = startedRefs(wf);
    return tasks.filter((t) => !started.has(t.referenceTaskName));
  }
}
