/** `runServerCommand`: serves the API, logs the URL, stops cleanly when the signal aborts; metrics on request. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runServerCommand, type ServerCommandOptions } from '../../src/cli/server-command';
import { readCredentials } from '../../src/security';
import { captureLogger, type CapturedLine } from '../helpers/logger';
import { scrapeUntil, value } from '../helpers/prometheus';

/** The command running on a fresh data dir, and the URLs it logged (waits for each message given). */
async function startServer(
  metrics: ServerCommandOptions['metrics'],
  messages: ((l: CapturedLine) => boolean)[],
): Promise<{
  dataDir: string;
  lines: CapturedLine[];
  printed: string[];
  urls: string[];
  stop(): Promise<void>;
}> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-server-'));
  const { logger, lines } = captureLogger('info');
  const controller = new AbortController();
  const printed: string[] = [];
  const running = runServerCommand({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    memory: false,
    metrics,
    security: { auth: { mode: 'token' } },
    logger,
    print: (line) => printed.push(line),
    signal: controller.signal,
  });
  const stop = async (): Promise<void> => {
    controller.abort();
    await running;
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 500; i++) {
    const found = messages.map((m) => lines.find(m));
    if (found.every((l) => typeof l?.url === 'string'))
      return { dataDir, lines, printed, urls: found.map((l) => l?.url as string), stop };
    await new Promise((r) => setTimeout(r, 20));
  }
  await stop();
  throw new Error('the server did not log its URLs');
}

const engineListening = (l: CapturedLine): boolean =>
  l.msg?.startsWith('nbconductor engine listening') ?? false;

it('serves /health on the logged URL until aborted, keeping data in the data dir', async () => {
  const { dataDir, lines, printed, urls, stop } = await startServer(undefined, [engineListening]);
  const url = urls[0] as string;
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
  await stop();
  await expect(fetch(`${url}/health`)).rejects.toThrow();
  expect(lines.some((l) => l.msg === 'nbconductor engine stopped')).toBe(true);
  expect(lines.some((l) => l.msg === 'serving Prometheus metrics')).toBe(false);
});

it('with a metrics port, serves the engine counts on their own listener', async () => {
  const { dataDir, urls, stop } = await startServer(
    { port: 0, host: '127.0.0.1', allowedHosts: [], token: null },
    [engineListening, (l) => l.msg === 'serving Prometheus metrics'],
  );
  const [engine, metrics] = urls as [string, string];
  try {
    expect(new URL(metrics).port).not.toBe(new URL(engine).port);
    const tokenRes = await fetch(`${engine}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(readCredentials(dataDir)),
    });
    const { token } = (await tokenRes.json()) as { token: string };
    const post = (p: string, body: unknown): Promise<Response> =>
      fetch(`${engine}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-authorization': token },
        body: JSON.stringify(body),
      });
    await post('/api/metadata/taskdefs', [{ name: 'queued_task', ownerEmail: 't@example.com' }]);
    await post('/api/metadata/workflow', {
      name: 'queued_wf',
      version: 1,
      ownerEmail: 't@example.com',
      tasks: [{ name: 'queued_task', taskReferenceName: 'q', type: 'SIMPLE' }],
    });
    for (let i = 0; i < 3; i++) expect((await post('/api/workflow/queued_wf', {})).status).toBe(200);
    const samples = await scrapeUntil(metrics, (s) =>
      s.some((x) => x.name === 'nbconductor_engine_workflows'),
    );
    expect(value(samples, 'nbconductor_engine_queue_depth', { queue: 'queued_task' })).toBe(3);
    expect(value(samples, 'nbconductor_engine_workflows', { workflow: 'queued_wf', status: 'RUNNING' })).toBe(
      3,
    );
    // the engine's API port does not serve them (without a token it tells nothing; with one, no such resource)
    expect((await fetch(`${engine}/metrics`)).status).toBe(401);
    expect((await fetch(`${engine}/metrics`, { headers: { 'x-authorization': token } })).status).toBe(404);
  } finally {
    await stop();
  }
  await expect(fetch(metrics)).rejects.toThrow();
});
