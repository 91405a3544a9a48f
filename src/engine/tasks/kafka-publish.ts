/**
 * KAFKA_PUBLISH: accepted in definitions (Conductor's UI offers it) and scheduled like Conductor's
 * `KafkaPublishTaskMapper`, but the embedded engine has no Kafka client, so the task fails with a reason
 * saying so (terminal: retrying cannot help) instead of the workflow being refused at registration.
 */
import { getTaskInput } from '../params';
import { T } from '../model/task-types';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

export const KAFKA_UNAVAILABLE =
  'KAFKA_PUBLISH cannot run on the embedded engine: no Kafka is configured. Publish from a worker task, ' +
  'use an EVENT task (conductor: or sqs: queues), or run this workflow on a Conductor server with Kafka.';

export const mapKafkaPublish: Mapper = (m) => {
  const wt = m.workflowTask;
  const def = m.taskDef ?? m.ctx.defs.getTaskDef(wt.name);
  const task = createTaskModel(m);
  task.taskType = T.KAFKA_PUBLISH;
  task.inputData = getTaskInput(m.ctx.params, wt.inputParameters, m.wf, def, m.taskId);
  task.status = 'SCHEDULED';
  task.retryCount = m.retryCount;
  task.callbackAfterSeconds = wt.startDelay;
  return [task];
};

export const kafkaPublishTask: SystemTask = {
  execute(_wf, task) {
    task.status = 'FAILED_WITH_TERMINAL_ERROR';
    task.reasonForIncompletion = KAFKA_UNAVAILABLE;
    return true;
  },
};
