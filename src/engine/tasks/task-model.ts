/** `TaskMapperContext.createTaskModel`: the fields every new task instance starts with. */
import { jsonRoundTrip } from '../../json';
import type { TaskModel } from '../model/types';
import type { MapperContext } from './types';

export function createTaskModel(m: MapperContext): TaskModel {
  const wt = m.workflowTask;
  const now = m.ctx.clock();
  return {
    taskId: m.taskId,
    taskType: wt.type,
    status: 'SCHEDULED',
    inputData: {},
    outputData: {},
    referenceTaskName: wt.taskReferenceName,
    retryCount: 0,
    seq: 0,
    correlationId: m.wf.correlationId,
    pollCount: 0,
    taskDefName: wt.name,
    scheduledTime: now,
    startTime: 0,
    endTime: 0,
    updateTime: 0,
    startDelayInSeconds: 0,
    retried: false,
    executed: false,
    callbackFromWorker: true,
    responseTimeoutSeconds: 0,
    workflowInstanceId: m.wf.workflowId,
    workflowType: m.wf.workflowName,
    callbackAfterSeconds: 0,
    workflowTask: wt,
    rateLimitPerFrequency: 0,
    rateLimitFrequencyInSeconds: 0,
    workflowPriority: m.wf.priority,
    iteration: 0,
    subworkflowChanged: false,
    firstStartTime: 0,
    waitTimeout: 0,
    callbackAfterMs: 0,
    firstScheduledTime: 0,
  };
}

/** A deep copy (tasks are plain JSON). */
export function copyTask(t: TaskModel): TaskModel {
  return jsonRoundTrip(t);
}
