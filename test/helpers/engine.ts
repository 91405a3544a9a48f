/**
 * Starts the embedded engine for a test: random 127.0.0.1 port, a fresh temp data dir (or in memory),
 * a silent logger, and token authentication as users get it (credentials.json in the data dir, or fresh
 * credentials in memory); `auth: 'none'` only where a test is not about the engine's API. `stop()` stops
 * it and removes the data dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { SqsConfig } from '../../src/config';
import { startEngine, type EngineOptionsInput, type EngineStats, type RouteInfo } from '../../src/engine';
import type { Logger } from '../../src/log';
import { generateCredentials, type Credentials } from '../../src/security';
import { quietLogger } from './logger';

export interface TestEngine {
  url: string;
  dataDir: string | undefined;
  stats(): EngineStats;
  /** What clients exchange for a token (null with auth 'none'). */
  credentials: Credentials | null;
  loginLink(next?: string): string | null;
  /** The routes the engine answers (enumerated from its Router). */
  routes: readonly RouteInfo[];
  stop(): Promise<void>;
}

export interface TestEngineOptions {
  memory?: boolean;
  /** Reuse an existing data dir (restart scenarios); it is then not deleted on stop. */
  dataDir?: string;
  logger?: Logger;
  options?: EngineOptionsInput;
  /** Consume `sqs:` handlers' queues (e.g. `moto.sqsConfig()`). */
  sqs?: SqsConfig;
  /** Default 'token'. */
  auth?: 'token' | 'none';
  tokenTtlMs?: number;
  clock?: () => number;
}

export async function startTestEngine(opts: TestEngineOptions = {}): Promise<TestEngine> {
  const own = !opts.memory && !opts.dataDir;
  const dataDir = opts.memory
    ? undefined
    : (opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-engine-')));
  const engine = await startEngine({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    memory: opts.memory,
    logger: opts.logger ?? quietLogger(),
    options: opts.options,
    sqs: opts.sqs,
    clock: opts.clock,
    auth:
      opts.auth === 'none'
        ? { mode: 'none' }
        : {
            mode: 'token',
            credentials: opts.memory ? generateCredentials() : undefined,
            tokenTtlMs: opts.tokenTtlMs,
          },
  });
  return {
    url: engine.url,
    dataDir,
    stats: engine.stats,
    credentials: engine.credentials,
    loginLink: (next) => engine.loginLink(next),
    routes: engine.routes,
    async stop() {
      await engine.stop();
      if (own && dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
