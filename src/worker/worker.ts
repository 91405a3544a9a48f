/**
 * The notebook_run worker on the official SDK's polling machinery (TaskManager): lease extension keeps
 * long notebooks alive past responseTimeoutSeconds; shutdown stops polling, lets running notebooks finish
 * within a grace period, then interrupts them (partial output saved, FAILED reported so Conductor
 * reschedules) and waits until every accepted task's result has been posted. A task that reaches a
 * stopping worker (from the poll in flight, or chained by update-v2) was never started: it is handed back
 * untouched, for another worker to run as the same attempt.
 */
import { performance } from 'node:perf_hooks';

import type { Logger } from '../log';
import { coerceError } from '../errors';
import { handleNotebookRun, type HandlerDeps, type NotebookTask } from './handler';
import { LeaseKeeper } from './lease';
import {
  extendLease,
  forTaskRunner,
  handBackTask,
  handBackResult,
  stopChainedTaskUpdates,
  watchChainedTasks,
  type ConductorConnection,
  type TaskRef,
} from './conductor-client';
import { Handoffs } from './handoffs';
import type { WorkerObserver } from './observer';
import { sdkLogger } from './sdk-logger';

export const NOTEBOOK_RUN = 'notebook_run';

export interface NotebookWorkerOptions {
  /** The client to poll with (stopped with the worker). */
  connection: ConductorConnection;
  workerId: string;
  domain: string | null;
  concurrency: number;
  pollIntervalMs: number;
  /** Everything the handler needs except Conductor access (added here from the client). */
  handler: Omit<HandlerDeps, 'fetchWorkflow' | 'addTaskLog' | 'workerId'>;
  logger: Logger;
  /** Told about tasks, polls and lease extensions (metrics). */
  observer?: WorkerObserver;
}

export interface NotebookWorker {
  readonly url: string;
  /** Tasks accepted and not yet reported. */
  inFlight(): number;
  /**
   * Stop: no new tasks; running notebooks get `graceMs` to finish, then are interrupted and reported
   * FAILED (retryable). Resolves once every accepted task's result is posted.
   */
  stop(graceMs: number): Promise<void>;
}

interface Running {
  controller: AbortController;
  /** Resolves when the SDK has posted (or given up posting) this task's result. */
  reported: Promise<void>;
  markReported(): void;
}

