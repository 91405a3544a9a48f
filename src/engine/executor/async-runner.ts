/**
 * Runs the system tasks that await I/O (HTTP, JSON_JQ_TRANSFORM) outside any transaction. A picked-up
 * task's queue message is leased (made invisible for `LEASE_MS`) rather than deleted, so if the process
 * dies mid-call the task is picked up again after a restart (at-least-once, as Conductor). The result is
 * applied like a task update, then the workflow is decided.
 */
import { coalescedKick } from '../coalesce';
import type { EngineContext } from '../context';
import { isTerminal, isWorkflowTerminal } from '../model/status';
import { T } from '../model/task-types';
import type { TaskModel } from '../model/types';
import { taskQueueName } from '../queue/task-queue';
import { executeHttp, type AsyncTaskOutcome } from '../tasks/http';
import { executeJq } from '../tasks/json-jq';
import type { WorkflowExecutor } from './executor';

const QUEUES = [T.HTTP, T.JSON_JQ_TRANSFORM];
const LEASE_MS = 60_000;
const MAX_IN_FLIGHT = 16;

export class AsyncTaskRunner {
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly exec: WorkflowExecutor,
  ) {}

  /** Drain soon (calls before the next event-loop turn coalesce into one drain). */
  readonly kick = coalescedKick(
    () => this.drain(),
    () => this.stopped,
  );

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.running]);
  }

  private drain(): void {
    if (this.stopped) return;
    const room = MAX_IN_FLIGHT - this.inFlight;
    if (room <= 0) return;
    const picked = this.ctx.tx.run(() => this.pick(room));
    for (const task of picked) {
      this.inFlight++;
      const p = this.run(task).finally(() => {
        this.inFlight--;
        this.running.delete(p);
        this.kick();
      });
      this.running.add(p);
    }
    this.armTimer();
  }

  private pick(limit: number): TaskModel[] {
    const now = this.ctx.clock();
    const out: TaskModel[] = [];
    for (const queue of QUEUES) {
      for (const msg of this.ctx.queues.visible(queue, now, limit - out.length)) {
        const task = this.exec.store.loadTask(msg.messageId);
        const status = task ? this.ctx.workflows.status(task.workflowInstanceId) : undefined;
        if (!task || !status || isTerminal(task.status) || isWorkflowTerminal(status)) {
          this.ctx.queues.remove(queue, msg.messageId);
          continue;
        }
        if (status === 'PAUSED') continue;
        this.ctx.queues.push(queue, msg.messageId, msg.priority, now + LEASE_MS);
        task.status = 'IN_PROGRESS';
        if (task.startTime === 0) task.startTime = now;
        task.pollCount += 1;
        task.workerId = 'nbconductor-engine';
        this.exec.store.saveTask(task);
        out.push(task);
      }
      if (out.length >= limit) break;
    }
    return out;
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    const now = this.ctx.clock();
    let next = Infinity;
    for (const q of QUEUES) next = Math.min(next, this.ctx.queues.nextDelivery(q, now) ?? Infinity);
    if (next === Infinity || this.stopped) return;
    this.timer = setTimeout(() => this.kick(), Math.min(Math.max(0, next - now), 3_600_000));
    this.timer.unref();
  }

  private async run(task: TaskModel): Promise<void> {
    let outcome: AsyncTaskOutcome;
    try {
      outcome = task.taskType === T.HTTP ? await executeHttp(task, this.abort.signal) : await executeJq(task);
    } catch (err) {
      outcome = {
        status: 'FAILED',
        output: {},
        reasonForIncompletion: err instanceof Error ? err.message : String(err),
      };
    }
    if (this.stopped) return;
    try {
      this.ctx.tx.run(() => this.apply(task.taskId, outcome));
    } catch (err) {
      this.ctx.logger.error({ err, taskId: task.taskId }, 'engine: applying a system task result failed');
    }
  }

  private apply(taskId: string, outcome: AsyncTaskOutcome): void {
    const task = this.exec.store.loadTask(taskId);
    if (!task) return;
    this.ctx.queues.remove(taskQueueName(task), taskId);
    if (isTerminal(task.status)) return;
    const status = this.ctx.workflows.status(task.workflowInstanceId);
    if (!status || isWorkflowTerminal(status)) return;
    task.status = outcome.status;
    task.outputData = { ...task.outputData, ...outcome.output };
    task.reasonForIncompletion = outcome.reasonForIncompletion;
    if (isTerminal(task.status)) task.endTime = this.ctx.clock();
    this.exec.store.saveTask(task);
    this.exec.taskChanged(task);
  }
}
