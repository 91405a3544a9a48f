/**
 * `nbconductor view [ROOT]`: the read-only viewer on its own port; and the same pages mounted on the
 * engine's port by `server` and `up` (with the run pages reading that engine's API).
 */
import path from 'node:path';

import type { Config } from '../config';
import type { EngineSecurity } from '../engine';
import type { Logger } from '../log';
import type { HttpSecurity } from '../security';
import { createStorage, uriScheme, type Storage } from '../storage';
import type { Viewer } from '../viewer';
import { conductorTarget } from '../worker/conductor-client';

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

/** Says so when the pages are open to anyone (`--auth none`), as the engine does for its API. */
function warnIfOpen(security: HttpSecurity, logger: Logger, url?: string): void {
  if (!security.authEnabled)
    logger.warn(
      url === undefined ? {} : { url },
      'viewer: authentication is OFF (auth none): anyone who can reach this address can read the output notebooks and runs',
    );
}

/**
 * The viewer for the engine's port: the configured output root, behind the engine's own security (its
 * login links open the pages; its token opens the contents API), with run pages reading the engine over
 * HTTP with the engine's own key (`engineUrl` is known once the engine listens).
 */
export async function createEngineViewer(
  config: Config,
  logger: Logger,
  cwd: string,
  engine: { url: () => string; security: EngineSecurity },
): Promise<EngineViewer> {
  const v = require('../viewer') as ViewerModule;
  const storage = createStorage({ cwd, s3: config.s3, logger });
  const { http: security, credentials } = engine.security;
  warnIfOpen(security, logger);
  try {
    const viewer = await v.createViewer({
      root: resolveRoot(config.viewer.root ?? config.worker.outputRoot, cwd),
      storage,
      guard: v.securityGuard(security),
      logger,
      baseUrl: '/',
      runs: v.createHttpRunsApi({
        baseUrl: engine.url,
        auth: v.conductorAuth({
          serverUrl: engine.url,
          keyId: credentials?.keyId ?? null,
          keySecret: credentials?.keySecret ?? null,
        }),
      }),
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
    const security = v.createViewerSecurity({
      auth: config.security.auth,
      host: config.viewer.host,
      allowedHosts: [...config.security.allowedHosts, ...config.viewer.allowedHosts],
      allowedOrigins: config.security.allowedOrigins,
      baseUrl: config.viewer.baseUrl,
    });
    const viewer = await v.createViewer({
      root,
      storage,
      guard: v.securityGuard(security),
      logger,
      baseUrl: config.viewer.baseUrl,
      runs:
        conductorUrl === null
          ? null
          : v.createHttpRunsApi({
              baseUrl: conductorUrl,
              // The run pages are a Conductor client like the others: the same key, found the same way.
              auth: v.conductorAuth(
                conductorTarget(config, {
                  url: conductorUrl,
                  origin: config.sources['viewer.conductorUrl'] ?? 'default',
                }),
              ),
            }),
    });
    const server = await v.startViewServer({
      viewer,
      security,
      host: config.viewer.host,
      port: config.viewer.port,
    });
    o.print(`nbconductor viewer: ${server.url}${viewer.base} (serving ${root}; Ctrl-C to stop)`);
    if (conductorUrl !== null)
      o.print(`runs: ${server.url}${viewer.base}runs (Conductor at ${conductorUrl})`);
    const link = server.loginLink();
    if (link) o.print(`browser login link (works once): ${link}`);
    warnIfOpen(security, logger, `${server.url}${viewer.base}`);
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
