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
  const printed: string[] = [];
  const running = runServerCommand({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    memory: false,
    security: { auth: { mode: 'token' } },
    logger,
    print: (line) => printed.push(line),
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
  // the key is in the data dir (owner-only), the login link on the terminal, neither in the log
  expect(fs.statSync(path.join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
  expect(printed).toEqual([
    expect.stringMatching(/^browser login link \(works once\): http:\/\/127\.0\.0\.1:\d+\/login\?code=/),
  ]);
  const secret = (
    JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')) as { keySecret: string }
  ).keySecret;
  expect(JSON.stringify(lines)).not.toContain(secret);
  expect(JSON.stringify(lines)).not.toContain('code=');
  controller.abort();
  await running;
  await expect(fetch(`${url}/health`)).rejects.toThrow();
  expect(lines.some((l) => l.msg === 'nbconductor engine stopped')).toBe(true);
  fs.rmSync(dataDir, { recursive: true, force: true });
});
