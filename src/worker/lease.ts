/**
 * Lease extension for running tasks: an `extendLease` update (Conductor's heartbeat: it only touches the
 * task's update time) every 80 % of the task's responseTimeoutSeconds, so a notebook running longer than
 * the response timeout is not re-delivered. Ours rather than the SDK's because the SDK stops its
 * heartbeats at stopPolling(), which would let a draining task time out during a graceful shutdown.
 */
import { coerceError } from '../errors';
import type { Logger } from '../log';

export type SendHeartbeat = (taskId: string, workflowInstanceId: string) => Promise<void>;

interface Lease {
  workflowInstanceId: string;
  timer: NodeJS.Timeout;
}

const FACTOR = 0.8;
const ATTEMPTS = 3;

export class LeaseKeeper {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly send: SendHeartbeat,
    private readonly logger: Logger,
  ) {}

  /** Start heartbeats for a task (no-op without a response timeout). */
  track(task: { taskId?: string; workflowInstanceId?: string; responseTimeoutSeconds?: number }): void {
    const { taskId, workflowInstanceId, responseTimeoutSeconds } = task;
    if (!taskId || !workflowInstanceId || !responseTimeoutSeconds || responseTimeoutSeconds <= 0) return;
    const intervalMs = Math.max(250, responseTimeoutSeconds * 1000 * FACTOR);
    const timer = setInterval(() => void this.beat(taskId, workflowInstanceId), intervalMs);
    timer.unref();
    this.leases.set(taskId, { workflowInstanceId, timer });
  }

  untrack(taskId: string): void {
    const lease = this.leases.get(taskId);
    if (lease) clearInterval(lease.timer);
    this.leases.delete(taskId);
  }

  stop(): void {
    for (const id of [...this.leases.keys()]) this.untrack(id);
  }

  private async beat(taskId: string, workflowInstanceId: string): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS && this.leases.has(taskId); attempt++) {
      try {
        await this.send(taskId, workflowInstanceId);
        this.logger.trace({ taskId }, 'lease extended');
        return;
      } catch (err) {
        this.logger.warn({ taskId, attempt, err: coerceError(err) }, 'lease extension failed');
      }
    }
  }
}
