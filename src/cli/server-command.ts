/**
 * `nbconductor server --port P --data DIR [--memory]`: runs the embedded Conductor-compatible engine until
 * `signal` aborts (the CLI wires SIGTERM/SIGINT to it), then stops it cleanly. The engine module (and
 * better-sqlite3 with it) is loaded only here, so other commands never pay for it.
 */
import type { Config, SqsConfig } from '../config';
import type { SchedulerOptions } from '../engine';
import type { Logger } from '../log';
import { startMetricsEndpoint } from './metrics';

/** The engine's scheduler options from the `scheduler` config section. */
export function schedulerOptions(c: Config['scheduler']): SchedulerOptions {
  return {
    catchUpDefault: c.catchUpDefault,
    catchUpMax: c.catchUpMax,
    historyPerSchedule: c.historyPerSchedule,
    historyMaxAgeMs: c.historyMaxAgeDays * 86_400_000,
  };
}

export interface ServerCommandOptions {
  host: string;
  port: number;
  /** Data directory for the SQLite store (ignored with `memory`). */
  dataDir: string;
  /** Keep everything in memory (tests, demos): nothing survives a restart. */
  memory: boolean;
  /** The Prometheus endpoint's settings (queue depths, workflow counts); off when its port is null. */
  metrics?: Config['metrics'];
  /** The `scheduler` config section (engine defaults when absent). */
  scheduler?: Config['scheduler'];
  logger: Logger;
  signal: AbortSignal;
  /** Consume `sqs:` event handlers' queues (when enabled). */
  sqs?: Readonly<SqsConfig>;
}

export async function runServerCommand(options: ServerCommandOptions): Promise<void> {
  // Lazy: loading the engine loads better-sqlite3.
  const { startEngine } = require('../engine') as typeof import('../engine');
  const engine = await startEngine({
    host: options.host,
    port: options.port,
    dataDir: options.memory ? undefined : options.dataDir,
    memory: options.memory,
    logger: options.logger,
    options: options.scheduler ? { scheduler: schedulerOptions(options.scheduler) } : undefined,
    sqs: options.sqs,
  });
  options.logger.info(
    { url: engine.url, api: `${engine.url}/api`, dataDir: options.memory ? null : options.dataDir },
    `nbconductor engine listening on ${engine.url} (Conductor API under /api)`,
  );
  let metrics: Awaited<ReturnType<typeof startMetricsEndpoint>> = null;
  try {
    if (options.metrics) metrics = await startMetricsEndpoint(options.metrics, options.logger);
    metrics?.engine(engine.stats);
    if (!options.signal.aborted) {
      await new Promise<void>((resolve) =>
        options.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
  } finally {
    await metrics?.stop();
    options.logger.info('nbconductor engine stopping');
    await engine.stop();
    options.logger.info('nbconductor engine stopped');
  }
}
