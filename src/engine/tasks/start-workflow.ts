/** START_WORKFLOW: starts an independent workflow from `startWorkflow` (a StartWorkflowRequest) and completes. */
import { isPlainObject } from '../../json';
import { normalizeWorkflowDef } from '../model/defaults';
import { T } from '../model/task-types';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

export const mapStartWorkflow: Mapper = (m) => {
  const task = createTaskModel(m);
  task.taskType = T.START_WORKFLOW;
  task.inputData = { ...m.taskInput };
  task.status = 'SCHEDULED';
  task.callbackAfterSeconds = m.workflowTask.startDelay;
  return [task];
};

export const startWorkflowTask: SystemTask = {
  start(wf, task, exec) {
    const req = task.inputData.startWorkflow;
    if (req === undefined || req === null) {
      task.status = 'FAILED';
      task.reasonForIncompletion = "Missing 'startWorkflow' in input data.";
      return;
    }
    if (!isPlainObject(req)) {
      task.status = 'FAILED';
      task.reasonForIncompletion = 'Error reading StartWorkflowRequest. startWorkflow must be an object';
      return;
    }
    if (typeof req.name !== 'string' || req.name.trim() === '') {
      task.status = 'FAILED';
      task.reasonForIncompletion =
        "startWorkflow validation failed. 'name' -> Workflow name cannot be null or empty. ";
      return;
    }
    const taskToDomain =
      isPlainObject(req.taskToDomain) && Object.keys(req.taskToDomain).length > 0
        ? (req.taskToDomain as Record<string, string>)
        : { ...wf.taskToDomain };
    const correlationId =
      typeof req.correlationId === 'string' && req.correlationId.trim() !== ''
        ? req.correlationId
        : wf.correlationId;
    try {
      const started = exec.startWorkflow({
        name: req.name,
        version: typeof req.version === 'number' ? req.version : undefined,
        workflowDefinition: isPlainObject(req.workflowDef)
          ? normalizeWorkflowDef(req.workflowDef)
          : undefined,
        input: isPlainObject(req.input) ? req.input : {},
        correlationId,
        priority: typeof req.priority === 'number' ? req.priority : undefined,
        taskToDomain,
      });
      task.outputData.workflowId = started.workflowId;
      task.status = 'COMPLETED';
    } catch (err) {
      task.status = 'FAILED';
      task.reasonForIncompletion = err instanceof Error ? err.message : String(err);
    }
  },
};
