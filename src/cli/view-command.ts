/**
 * `nbconductor view [ROOT]`: the read-only viewer on its own port; and the same pages mounted on the
 * engine's port by `server` and `up` (with the run pages reading that engine's API).
 */
import path from 'node:path';

import type { Config } from '../config';
import type { Logger } from '../log';
import { createStorage, uriScheme, type Storage } from '../storage';
import type { Viewer, ViewerGuard } from '../viewer';

type ViewerModule = typeof import('../viewer');

export interface ViewCommandOptions {
  root?: string;
  cwd: string;
  signal: AbortSignal;
  /** Where to say where the viewer is. */
  print(line: string): void;
}

function resolveRoot(root: string, cwd: string): string {
  return uriScheme(root) === 'file' ? path.resolve(cwd, root.replace(/^file:\/\//, '')) : root;
}

export interface EngineViewer {
  viewer: Viewer;
  close(): Promise<void>;
}

export interface EngineViewerAccess {
  /** Who may read the pages (default: the standalone viewer's Host/Origin checks). */
  guard?: ViewerGuard;
  /** Headers the run pages send to the engine's API (its token, once it wants one). */
  apiHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
}

/**
 * The viewer for the engine's port: the configured output root, run pages reading the engine itself over
 * HTTP (`engineUrl` is known once the engine listens).
 */
export async function createEngineViewer(
  config: Config,
  logger: Logger,
  cwd: string,
  engineUrl: () => string,
  access: EngineViewerAccess = {},
): Promise<EngineViewer> {
  const v = require('../viewer') as ViewerModule;
  const storage = createStorage({ cwd, s3: config.s3, logger });
  try {
    const viewer = await v.createViewer({
      root: resolveRoot(config.viewer.root ?? config.worker.outputRoot, cwd),
      storage,
      guard: access.guard ?? v.hostGuard({ allowedHosts: config.viewer.allowedHosts }),
      logger,
      baseUrl: '/',
      runs: v.createHttpRunsApi({ baseUrl: engineUrl, headers: access.apiHeaders }),
      allowMissingRoot: true,
    });
    return { viewer, close: () => storage.close() };
  } catch (err) {
    await storage.close();
    throw err;
  }
}

export async function viewCommand(config: Config, logger: Logger, o: ViewCommandOptions): Promise<void> {
  const v = require('../viewer') as ViewerModule;
  const root = resolveRoot(o.root ?? config.viewer.root ?? config.worker.outputRoot, o.cwd);
  const storage: Storage = createStorage({ cwd: o.cwd, s3: config.s3, logger });
  try {
    const conductorUrl = config.viewer.conductorUrl;
    const viewer = await v.createViewer({
      root,
      storage,
      guard: v.hostGuard({ allowedHosts: config.viewer.allowedHosts }),
      logger,
      baseUrl: config.viewer.baseUrl,
      runs:
        conductorUrl === null
          ? null
          : v.createHttpRunsApi({
              baseUrl: conductorUrl,
              headers: v.conductorHeaders({ ...config.conductor, serverUrl: conductorUrl }),
            }),
    });
    const server = await v.startViewServer({ viewer, host: config.viewer.host, port: config.viewer.port });
    o.print(`nbconductor viewer: ${server.url}${viewer.base} (serving ${root}; Ctrl-C to stop)`);
    if (conductorUrl !== null)
      o.print(`runs: ${server.url}${viewer.base}runs (Conductor at ${conductorUrl})`);
    try {
      if (!o.signal.aborted) {
        await new Promise<void>((resolve) =>
          o.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
    } finally {
      await server.stop();
    }
  } finally {
    await storage.close();
  }
}
