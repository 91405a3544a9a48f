/**
 * The embedded engine's Prometheus metrics, read from its store at each scrape: messages waiting per task
 * queue and workflows per name and status.
 */
import { Gauge, type Registry } from 'prom-client';

import type { EngineStats } from '../engine/stats';
import { errorMessage } from '../errors';
import type { Logger } from '../log';

export function registerEngineMetrics(registry: Registry, stats: () => EngineStats, logger: Logger): void {
  // A failed read (the database is closing) leaves the gauges empty rather than failing the scrape.
  const read = (): EngineStats | null => {
    try {
      return stats();
    } catch (err) {
      logger.warn({ err: errorMessage(err) }, 'engine metrics: reading the store failed');
      return null;
    }
  };
  new Gauge({
    name: 'nbconductor_engine_queue_depth',
    help: 'Messages waiting in each task queue (a task type, or domain:taskType)',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [queue, n] of Object.entries(read()?.queues ?? {})) this.set({ queue }, n);
    },
  });
  new Gauge({
    name: 'nbconductor_engine_workflows',
    help: 'Workflows in the store, by workflow name and status',
    labelNames: ['workflow', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of read()?.workflows ?? []) this.set({ workflow: w.name, status: w.status }, w.count);
    },
  });
}
