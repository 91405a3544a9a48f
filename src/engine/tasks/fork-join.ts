/** FORK_JOIN: a completed "FORK" task, the first task of every branch, then the JOIN that must follow. */
import { TerminateWorkflowError } from '../decider/terminate-error';
import { getNextTask } from '../model/def-tree';
import { T } from '../model/task-types';
import { createTaskModel } from './task-model';
import type { Mapper } from './types';

export const mapForkJoin: Mapper = (m) => {
  const fork = createTaskModel(m);
  fork.taskType = T.FORK;
  fork.taskDefName = T.FORK;
  const now = m.ctx.clock();
  fork.startTime = now;
  fork.endTime = now;
  fork.inputData = m.taskInput;
  fork.status = 'COMPLETED';
  const out = [fork];
  for (const branch of m.workflowTask.forkTasks ?? []) {
    const first = branch[0];
    if (first) out.push(...m.scheduler.getTasksToBeScheduled(m.wf, first, m.retryCount));
  }
  const join = getNextTask(m.wf.workflowDefinition, m.workflowTask.taskReferenceName);
  if (!join || join.type !== T.JOIN) {
    throw new TerminateWorkflowError(
      'Fork task definition is not followed by a join task.  Check the blueprint',
    );
  }
  out.push(...m.scheduler.getTasksToBeScheduled(m.wf, join, m.retryCount));
  return out;
};
