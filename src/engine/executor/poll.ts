/**
 * Worker polls (`ExecutionService.poll`): pop visible messages of `[domain:]taskType`, mark each task
 * IN_PROGRESS (startTime, workerId, pollCount), ack by deleting the message, record poll data. Tasks over
 * their TaskDef's `concurrentExecLimit` or `rateLimitPerFrequency` stay queued and are skipped (Conductor
 * postpones them 60 s; here they become pollable as soon as the limit allows). A batch poll long-polls: it
 * waits for a push to its queue (woken in-process right after the commit), the next delayed message, or
 * its timeout.
 */
import type { JsonObject } from '../../json';
import { BadRequestError } from '../api-errors';
import { queueNameFor } from '../context';
import { toApiTask } from '../model/serialize';
import { isTerminal } from '../model/status';
import type { TaskModel } from '../model/types';
import type { QueueWaiters } from '../queue/waiters';
import type { WorkflowExecutor } from './executor';

export const MAX_POLL_TIMEOUT_MS = 5000;

export interface PollRequest {
  taskType: string;
  workerId?: string;
  domain?: string;
  count: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Sliding-window counters for `rateLimitPerFrequency` (in memory; a restart resets the window). */
export class RateLimiter {
  private readonly starts = new Map<string, number[]>();

  /** When the task may next start (epoch ms), or 0 when it may start now. */
  blockedUntil(name: string, limit: number, windowSeconds: number, now: number): number {
    const windowMs = Math.max(1, windowSeconds) * 1000;
    const list = (this.starts.get(name) ?? []).filter((t) => now - t < windowMs);
    this.starts.set(name, list);
    return list.length >= limit ? (list[0] as number) + windowMs : 0;
  }

  record(name: string, now: number): void {
    const list = this.starts.get(name) ?? [];
    list.push(now);
    this.starts.set(name, list);
  }
}

interface PollOnceResult {
  tasks: JsonObject[];
  /** Earliest time a rate-limited message could be handed out. */
  retryAt: number;
}

function pollOnce(
  exec: WorkflowExecutor,
  limiter: RateLimiter,
  queue: string,
  req: PollRequest,
): PollOnceResult {
  const ctx = exec.ctx;
  const now = ctx.clock();
  const out: JsonObject[] = [];
  let retryAt = Infinity;
  // A few more than asked for, to step over messages held back by limits without reading the whole queue.
  for (const msg of ctx.queues.visible(queue, now, req.count * 2 + 8)) {
    if (out.length >= req.count) break;
    const task = exec.store.loadTask(msg.messageId);
    if (!task || isTerminal(task.status)) {
      ctx.queues.remove(queue, msg.messageId);
      continue;
    }
    const def = task.workflowTask?.taskDefinition;
    const limit = def?.concurrentExecLimit ?? 0;
    if (limit > 0 && ctx.tasks.countInProgress(task.taskDefName) >= limit) continue;
    if (task.rateLimitPerFrequency > 0) {
      const until = limiter.blockedUntil(
        task.taskDefName,
        task.rateLimitPerFrequency,
        task.rateLimitFrequencyInSeconds,
        now,
      );
      if (until > 0) {
        retryAt = Math.min(retryAt, until);
        continue;
      }
      limiter.record(task.taskDefName, now);
    }
    task.status = 'IN_PROGRESS';
    if (task.startTime === 0) task.startTime = now;
    task.callbackAfterSeconds = 0;
    task.workerId = req.workerId;
    task.pollCount += 1;
    exec.store.saveTask(task);
    ctx.queues.remove(queue, msg.messageId);
    scheduleTimeoutCheck(
      exec,
      task,
      def?.responseTimeoutSeconds ?? task.responseTimeoutSeconds,
      def?.timeoutSeconds ?? 0,
    );
    out.push(toApiTask(task, now));
  }
  ctx.logs.recordPoll(queue, req.taskType, req.domain, req.workerId, now);
  return { tasks: out, retryAt };
}

/** The task is now running: the sweeper must look again when its response (or total) timeout expires. */
function scheduleTimeoutCheck(
  exec: WorkflowExecutor,
  task: TaskModel,
  responseTimeoutSeconds: number,
  timeoutSeconds: number,
): void {
  let due = Infinity;
  if (responseTimeoutSeconds > 0) due = task.updateTime + responseTimeoutSeconds * 1000;
  if (timeoutSeconds > 0)
    due = Math.min(due, task.startTime + task.startDelayInSeconds * 1000 + timeoutSeconds * 1000);
  if (due !== Infinity) exec.scheduleDecideAt(task.workflowInstanceId, due);
}

export async function poll(
  exec: WorkflowExecutor,
  limiter: RateLimiter,
  waiters: QueueWaiters,
  req: PollRequest,
): Promise<JsonObject[]> {
  if (req.timeoutMs > MAX_POLL_TIMEOUT_MS) {
    throw new BadRequestError('Long Poll Timeout value cannot be more than 5 seconds');
  }
  const ctx = exec.ctx;
  const queue = queueNameFor(req.taskType, req.domain);
  const deadline = ctx.clock() + Math.max(0, req.timeoutMs);
  for (;;) {
    const result = ctx.tx.run(() => pollOnce(exec, limiter, queue, req));
    if (result.tasks.length > 0 || req.signal?.aborted) return result.tasks;
    const now = ctx.clock();
    if (now >= deadline) return [];
    const nextDelivery = ctx.queues.nextDelivery(queue, now) ?? Infinity;
    const until = Math.min(deadline, nextDelivery, result.retryAt);
    await waiters.wait(queue, until, now, req.signal);
  }
}
