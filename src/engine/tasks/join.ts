/**
 * JOIN: waits for every `joinOn` task (with the loop suffix inside a DO_WHILE), collecting their outputs.
 * Conductor runs JOIN as an async system task polled with backoff; here it is evaluated on every decide of
 * its workflow, which happens whenever any task of the workflow changes, so it completes immediately.
 */
import { isSuccessful, isTerminal } from '../model/status';
import { appendIteration, T } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

export const mapJoin: Mapper = (m) => {
  const join = createTaskModel(m);
  join.taskType = T.JOIN;
  join.taskDefName = T.JOIN;
  join.startTime = m.ctx.clock();
  join.inputData = { joinOn: m.workflowTask.joinOn ?? [] };
  join.status = 'IN_PROGRESS';
  return [join];
};

function lastByRef(wf: WorkflowModel, ref: string): TaskModel | undefined {
  let found: TaskModel | undefined;
  for (const t of wf.tasks) if (t.referenceTaskName === ref) found = t;
  return found;
}

const isOptional = (t: TaskModel): boolean => t.workflowTask?.optional === true;
const isPermissive = (t: TaskModel): boolean => t.workflowTask?.permissive === true;

export const join: SystemTask = {
  execute(wf, task) {
    let joinOn = Array.isArray(task.inputData.joinOn) ? (task.inputData.joinOn as string[]) : [];
    if (task.iteration > 0) joinOn = joinOn.map((r) => appendIteration(r, task.iteration));
    const forked = joinOn.map((r) => lastByRef(wf, r));
    const allTerminal = forked.every((t) => t !== undefined && isTerminal(t.status));
    const optionalFailures: string[] = [];
    for (let i = 0; i < joinOn.length; i++) {
      const t = forked[i];
      if (!t) continue;
      if (Object.keys(t.outputData).length > 0) task.outputData[joinOn[i] as string] = t.outputData;
      const failure = !isSuccessful(t.status) && !isOptional(t) && (!isPermissive(t) || allTerminal);
      if (failure) {
        const present = forked.filter((x): x is TaskModel => x !== undefined);
        task.reasonForIncompletion = present
          .filter((x) => !isSuccessful(x.status))
          .map((x) => x.reasonForIncompletion)
          .filter((r): r is string => r !== undefined && r !== null)
          .join(' ');
        const nonCanceled = present.some(
          (x) => isTerminal(x.status) && !isSuccessful(x.status) && !isOptional(x) && x.status !== 'CANCELED',
        );
        task.status = nonCanceled ? 'FAILED' : 'CANCELED';
        return true;
      }
      if (isOptional(t) && t.status === 'COMPLETED_WITH_ERRORS')
        optionalFailures.push(`${t.taskDefName}/${t.taskId}`);
    }
    if (!allTerminal) return false;
    if (optionalFailures.length > 0) {
      task.status = 'COMPLETED_WITH_ERRORS';
      task.reasonForIncompletion = `${optionalFailures.join(' ')} completed with errors`;
    } else {
      task.status = 'COMPLETED';
    }
    return true;
  },
};
