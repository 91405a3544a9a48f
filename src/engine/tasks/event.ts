/**
 * EVENT: publishes the task's input (plus workflow identity) as a message on `sink`. Sink `conductor`
 * publishes to `conductor:<workflowName>:<taskRef>`, `conductor:<q>` to `conductor:<workflowName>:<q>`;
 * other sinks are used verbatim (only `conductor` queues are consumed by this engine's event handlers).
 */
import { T } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';
import { getTaskInput } from '../params';
import type { EngineContext } from '../context';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

export const mapEvent: Mapper = (m) => {
  const wt = m.workflowTask;
  const params = { ...wt.inputParameters, sink: wt.sink ?? null, asyncComplete: wt.asyncComplete };
  const input = getTaskInput(m.ctx.params, params, m.wf, undefined, m.taskId);
  const task = createTaskModel(m);
  task.taskType = T.EVENT;
  task.status = 'SCHEDULED';
  task.inputData = input;
  return [task];
};

export function eventQueueName(ctx: EngineContext, wf: WorkflowModel, task: TaskModel): string {
  const raw = task.inputData.sink;
  const sink = String(getTaskInput(ctx.params, { sink: raw ?? null }, wf, undefined, task.taskId).sink ?? '');
  if (!sink.startsWith('conductor')) return sink;
  if (sink === 'conductor') return `conductor:${wf.workflowName}:${task.referenceTaskName}`;
  if (sink.startsWith('conductor:'))
    return `conductor:${wf.workflowName}:${sink.replaceAll('conductor:', '')}`;
  throw new Error(`Invalid / Unsupported sink specified: ${sink}`);
}

export function eventTask(ctx: EngineContext): SystemTask {
  return {
    start(wf, task) {
      const payload = {
        ...task.inputData,
        workflowInstanceId: wf.workflowId,
        workflowType: wf.workflowName,
        workflowVersion: wf.workflowVersion,
        correlationId: wf.correlationId ?? null,
        taskToDomain: wf.taskToDomain,
      };
      task.status = 'IN_PROGRESS';
      Object.assign(task.outputData, payload);
      try {
        task.outputData.event_produced = eventQueueName(ctx, wf, task);
      } catch (err) {
        task.status = 'FAILED';
        task.reasonForIncompletion = err instanceof Error ? err.message : String(err);
      }
    },
    execute(_wf, task, exec) {
      const queue = task.outputData.event_produced;
      if (typeof queue !== 'string' || queue === '') {
        task.status = 'FAILED';
        task.reasonForIncompletion = `Unable to find queue name for task ${task.taskId}`;
        return false;
      }
      exec.publishEvent(queue, task.taskId, task.outputData);
      if (task.inputData.asyncComplete === true) return false;
      task.status = 'COMPLETED';
      return true;
    },
  };
}
