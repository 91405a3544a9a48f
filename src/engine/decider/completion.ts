/** `DeciderService.checkForWorkflowCompletion` and `updateWorkflowOutput`. */
import type { EngineContext } from '../context';
import { getNextTask } from '../model/def-tree';
import { isSuccessful, isTerminal } from '../model/status';
import { T } from '../model/task-types';
import type { TaskModel, TaskStatus, WorkflowModel } from '../model/types';
import { getTaskInput } from '../params';
import { isTaskSkipped } from './schedule';

export function checkForWorkflowCompletion(wf: WorkflowModel): boolean {
  const statusByRef = new Map<string, TaskStatus>();
  const nonExecuted: TaskModel[] = [];
  for (const task of wf.tasks) {
    statusByRef.set(task.referenceTaskName, task.status);
    if (!isTerminal(task.status)) return false;
    if (task.taskType === T.TERMINATE && isSuccessful(task.status)) return true;
    if (!task.retried || !task.executed) nonExecuted.push(task);
  }
  if (statusByRef.size === 0) return false;
  for (const wt of wf.workflowDefinition.tasks) {
    const s = statusByRef.get(wt.taskReferenceName);
    if (s === undefined || !isTerminal(s)) return false;
  }
  return !nonExecuted.some((task) => {
    let next = getNextTask(wf.workflowDefinition, task.referenceTaskName);
    while (next && isTaskSkipped(next, wf)) next = getNextTask(wf.workflowDefinition, next.taskReferenceName);
    return next !== null && !statusByRef.has(next.taskReferenceName);
  });
}

export function updateWorkflowOutput(ctx: EngineContext, wf: WorkflowModel, task: TaskModel | null): void {
  if (wf.tasks.length === 0) return;
  const terminate = wf.tasks.find(
    (t) => t.taskType === T.TERMINATE && isTerminal(t.status) && isSuccessful(t.status),
  );
  if (terminate) {
    wf.output = { ...terminate.outputData };
    return;
  }
  const last = task ?? (wf.tasks[wf.tasks.length - 1] as TaskModel);
  const params = wf.workflowDefinition.outputParameters;
  if (params && Object.keys(params).length > 0) wf.output = getTaskInput(ctx.params, params, wf);
  else wf.output = { ...last.outputData };
}
