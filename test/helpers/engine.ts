/**
 * Starts the embedded engine for a test: random 127.0.0.1 port, a fresh temp data dir (or in memory),
 * a silent logger. `stop()` stops it and removes the data dir.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { SqsConfig } from '../../src/config';
import { startEngine, type EngineOptionsInput, type EngineStats } from '../../src/engine';
import type { Logger } from '../../src/log';
import { quietLogger } from './logger';

export interface TestEngine {
  url: string;
  dataDir: string | undefined;
  stats(): EngineStats;
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
  });
  return {
    url: engine.url,
    dataDir,
    stats: engine.stats,
    async stop() {
      await engine.stop();
      if (own && dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
