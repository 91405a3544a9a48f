/**
 * The worker's Prometheus metrics: a `WorkerObserver` (tasks, polls, lease extensions), a kernel-start
 * listener and a kernel-pool reader, all on one prom-client registry. The worker and the pool know only
 * those small interfaces; prom-client stays in this folder.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

import type { KernelStartEvent } from '../kernel/observed-provider';
import type { KernelPoolStats } from '../kernel/pool';
import type { ObservedTask, WorkerObserver } from '../worker/observer';

/** Notebooks run from seconds to hours. */
const NOTEBOOK_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];
/** Kernels start in ~0.3–5 s; a slow server or image pull takes longer. */
const KERNEL_START_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];
const POOL_STATES = ['idle', 'starting', 'waiting'] as const;

export interface WorkerMetrics extends WorkerObserver {
  kernelStarted(event: KernelStartEvent): void;
  /** Report this pool's size at every scrape (the latest pool given wins). */
  watchKernelPool(stats: () => KernelPoolStats): void;
}

export function createWorkerMetrics(
  registry: Registry,
  identity: { workerId: string; version: string },
): WorkerMetrics {
  const registers = [registry];
  new Gauge({
    name: 'nbconductor_worker_info',
    help: 'This worker process (value 1), labelled with its worker id and nbconductor version',
    labelNames: ['worker_id', 'version'],
    registers,
  }).set({ worker_id: identity.workerId, version: identity.version }, 1);
  const running = new Gauge({
    name: 'nbconductor_worker_tasks_running',
    help: 'notebook_run tasks running on this worker now, by workflow',
    labelNames: ['workflow'],
    registers,
  });
  const finished = new Counter({
    name: 'nbconductor_worker_tasks_total',
    help: 'notebook_run tasks this worker finished, by workflow and reported status (COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR)',
    labelNames: ['workflow', 'status'],
    registers,
  });
  const duration = new Histogram({
    name: 'nbconductor_worker_notebook_duration_seconds',
    help: 'Wall time of notebook_run tasks on this worker (kernel, execution and storage), by workflow and status',
    labelNames: ['workflow', 'status'],
    buckets: NOTEBOOK_BUCKETS,
    registers,
  });
  const polls = new Counter({
    name: 'nbconductor_worker_polls_total',
    help: 'Batch polls sent to Conductor, by task type',
    labelNames: ['task_type'],
    registers,
  });
  const pollErrors = new Counter({
    name: 'nbconductor_worker_poll_errors_total',
    help: 'Batch polls that failed (network, auth or server error), by task type',
    labelNames: ['task_type'],
    registers,
  });
  const leases = new Counter({
    name: 'nbconductor_worker_lease_extensions_total',
    help: 'Lease extensions (heartbeats) sent for running tasks, by outcome (ok, failed)',
    labelNames: ['outcome'],
    registers,
  });
  for (const outcome of ['ok', 'failed']) leases.inc({ outcome }, 0);
  const kernelStart = new Histogram({
    name: 'nbconductor_kernel_start_duration_seconds',
    help: 'Time to start a kernel until it is ready, by kernel name and outcome (ok, failed)',
    labelNames: ['kernel', 'outcome'],
    buckets: KERNEL_START_BUCKETS,
    registers,
  });
  let poolStats: (() => KernelPoolStats) | null = null;
  new Gauge({
    name: 'nbconductor_kernel_pool_kernels',
    help: 'Kernels in the pool by kernel name and state (idle: ready to hand out; starting; waiting: acquires waiting for one)',
    labelNames: ['kernel', 'state'],
    registers,
    collect() {
      this.reset();
      for (const [kernel, lane] of Object.entries(poolStats?.().kernels ?? {}))
        for (const state of POOL_STATES) this.set({ kernel, state }, lane[state]);
    },
  });
  new Gauge({
    name: 'nbconductor_kernel_pool_target',
    help: 'Idle kernels the pool keeps ready, by kernel name (worker.kernelPoolSize)',
    labelNames: ['kernel'],
    registers,
    collect() {
      this.reset();
      for (const [kernel, lane] of Object.entries(poolStats?.().kernels ?? {}))
        this.set({ kernel }, lane.target);
    },
  });

  const workflow = (t: ObservedTask): string => t.workflowType;
  return {
    taskStarted: (t) => running.inc({ workflow: workflow(t) }),
    taskFinished: (t, { status, durationMs }) => {
      running.dec({ workflow: workflow(t) });
      finished.inc({ workflow: workflow(t), status });
      duration.observe({ workflow: workflow(t), status }, durationMs / 1000);
    },
    leaseExtended: (ok) => leases.inc({ outcome: ok ? 'ok' : 'failed' }),
    polled: (taskType) => {
      polls.inc({ task_type: taskType });
      pollErrors.inc({ task_type: taskType }, 0); // the series exists (at 0) for alert rules
    },
    pollFailed: (taskType) => pollErrors.inc({ task_type: taskType }),
    kernelStarted: (e) =>
      kernelStart.observe({ kernel: e.kernelName, outcome: e.ok ? 'ok' : 'failed' }, e.durationMs / 1000),
    watchKernelPool: (stats) => {
      poolStats = stats;
    },
  };
}
