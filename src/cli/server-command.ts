/**
 * `nbconductor server --port P --data DIR [--memory]`: runs the embedded Conductor-compatible engine until
 * `signal` aborts (the CLI wires SIGTERM/SIGINT to it), then stops it cleanly. The engine module (and
 * better-sqlite3 with it) is loaded only here, so other commands never pay for it.
 */
import type { Config } from '../config';
import type { Logger } from '../log';

export interface ServerCommandOptions {
  host: string;
  port: number;
  /** Data directory for the SQLite store (ignored with `memory`). */
  dataDir: string;
  /** Keep everything in memory (tests, demos): nothing survives a restart. */
  memory: boolean;
  logger: Logger;
  signal: AbortSignal;
  /** Serve the viewer's pages at `/` of the engine's port (run pages on), over the configured output root. */
  pages?: { config: Config; cwd: string };
}

export async function runServerCommand(options: ServerCommandOptions): Promise<void> {
  // Lazy: loading the engine loads better-sqlite3.
  const { startEngine } = require('../engine') as typeof import('../engine');
  let url = '';
  const pages = options.pages
    ? await (require('./view-command') as typeof import('./view-command')).createEngineViewer(
        options.pages.config,
        options.logger,
        options.pages.cwd,
        () => url,
      )
    : undefined;
  let engine: Awaited<ReturnType<typeof startEngine>>;
  try {
    engine = await startEngine({
      host: options.host,
      port: options.port,
      dataDir: options.memory ? undefined : options.dataDir,
      memory: options.memory,
      logger: options.logger,
      mount: pages?.viewer,
    });
  } catch (err) {
    await pages?.close();
    throw err;
  }
  url = engine.url;
  options.logger.info(
    { url: engine.url, api: `${engine.url}/api`, dataDir: options.memory ? null : options.dataDir },
    `nbconductor engine listening on ${engine.url} (Conductor API under /api${pages ? `, pages at ${engine.url}/` : ''})`,
  );
  try {
    if (!options.signal.aborted) {
      await new Promise<void>((resolve) =>
        options.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
  } finally {
    options.logger.info('nbconductor engine stopping');
    await engine.stop();
    await pages?.close();
    options.logger.info('nbconductor engine stopped');
  }
}
