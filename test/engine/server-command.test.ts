/** `runServerCommand`: serves the API, logs the URL, stops cleanly when the signal aborts. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runServerCommand } from '../../src/cli/server-command';
import { captureLogger } from '../helpers/logger';

it('serves /health on the logged URL until aborted, keeping data in the data dir', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-server-'));
  const { logger, lines } = captureLogger('info');
  const controller = new AbortController();
  const running = runServerCommand({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    memory: false,
    logger,
    signal: controller.signal,
  });
  const started = await (async () => {
    for (let i = 0; i < 200; i++) {
      const line = lines.find((l) => typeof l.url === 'string');
      if (line) return line;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no URL logged');
  })();
  const url = started.url as string;
  expect((await fetch(`${url}/health`)).status).toBe(200);
  expect(fs.existsSync(path.join(dataDir, 'engine.db'))).toBe(true);
  controller.abort();
  await running;
  await expect(fetch(`${url}/health`)).rejects.toThrow();
  expect(lines.some((l) => l.msg === 'nbconductor engine stopped')).toBe(true);
  fs.rmSync(dataDir, { recursive: true, force: true });
});
