/** NOOP: completes immediately. */
import { T } from '../model/task-types';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

export const mapNoop: Mapper = (m) => {
  const task = createTaskModel(m);
  task.taskType = T.NOOP;
  task.startTime = m.ctx.clock();
  task.status = 'IN_PROGRESS';
  return [task];
};

export const noopTask: SystemTask = {
  execute(_wf, task) {
    task.status = 'COMPLETED';
    return true;
  },
};
