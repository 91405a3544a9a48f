/**
 * Event-handler actions (`SimpleActionProcessor`): `start_workflow`, `complete_task`, `fail_task`. Values
 * in the action are `${…}` expressions over the message payload.
 */
import { isPlainObject, type JsonObject } from '../../json';
import { expandInlineJson } from '../expressions';
import { removeIteration } from '../model/task-types';
import type { EventAction, TaskDetails, TaskModel, TaskStatus } from '../model/types';
import { replaceWithPayload } from '../params';
import type { WorkflowExecutor } from '../executor/executor';
import { updateTask } from '../executor/update';

function startWorkflow(
  exec: WorkflowExecutor,
  action: EventAction,
  payload: unknown,
  event: string,
  messageId: string,
): JsonObject {
  const params = action.start_workflow ?? {};
  const ctx = exec.ctx;
  const input = replaceWithPayload(ctx.params, isPlainObject(params.input) ? params.input : {}, payload);
  const meta: JsonObject = { taskToDomain: '${taskToDomain}' };
  if (params.correlationId !== undefined) meta.correlationId = params.correlationId;
  const replaced = replaceWithPayload(ctx.params, meta, payload);
  const taskToDomain =
    params.taskToDomain ??
    (isPlainObject(replaced.taskToDomain) ? (replaced.taskToDomain as Record<string, string>) : undefined);
  input['conductor.event.messageId'] = messageId;
  input['conductor.event.name'] = event;
  const correlation = replaced.correlationId;
  const wf = exec.startWorkflow({
    name: params.name,
    version: params.version,
    correlationId:
      correlation === null || correlation === undefined ? params.correlationId : String(correlation),
    input,
    event,
    taskToDomain: taskToDomain && Object.keys(taskToDomain).length > 0 ? taskToDomain : undefined,
  });
  return { workflowId: wf.workflowId };
}

function findTask(
  exec: WorkflowExecutor,
  taskId: unknown,
  workflowId: unknown,
  ref: unknown,
): TaskModel | undefined | 'no-workflow' {
  if (typeof taskId === 'string' && taskId !== '') return exec.ctx.tasks.get(taskId);
  if (typeof workflowId !== 'string' || workflowId === '' || typeof ref !== 'string' || ref === '')
    return undefined;
  if (!exec.ctx.workflows.exists(workflowId)) return 'no-workflow';
  const tasks = exec.ctx.tasks.forWorkflow(workflowId);
  let found: TaskModel | undefined;
  for (const t of tasks) if (t.referenceTaskName === ref) found = t;
  const loop = tasks
    .filter((t) => removeIteration(t.referenceTaskName) === ref)
    .sort((a, b) => b.iteration - a.iteration);
  return loop[0] ?? found;
}

function completeTask(
  exec: WorkflowExecutor,
  details: TaskDetails,
  status: TaskStatus,
  payload: unknown,
  event: string,
  messageId: string,
): JsonObject {
  const input: JsonObject = {
    workflowId: details.workflowId ?? null,
    taskId: details.taskId ?? null,
    taskRefName: details.taskRefName ?? null,
    reasonForIncompletion: details.reasonForIncompletion ?? null,
    ...(isPlainObject(details.output) ? details.output : {}),
  };
  const replaced = replaceWithPayload(exec.ctx.params, input, payload);
  const task = findTask(exec, replaced.taskId, replaced.workflowId, replaced.taskRefName);
  if (task === 'no-workflow') {
    replaced.error = `No workflow found with ID: ${String(replaced.workflowId)}`;
    return replaced;
  }
  if (!task) {
    replaced.error = `No task found with taskId: ${String(replaced.taskId)}, reference name: ${String(replaced.taskRefName)}, workflowId: ${String(replaced.workflowId)}`;
    return replaced;
  }
  const output: JsonObject = {
    ...replaced,
    'conductor.event.messageId': messageId,
    'conductor.event.name': event,
  };
  const reason = replaced.reasonForIncompletion;
  updateTask(exec, {
    workflowInstanceId: task.workflowInstanceId,
    taskId: task.taskId,
    status,
    outputData: output,
    reasonForIncompletion:
      status === 'COMPLETED' ? task.reasonForIncompletion : reason == null ? undefined : String(reason),
    workerId: task.workerId,
    callbackAfterSeconds: task.callbackAfterSeconds,
  });
  return replaced;
}

export function runAction(
  exec: WorkflowExecutor,
  action: EventAction,
  payload: unknown,
  event: string,
  messageId: string,
): JsonObject {
  const body = action.expandInlineJSON ? expandInlineJson(payload) : payload;
  switch (action.action) {
    case 'start_workflow':
      return startWorkflow(exec, action, body, event, messageId);
    case 'complete_task':
      return completeTask(exec, action.complete_task ?? {}, 'COMPLETED', body, event, messageId);
    case 'fail_task':
      return completeTask(exec, action.fail_task ?? {}, 'FAILED', body, event, messageId);
    default:
      throw new Error(`Action not supported ${String(action.action)} for event ${event}`);
  }
}
