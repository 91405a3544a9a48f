/**
 * Queue operations with their after-commit signals: pushing a task wakes long-polling workers (or the
 * async system-task runner) as soon as the transaction commits.
 */
import { queueNameFor, type EngineContext } from '../context';
import { isAsyncSystemTask, isSystemTask } from '../model/task-types';
import type { TaskModel } from '../model/types';

export function taskQueueName(task: TaskModel): string {
  return queueNameFor(task.taskType, task.domain, task.isolationGroupId, task.executionNameSpace);
}

export function pushMessage(
  ctx: EngineContext,
  queue: string,
  messageId: string,
  priority: number,
  delayMs: number,
): void {
  ctx.queues.push(queue, messageId, priority, ctx.clock() + Math.max(0, delayMs));
  ctx.tx.afterCommit(() => ctx.signals.queueChanged(queue));
}

/** `WorkflowExecutorOps.addTaskToQueue`: delay from callbackAfterMs, else callbackAfterSeconds. */
export function addTaskToQueue(ctx: EngineContext, task: TaskModel): void {
  const delayMs = task.callbackAfterMs > 0 ? task.callbackAfterMs : task.callbackAfterSeconds * 1000;
  pushMessage(ctx, taskQueueName(task), task.taskId, task.workflowPriority, delayMs);
  if (isAsyncSystemTask(task.taskType)) ctx.tx.afterCommit(() => ctx.signals.asyncSystemTaskQueued());
}

export function removeTaskFromQueue(ctx: EngineContext, task: TaskModel): void {
  ctx.queues.remove(taskQueueName(task), task.taskId);
}

/** Queues a task only if something polls its queue (workers, or the async system-task runner). */
export function queueIfPolled(ctx: EngineContext, task: TaskModel): void {
  if (!isSystemTask(task.taskType) || isAsyncSystemTask(task.taskType)) addTaskToQueue(ctx, task);
}
