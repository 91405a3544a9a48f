/**
 * The SDK adapter: what the user configured decides which Conductor we talk to and with which key, never
 * the SDK's own CONDUCTOR_* variables (each set to a hostile value here); and a Conductor that cannot be
 * reached, or refuses the key, is reported within seconds naming the URL and where it came from.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

import { MetadataClient } from '@io-orkes/conductor-javascript';

import { compileConfig } from '../../src/config';
import { isNbcError } from '../../src/errors';
import {
  connectConductor,
  conductorTarget,
  SDK_ENV_VARS,
  type ConductorTarget,
} from '../../src/worker/conductor-client';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { captureLogger, quietLogger } from '../helpers/logger';
import { closedPort } from '../helpers/net';

/** A server that records every request and answers like a Conductor would not (the wrong server). */
async function decoy(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"token":"decoy"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function hostileEnvironment(decoyUrl: string): Record<(typeof SDK_ENV_VARS)[number], string> {
  return {
    CONDUCTOR_SERVER_URL: decoyUrl,
    CONDUCTOR_AUTH_KEY: 'hostile-key',
    CONDUCTOR_AUTH_SECRET: 'hostile-secret',
    CONDUCTOR_MAX_HTTP2_CONNECTIONS: '0',
    CONDUCTOR_REFRESH_TOKEN_INTERVAL: '1',
    CONDUCTOR_REQUEST_TIMEOUT_MS: '1',
    CONDUCTOR_CONNECT_TIMEOUT_MS: '1',
    CONDUCTOR_TLS_CERT_PATH: '/nonexistent/cert.pem',
    CONDUCTOR_TLS_KEY_PATH: '/nonexistent/key.pem',
    CONDUCTOR_TLS_CA_PATH: '/nonexistent/ca.pem',
    CONDUCTOR_TLS_INSECURE: 'true',
    CONDUCTOR_PROXY_URL: decoyUrl,
    CONDUCTOR_DISABLE_HTTP2: 'maybe',
    CONDUCTOR_RETRY_SERVER_ERRORS: 'true',
    CONDUCTOR_LOG_LEVEL: 'DEBUG',
  };
}

describe('with every variable the SDK reads set to a hostile value', () => {
  let engine: TestEngine;
  let wrong: Awaited<ReturnType<typeof decoy>>;
  const saved = { ...process.env };
  const { logger, lines } = captureLogger('debug');

  beforeAll(async () => {
    engine = await startTestEngine({ memory: true, logger });
    wrong = await decoy();
    Object.assign(process.env, hostileEnvironment(wrong.url));
  });
  afterAll(async () => {
    for (const k of SDK_ENV_VARS) delete process.env[k];
    Object.assign(process.env, saved);
    await engine?.stop();
    await wrong?.close();
  });

  it('the client talks to the configured server with the configured key, and leaves the environment as it was', async () => {
    const before = { ...process.env };
    const log = jest.spyOn(console, 'log');
    const { client } = await connectConductor(
      {
        serverUrl: engine.url,
        keyId: engine.credentials?.keyId ?? null,
        keySecret: engine.credentials?.keySecret ?? null,
      },
      quietLogger(),
    );
    try {
      const metadata = new MetadataClient(client);
      for (let i = 0; i < 5; i++) await metadata.registerTask({ name: `t${i}`, retryCount: 0 } as never);
      expect(((await metadata.getTask('t4')) as { name: string }).name).toBe('t4');
      // one token for the check before connecting, one for the SDK: a 1 ms refresh interval would be many
      expect(lines.filter((l) => l.url === '/api/token').length).toBe(2);
      expect(wrong.hits).toEqual([]);
      expect(process.env).toEqual(before);
      expect(log).not.toHaveBeenCalled(); // the SDK's console logger (CONDUCTOR_LOG_LEVEL) is not used
    } finally {
      log.mockRestore();
      client.stopBackgroundRefresh?.();
    }
  });

  it('the configuration reads only our variables: a flag or config file URL wins over CONDUCTOR_SERVER_URL', () => {
    const env = { ...process.env, NBCONDUCTOR_ENGINE_DATA: '/nonexistent' };
    const fromFlag = conductorTarget(
      compileConfig({
        env,
        flags: { conductor: { serverUrl: engine.url } },
        flagNames: { 'conductor.serverUrl': '--conductor-url' },
      }),
    );
    expect(fromFlag).toMatchObject({ serverUrl: engine.url, origin: 'flag --conductor-url' });
    const fromEnv = conductorTarget(compileConfig({ env }));
    expect(fromEnv).toMatchObject({
      serverUrl: wrong.url,
      origin: 'environment variable CONDUCTOR_SERVER_URL',
      keyId: 'hostile-key',
      keyOrigin: 'environment variable CONDUCTOR_AUTH_KEY',
    });
  });
});

describe('a Conductor that cannot be used is reported within seconds', () => {
  async function failure(target: ConductorTarget): Promise<{ message: string; ms: number }> {
    const t0 = Date.now();
    try {
      const { client } = await connectConductor(target, quietLogger());
      client.stopBackgroundRefresh?.();
    } catch (err) {
      if (!isNbcError(err, 'E_CONDUCTOR')) throw err;
      return { message: err.message, ms: Date.now() - t0 };
    }
    throw new Error('expected a failure');
  }

  it('names the URL and where it came from when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await failure({ serverUrl: url, keyId: null, keySecret: null, origin: 'flag --conductor-url' });
    expect(r.message).toBe(`cannot reach Conductor at ${url} (from flag --conductor-url): ECONNREFUSED`);
    expect(r.ms).toBeLessThan(5_000);
  });

  it('gives up on a server that accepts connections but never answers after connectTimeoutMs', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const r = await failure({
        serverUrl: url,
        keyId: null,
        keySecret: null,
        origin: 'config file /etc/nbc.yaml',
        connectTimeoutMs: 300,
      });
      expect(r.message).toBe(
        `cannot reach Conductor at ${url} (from config file /etc/nbc.yaml): no answer in time`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('says which key was refused and where it came from, instead of retrying for minutes', async () => {
    const engine = await startTestEngine({ memory: true });
    try {
      const r = await failure({
        serverUrl: engine.url,
        keyId: 'someone-else',
        keySecret: 'nope',
        origin: 'environment variable CONDUCTOR_SERVER_URL',
        keyOrigin: 'environment variable CONDUCTOR_AUTH_KEY',
      });
      expect(r.message).toBe(
        `Conductor at ${engine.url} (from environment variable CONDUCTOR_SERVER_URL) refused the key ` +
          'someone-else (from environment variable CONDUCTOR_AUTH_KEY): HTTP 401',
      );
      expect(r.ms).toBeLessThan(5_000);
    } finally {
      await engine.stop();
    }
  });
});
