/**
 * Prometheus metrics for a worker, the embedded engine, or both in one process (`up`): one registry
 * (with Node's process metrics), one protected listener (see server.ts), and the recorders the worker
 * and engine are handed. Loaded only when a metrics port is configured.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

import type { Config } from '../config';
import type { EngineStats } from '../engine/stats';
import type { Logger } from '../log';
import { packageVersion } from '../paths';
import { registerEngineMetrics } from './engine-metrics';
import { startMetricsServer } from './server';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics';

export type { WorkerMetrics } from './worker-metrics';

export interface Metrics {
  /** The scrape URL. */
  readonly url: string;
  /** The worker's recorder (one per process; later calls return the same one). */
  worker(workerId: string): WorkerMetrics;
  /** Report the engine's queue depths and workflow counts at each scrape. */
  engine(stats: () => EngineStats): void;
  stop(): Promise<void>;
}

export async function startMetrics(
  settings: Config['metrics'] & { port: number },
  logger: Logger,
): Promise<Metrics> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const server = await startMetricsServer({ ...settings, registry, logger });
  let worker: WorkerMetrics | undefined;
  let engine = false;
  return {
    url: server.url,
    worker: (workerId) => (worker ??= createWorkerMetrics(registry, { workerId, version: packageVersion() })),
    engine: (stats) => {
      if (engine) return;
      engine = true;
      registerEngineMetrics(registry, stats, logger);
    },
    stop: () => server.stop(),
  };
}
