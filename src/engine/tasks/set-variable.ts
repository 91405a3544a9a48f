/** SET_VARIABLE: writes each input key into `workflow.variables`, within Conductor's size limit. */
import { jsonByteLength } from '../../json';
import type { EngineContext } from '../context';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

export const mapSetVariable: Mapper = (m) => {
  const task = createTaskModel(m);
  task.startTime = m.ctx.clock();
  task.inputData = m.taskInput;
  task.status = 'IN_PROGRESS';
  return [task];
};

export function setVariableTask(ctx: EngineContext): SystemTask {
  return {
    execute(wf, task) {
      const previous = { ...wf.variables };
      Object.assign(wf.variables, task.inputData);
      const size = jsonByteLength(wf.variables);
      const limitKb = Math.floor(ctx.options.maxVariablesBytes / 1024);
      if (size > limitKb * 1024) {
        wf.variables = previous;
        task.reasonForIncompletion = `The variables payload size: ${size} of workflow: ${wf.workflowId} is greater than the permissible limit: ${limitKb} kilobytes`;
        task.status = 'FAILED_WITH_TERMINAL_ERROR';
        return true;
      }
      task.status = 'COMPLETED';
      return true;
    },
  };
}