export function startNotebookWorker(options: NotebookWorkerOptions): NotebookWorker {
  const { logger } = options;
  const observer = options.observer ?? {};
  const { sdk, client, target } = options.connection;
  const tasks = new sdk.TaskClient(client);
  const workflows = new sdk.WorkflowExecutor(client);
  const running = new Map<string, Running>();
  const leases = new LeaseKeeper(async (taskId, workflowInstanceId) => {
    try {
      await extendLease(client, { taskId, workflowInstanceId, workerId: options.workerId });
    } catch (err) {
      observer.leaseExtended?.(false);
      throw err;
    }
    observer.leaseExtended?.(true);
  }, logger);
  const handoffs = new Handoffs();
  let stopping = false;

  const handingBack = (task: Partial<TaskRef>): void =>
    logger.info(
      { taskId: task.taskId, workflowId: task.workflowInstanceId },
      'worker stopping: handing an unstarted task back to Conductor (re-queued at once for any worker, no retry used)',
    );

  // A task chained by an update-v2 answer once the worker is stopping is handed back here: the SDK
  // would drop it after stopPolling. Before that, it is on its way to `execute`.
  const unwatchChained = watchChainedTasks(client, async (task) => {
    if (!stopping) {
      handoffs.chained();
      return true;
    }
    handingBack(task);
    try {
      await handBackTask(client, { ...task, workerId: options.workerId });
    } catch (err) {
      logger.error(
        { taskId: task.taskId, err: coerceError(err) },
        'could not hand a task back: Conductor re-delivers it after its response timeout',
      );
    }
    return false;
  });

  const settle = (taskId: string): void => {
    const r = running.get(taskId);
    if (r) {
      running.delete(taskId);
      r.markReported();
    }
  };

  const deps: HandlerDeps = {
    ...options.handler,
    workerId: options.workerId,
    logger,
    addTaskLog: (taskId, message) => tasks.addTaskLog(taskId, message),
    fetchWorkflow: async (workflowId, includeTasks) => {
      const wf = await workflows.getWorkflow(workflowId, includeTasks);
      return wf as unknown as Awaited<ReturnType<HandlerDeps['fetchWorkflow']>>;
    },
  };

  const manager = new sdk.TaskManager(
    client,
    [
      {
        taskDefName: NOTEBOOK_RUN,
        concurrency: options.concurrency,
        pollInterval: options.pollIntervalMs,
        ...(options.domain ? { domain: options.domain } : {}),
        // Lease extension is ours (see lease.ts): the SDK's stops at stopPolling, mid-drain.
        leaseExtendEnabled: false,
        execute: async (task) => {
          handoffs.arrived();
          const taskId = task.taskId ?? '';
          let markReported: () => void = () => undefined;
          const reported = new Promise<void>((resolve) => (markReported = resolve));
          const controller = new AbortController();
          running.set(taskId, { controller, reported, markReported });
          if (stopping) {
            handingBack(task);
            return handBackResult();
          }
          leases.track(task);
          const observed = { taskId, workflowType: task.workflowType ?? '' };
          const startedAt = performance.now();
          let status = 'FAILED';
          observer.taskStarted?.(observed);
          try {
            const result = await handleNotebookRun(task as unknown as NotebookTask, deps, controller.signal);
            status = result.status;
            return forTaskRunner(result);
          } finally {
            leases.untrack(taskId);
            observer.taskFinished?.(observed, { status, durationMs: performance.now() - startedAt });
          }
        },
      },
    ],
    {
      logger: sdkLogger(logger),
      options: {
        workerID: options.workerId,
        ...(options.domain ? { domain: options.domain } : {}),
        pollInterval: options.pollIntervalMs,
        concurrency: options.concurrency,
      },
      eventListeners: [
        {
          onPollStarted: (e) => {
            handoffs.pollStarted();
            observer.polled?.(e.taskType);
          },
          onPollCompleted: (e) => handoffs.pollEnded(e.tasksReceived),
          onPollFailure: (e) => {
            handoffs.pollEnded(0);
            observer.pollFailed?.(e.taskType, e.cause);
          },
          onTaskUpdateCompleted: (e) => settle(e.taskId),
          onTaskUpdateFailure: (e) => {
            logger.error(
              { taskId: e.taskId, err: coerceError(e.cause) },
              'Conductor did not accept a task result',
            );
            settle(e.taskId);
          },
        },
      ],
      onError: (err: Error) => logger.warn({ err }, 'worker error'),
    },
  );
  manager.startPolling();
  logger.info(
    {
      url: target.serverUrl,
      workerId: options.workerId,
      concurrency: options.concurrency,
      domain: options.domain,
    },
    'notebook_run worker polling',
  );

  return {
    url: target.serverUrl,
    inFlight: () => running.size,
    async stop(graceMs: number): Promise<void> {
      if (stopping) return;
      stopping = true;
      const graceOver = new Promise<false>((r) => setTimeout(() => r(false), graceMs).unref());
      stopChainedTaskUpdates(sdk);
      // No new polls; but the SDK's loop keeps running until every task already on its way has reached
      // `execute` (and been handed back): it drops a chained task once polling has stopped.
      manager.updatePollingOptions({ concurrency: 0 });
      await Promise.race([handoffs.idle(), graceOver]);
      await manager.stopPolling();
      logger.info(
        { running: running.size, graceMs },
        'worker stopping: no new tasks; waiting for running notebooks',
      );
      const all = (): Promise<unknown> => Promise.all([...running.values()].map((r) => r.reported));
      const drained = await Promise.race([all().then(() => true), graceOver]);
      if (!drained) {
        logger.warn(
          { running: running.size },
          'grace period over: interrupting running notebooks (partial output is saved)',
        );
        for (const r of running.values()) r.controller.abort(new Error('worker shutting down'));
        await all();
      }
      // Only now: an update-v2 sent before the stop may answer late, with a task to hand back.
      unwatchChained();
      leases.stop();
      client.stopBackgroundRefresh?.();
      logger.info('notebook_run worker stopped');
    },
  };
}
