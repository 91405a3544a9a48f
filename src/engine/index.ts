/**
 * The embedded Conductor-compatible engine: `startEngine` opens (or creates) the SQLite store, resumes
 * pending timers, system tasks and events, and serves Conductor's REST API on `host:port` (0 = random).
 *
 * Extensions beyond Conductor OSS (documented in `api/events.ts` and `events/status-events.ts`):
 * `POST /api/event/publish/{event}` injects an event message, and workflows that end publish on
 * `conductor:workflow_status[:<name>]`.
 */

import type { SqsConfig } from '../config';
import type { Credentials } from '../security';
import { registerAuthRoutes } from './api/auth';
import { registerEventRoutes } from './api/events';
import { registerHealthRoutes } from './api/health';
import { registerMetadataRoutes } from './api/metadata';
import { registerSchedulerRoutes } from './api/scheduler';
import { registerTaskSearchRoutes } from './api/task-search';
import { registerTaskRoutes } from './api/tasks';
import { registerWorkflowRoutes } from './api/workflow';
import { registerWorkflowBulkRoutes } from './api/workflow-bulk';
import type { EngineOptionsInput } from './context';
import { Engine } from './engine';
import { SqsEventQueueProvider } from './events/queues/sqs';
import { Router, type RouteInfo } from './http/router';
import { createHttpServer, type HttpMount } from './http/server';
import { createEngineSecurity, type EngineSecurity, type EngineSecuritySettings } from './security';
import { engineStatsReader, type EngineStats } from './stats';
import { openDb } from './store/db';
import { listenOn } from '../listen';

export type { EngineOptions, EngineOptionsInput } from './context';
export type { EngineStats } from './stats';
export type { RouteInfo } from './http/router';
export type { SchedulerOptions } from './scheduler/options';
export type { HttpMount } from './http/server';
export {
  createEngineSecurity,
  type EngineAuth,
  type EngineSecurity,
  type EngineSecuritySettings,
} from './security';

/** Besides the security settings (auth, host, dataDir, allowed hosts and origins, logger, clock). */
export interface StartEngineOptions extends EngineSecuritySettings {
  /** 0 picks a free port. */
  port?: number;
  /**
   * Directory for `engine.db` and `credentials.json`; may be left out with `memory` when auth is off or
   * credentials are given.
   */
  dataDir?: string;
  memory?: boolean;
  options?: EngineOptionsInput;
  /** `sqs:<queue>` event handlers are consumed when this is given with `enabled: true`. */
  sqs?: Readonly<SqsConfig>;
  /**
   * The security built from these same settings by `createEngineSecurity`, when pages mounted on the
   * port share it (they must admit whom the engine admits); default: built here.
   */
  security?: EngineSecurity;
  /** Pages served on the same port (the viewer), for the paths they claim; the API keeps `/api`. */
  mount?: HttpMount;
}

export interface RunningEngine {
  /** Base URL, e.g. `http://127.0.0.1:8080` (the API is under `/api`). */
  url: string;
  port: number;
  /** Queue depths and workflow counts, read from the store now (for metrics). */
  stats(): EngineStats;
  /** The key clients exchange for a token (null with auth 'none'). */
  credentials: Credentials | null;
  /** A one-time link that lets a browser into the engine's pages (null with auth 'none'). */
  loginLink(next?: string): string | null;
  /** The routes the server answers (method, pattern, who may call them). */
  routes: readonly RouteInfo[];
  /** Stops accepting requests, finishes in-flight ones, closes the database. */
  stop(): Promise<void>;
}

export async function startEngine(o: StartEngineOptions): Promise<RunningEngine> {
  const host = o.host ?? '127.0.0.1';
  const { http: security, credentials } = o.security ?? createEngineSecurity(o);
  const queueProviders = o.sqs?.enabled ? [new SqsEventQueueProvider(o.sqs, o.logger)] : [];
  const db = openDb({ dataDir: o.dataDir, memory: o.memory });
  const engine = new Engine({ db, logger: o.logger, clock: o.clock, options: o.options, queueProviders });
  const router = new Router();
  registerAuthRoutes(router, security);
  registerHealthRoutes(router, engine);
  registerMetadataRoutes(router, engine);
  registerWorkflowRoutes(router, engine);
  registerWorkflowBulkRoutes(router, engine);
  registerTaskRoutes(router, engine);
  registerTaskSearchRoutes(router, engine);
  registerEventRoutes(router, engine);
  registerSchedulerRoutes(router, engine);
  const server = createHttpServer({
    router,
    logger: o.logger,
    maxBodyBytes: engine.ctx.options.maxBodyBytes,
    security,
    mount: o.mount,
  });
  let port: number, url: string;
  try {
    ({ port, url } = await listenOn(server, o.port ?? 0, host));
  } catch (err) {
    db.close();
    throw err;
  }
  engine.start();
  if (!security.authEnabled)
    o.logger.warn(
      { url },
      'engine: authentication is OFF (auth none): anyone who can reach this address can run code as this user',
    );
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    stats: engineStatsReader(engine.ctx),
    credentials,
    loginLink: (next) => security.loginLink(url, next),
    routes: Object.freeze(router.list()),
    stop() {
      stopping ??= (async () => {
        await engine.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        db.close();
      })();
      return stopping;
    },
  };
}
