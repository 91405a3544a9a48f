/**
 * The embedded Conductor-compatible engine: `startEngine` opens (or creates) the SQLite store, resumes
 * pending timers, system tasks and events, and serves Conductor's REST API on `host:port` (0 = random).
 *
 * Extensions beyond Conductor OSS (documented in `api/events.ts` and `events/status-events.ts`):
 * `POST /api/event/publish/{event}` injects an event message, and workflows that end publish on
 * `conductor:workflow_status[:<name>]`.
 */
import type { AddressInfo } from 'node:net';

import type { SqsConfig } from '../config';
import type { Logger } from '../log';
import { createHttpSecurity, loadOrCreateCredentials, type Credentials } from '../security';
import { NbcError } from '../errors';
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
import { createHttpServer } from './http/server';
import { engineStatsReader, type EngineStats } from './stats';
import { openDb } from './store/db';

export type { EngineOptions, EngineOptionsInput } from './context';
export type { EngineStats } from './stats';
export type { RouteInfo } from './http/router';
export type { SchedulerOptions } from './scheduler/options';

export interface StartEngineOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * Directory for `engine.db` and `credentials.json`; may be left out with `memory` when auth is off or
   * credentials are given.
   */
  dataDir?: string;
  memory?: boolean;
  logger: Logger;
  clock?: () => number;
  options?: EngineOptionsInput;
  /** `sqs:<queue>` event handlers are consumed when this is given with `enabled: true`. */
  sqs?: Readonly<SqsConfig>;
  /**
   * 'token': every API call needs a token from `POST /api/token` with these credentials (default: the
   * data directory's credentials.json, created on first start). 'none': no authentication (a warning
   * is logged). The Host/Origin/JSON checks apply either way.
   */
  auth: EngineAuth;
  /** Host names accepted besides loopback ones and the listen address (config security.allowedHosts). */
  allowedHosts?: readonly string[];
  /** Origins accepted besides the engine's own (config security.allowedOrigins). */
  allowedOrigins?: readonly string[];
}

export type EngineAuth =
  { mode: 'none' } | { mode: 'token'; credentials?: Credentials; tokenTtlMs?: number; sessionTtlMs?: number };

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

function credentialsFor(o: StartEngineOptions): Credentials | null {
  if (o.auth.mode === 'none') return null;
  if (o.auth.credentials) return o.auth.credentials;
  // With `memory` the database is not kept, but the credentials still are: clients find them there.
  if (!o.dataDir)
    throw new NbcError(
      'E_CONFIG',
      'engine: token auth needs credentials or a data directory to keep them in',
    );
  const { credentials, created } = loadOrCreateCredentials(o.dataDir);
  if (created) o.logger.info({ dataDir: o.dataDir }, 'engine: created credentials.json (keyId, keySecret)');
  return credentials;
}

/** The listen address is a name clients use, unless it is a wildcard. */
function listenName(host: string): string[] {
  return host === '0.0.0.0' || host === '::' || host === '' ? [] : [host];
}

export async function startEngine(o: StartEngineOptions): Promise<RunningEngine> {
  const credentials = credentialsFor(o);
  const host = o.host ?? '127.0.0.1';
  const security = createHttpSecurity({
    auth:
      credentials && o.auth.mode === 'token'
        ? {
            mode: 'token',
            credentials,
            tokenTtlMs: o.auth.tokenTtlMs,
            sessionTtlMs: o.auth.sessionTtlMs,
          }
        : { mode: 'none' },
    allowedHosts: [...listenName(host), ...(o.allowedHosts ?? [])],
    allowedOrigins: o.allowedOrigins ?? [],
    now: o.clock,
  });
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
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    db.close();
    throw err;
  }
  engine.start();
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
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
