/**
 * The embedded Conductor-compatible engine: `startEngine` opens (or creates) the SQLite store, resumes
 * pending timers, system tasks and events, and serves Conductor's REST API on `host:port` (0 = random).
 *
 * Extensions beyond Conductor OSS (documented in `api/events.ts` and `events/status-events.ts`):
 * `POST /api/event/publish/{event}` injects an event message, and workflows that end publish on
 * `conductor:workflow_status[:<name>]`.
 */
import type { AddressInfo } from 'node:net';

import type { Logger } from '../log';
import { registerEventRoutes } from './api/events';
import { registerHealthRoutes } from './api/health';
import { registerMetadataRoutes } from './api/metadata';
import { registerTaskRoutes } from './api/tasks';
import { registerWorkflowRoutes } from './api/workflow';
import type { EngineOptions } from './context';
import { Engine } from './engine';
import { Router } from './http/router';
import { createHttpServer, type HttpMount } from './http/server';
import { openDb } from './store/db';

export type { EngineOptions } from './context';
export type { HttpMount } from './http/server';

export interface StartEngineOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Directory for `engine.db`; required unless `memory` is true. */
  dataDir?: string;
  memory?: boolean;
  logger: Logger;
  clock?: () => number;
  options?: Partial<EngineOptions>;
  /** Pages served on the same port (the viewer), for the paths they claim; the API keeps `/api`. */
  mount?: HttpMount;
}

export interface RunningEngine {
  /** Base URL, e.g. `http://127.0.0.1:8080` (the API is under `/api`). */
  url: string;
  port: number;
  /** Stops accepting requests, finishes in-flight ones, closes the database. */
  stop(): Promise<void>;
}

export async function startEngine(o: StartEngineOptions): Promise<RunningEngine> {
  const db = openDb({ dataDir: o.dataDir, memory: o.memory });
  const engine = new Engine({ db, logger: o.logger, clock: o.clock, options: o.options });
  const router = new Router();
  registerHealthRoutes(router, engine);
  registerMetadataRoutes(router, engine);
  registerWorkflowRoutes(router, engine);
  registerTaskRoutes(router, engine);
  registerEventRoutes(router, engine);
  const server = createHttpServer({
    router,
    logger: o.logger,
    maxBodyBytes: engine.ctx.options.maxBodyBytes,
    mount: o.mount,
  });
  const host = o.host ?? '127.0.0.1';
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
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
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
