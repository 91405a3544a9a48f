/**
 * `nbconductor server --port P --data DIR [--memory]`: runs the embedded Conductor-compatible engine until
 * `signal` aborts (the CLI wires SIGTERM/SIGINT to it), then stops it cleanly. The engine module (and
 * better-sqlite3 with it) is loaded only here, so other commands never pay for it.
 */
import type { Config, SqsConfig } from '../config';
import type { SchedulerOptions, StartEngineOptions } from '../engine';
import type { Logger } from '../log';
import { credentialsPath } from '../security';
import { startMetricsEndpoint } from '../metrics/endpoint';

export type EngineSecurityOptions = Pick<StartEngineOptions, 'auth' | 'allowedHosts' | 'allowedOrigins'>;

/** The engine's security settings from the configuration (`security.*`). */
export function engineSecurity(config: Config): EngineSecurityOptions {
  return {
    auth:
      config.security.auth === 'none'
        ? { mode: 'none' }
        : { mode: 'token', tokenTtlMs: config.security.tokenTtlSeconds * 1000 },
    allowedHosts: config.security.allowedHosts,
    allowedOrigins: config.security.allowedOrigins,
  };
}

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
  /** Data directory for the SQLite store (not used for it with `memory`) and the credentials. */
  dataDir: string;
  /** Keep everything in memory (tests, demos): nothing survives a restart. */
  memory: boolean;
  security: EngineSecurityOptions;
  /** The Prometheus endpoint's settings (queue depths, workflow counts); off when its port is null. */
  metrics?: Config['metrics'];
  /** The `scheduler` config section (engine defaults when absent). */
  scheduler?: Config['scheduler'];
  /** Consume `sqs:` event handlers' queues (when enabled). */
  sqs?: Readonly<SqsConfig>;
  logger: Logger;
  /** Where the login link goes (the terminal, not the log: it is a secret, if a short-lived one). */
  print(line: string): void;
  signal: AbortSignal;
  /** Serve the viewer's pages at `/` of the engine's port (run pages on), over the configured output root. */
  pages?: { config: Config; cwd: string };
}

export async function runServerCommand(options: ServerCommandOptions): Promise<void> {
  // Lazy: loading the engine loads better-sqlite3.
  const { startEngine, createEngineSecurity } = require('../engine') as typeof import('../engine');
  let url = '';
  // One security for the API and the pages: the login links the engine prints open the pages.
  const security = createEngineSecurity({
    host: options.host,
    dataDir: options.dataDir,
    logger: options.logger,
    ...options.security,
  });
  const pages = options.pages
    ? await (require('./view-command') as typeof import('./view-command')).createEngineViewer(
        options.pages.config,
        options.logger,
        options.pages.cwd,
        { url: () => url, security },
      )
    : undefined;
  let engine: Awaited<ReturnType<typeof startEngine>>;
  try {
    engine = await startEngine({
      host: options.host,
      port: options.port,
      dataDir: options.dataDir,
      memory: options.memory,
      logger: options.logger,
      options: options.scheduler ? { scheduler: schedulerOptions(options.scheduler) } : undefined,
      sqs: options.sqs,
      mount: pages?.viewer,
      ...options.security,
      security,
    });
  } catch (err) {
    await pages?.close();
    throw err;
  }
  url = engine.url;
  options.logger.info(
    {
      url: engine.url,
      api: `${engine.url}/api`,
      dataDir: options.memory ? null : options.dataDir,
      credentials: engine.credentials ? credentialsPath(options.dataDir) : null,
    },
    `nbconductor engine listening on ${engine.url} (Conductor API under /api${pages ? `, pages at ${engine.url}/` : ''})`,
  );
  const link = engine.loginLink(pages ? pages.viewer.base : undefined);
  if (link) options.print(`browser login link (works once): ${link}`);
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
    await pages?.close();
    options.logger.info('nbconductor engine stopped');
  }
}
