/**
 * A real Jupyter Server for tests: started from the project's venv on 127.0.0.1 (free port, random token,
 * the nodelay config nbconductor uses), with a fresh temp root_dir, and stopped by the test.
 *
 *   let server: TestJupyterServer;
 *   beforeAll(async () => (server = await startTestJupyterServer()));
 *   afterAll(() => server.stop());
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { Logger } from '../../src/log';
import { startJupyterServer } from '../../src/kernel/jupyter-server/server-process';
import { quietLogger } from './logger';
import { testVenv } from './python';

export interface TestJupyterServer {
  /** Base URL with a trailing slash, e.g. http://127.0.0.1:41234/ */
  url: string;
  token: string;
  pid: number;
  /** The server's root_dir (a temp dir owned by this helper unless one was passed in). */
  rootDir: string;
  stderrTail(): string;
  /** Stop the server (SIGTERM, then SIGKILL) and remove the temp root. Idempotent. */
  stop(): Promise<void>;
}

export interface TestJupyterServerOptions {
  rootDir?: string;
  /** Default true, as nbconductor starts its own servers. */
  nodelay?: boolean;
  /** Restart dead kernels like a stock server (default false, as nbconductor's own servers). */
  autorestart?: boolean;
  logger?: Logger;
}

export async function startTestJupyterServer(
  options: TestJupyterServerOptions = {},
): Promise<TestJupyterServer> {
  const ownRoot = options.rootDir === undefined;
  const rootDir = options.rootDir ?? (await mkdtemp(path.join(os.tmpdir(), 'nbc-test-jroot-')));
  const proc = await startJupyterServer({
    python: testVenv().python,
    rootDir,
    baseEnv: process.env,
    logger: options.logger ?? quietLogger(),
    nodelay: options.nodelay ?? true,
    autorestart: options.autorestart ?? false,
  }).catch(async (err: unknown) => {
    if (ownRoot) await rm(rootDir, { recursive: true, force: true });
    throw err;
  });
  let stopping: Promise<void> | undefined;
  return {
    url: proc.url,
    token: proc.token,
    pid: proc.pid,
    rootDir,
    stderrTail: () => proc.stderrTail(),
    stop() {
      stopping ??= (async () => {
        await proc.stop();
        if (ownRoot) await rm(rootDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
