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

/** The JOIN's `joinOn` refs as its tasks are named (with the loop suffix inside a DO_WHILE). */
export function joinOnRefs(join: TaskModel): string[] {
  const joinOn = Array.isArray(join.inputData.joinOn) ? (join.inputData.joinOn as string[]) : [];
  return join.iteration > 0 ? joinOn.map((r) => appendIteration(r, join.iteration)) : joinOn;
}

/** The last task of each reference name (retries and loop iterations: the latest wins). */
export function lastTaskByRef(wf: WorkflowModel): Map<string, TaskModel> {
  const byRef = new Map<string, TaskModel>();
  for (const t of wf.tasks) byRef.set(t.referenceTaskName, t);
  return byRef;
}

const isOptional = (t: TaskModel): boolean => t.workflowTask?.optional === true;
const isPermissive = (t: TaskModel): boolean => t.workflowTask?.permissive === true;

export const join: SystemTask = {
  execute(wf, task) {
    const joinOn = joinOnRefs(task);
    const byRef = lastTaskByRef(wf);
    const forked = joinOn.map((r) => byRef.get(r));
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
