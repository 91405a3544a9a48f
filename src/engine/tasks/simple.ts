/** SIMPLE tasks (worker tasks named by `name`) and custom-typed user tasks (`UserDefinedTaskMapper`). */
import { TerminateWorkflowError } from '../decider/terminate-error';
import { normalizeTaskDef } from '../model/defaults';
import { getTaskInput } from '../params';
import { createTaskModel } from './task-model';
import type { Mapper } from './types';

export const mapSimple: Mapper = (m) => {
  const wt = m.workflowTask;
  const def = wt.taskDefinition ?? normalizeTaskDef({});
  const task = createTaskModel(m);
  task.taskType = wt.name;
  task.startDelayInSeconds = wt.startDelay;
  task.inputData = getTaskInput(m.ctx.params, wt.inputParameters, m.wf, def, m.taskId);
  task.status = 'SCHEDULED';
  task.retryCount = m.retryCount;
  task.callbackAfterSeconds = wt.startDelay;
  task.responseTimeoutSeconds = def.responseTimeoutSeconds;
  task.retriedTaskId = m.retriedTaskId;
  task.rateLimitPerFrequency = def.rateLimitPerFrequency ?? 0;
  task.rateLimitFrequencyInSeconds = def.rateLimitFrequencyInSeconds ?? 1;
  return [task];
};

export const mapUserDefined: Mapper = (m) => {
  const wt = m.workflowTask;
  const def = m.taskDef ?? m.ctx.defs.getTaskDef(wt.name);
  if (!def) {
    throw new TerminateWorkflowError(
      `Invalid task specified. Cannot find task by name ${wt.name} in the task definitions`,
    );
  }
  const task = createTaskModel(m);
  task.inputData = getTaskInput(m.ctx.params, wt.inputParameters, m.wf, def, m.taskId);
  task.status = 'SCHEDULED';
  task.retryCount = m.retryCount;
  task.callbackAfterSeconds = wt.startDelay;
  task.rateLimitPerFrequency = def.rateLimitPerFrequency ?? 0;
  task.rateLimitFrequencyInSeconds = def.rateLimitFrequencyInSeconds ?? 1;
  return [task];
};
