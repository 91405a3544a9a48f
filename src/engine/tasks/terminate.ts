/** TERMINATE: ends the workflow with `terminationStatus`; its output becomes the workflow output. */
import { isPlainObject } from '../../json';
import { T } from '../model/task-types';
import { getTaskInput } from '../params';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

export const mapTerminate: Mapper = (m) => {
  const task = createTaskModel(m);
  task.taskType = T.TERMINATE;
  task.startTime = m.ctx.clock();
  task.inputData = getTaskInput(m.ctx.params, m.workflowTask.inputParameters, m.wf, undefined, m.taskId);
  task.status = 'IN_PROGRESS';
  return [task];
};

export const VALID_TERMINATION_STATUSES = ['COMPLETED', 'FAILED', 'TERMINATED'];

export const terminateTask: SystemTask = {
  execute(_wf, task) {
    const status = task.inputData.terminationStatus;
    if (typeof status === 'string' && VALID_TERMINATION_STATUSES.includes(status)) {
      const out = task.inputData.workflowOutput;
      task.outputData =
        out === undefined || out === null ? {} : isPlainObject(out) ? { ...out } : { output: out };
      task.status = 'COMPLETED';
      return true;
    }
    task.reasonForIncompletion = 'given termination status is not valid';
    task.status = 'FAILED';
    return false;
  },
};
