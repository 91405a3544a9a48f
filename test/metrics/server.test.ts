/**
 * The metrics listener answers Prometheus and nothing else: GET /metrics in the text format, loopback by
 * default, and refusals for browser pages (Origin), DNS-rebinding Host names, other methods and paths,
 * and scrapes without the token when one is set.
 */
import os from 'node:os';

import { Counter, Registry } from 'prom-client';

import { compileConfig } from '../../src/config';
import { EXIT_BAD_INPUT } from '../../src/errors';
import { startMetrics } from '../../src/metrics';
import { metricsSecurity, startMetricsServer, type MetricsServer } from '../../src/metrics/server';
import type { HttpSecurity } from '../../src/security';
import { runCli } from '../helpers/cli';
import { quietLogger } from '../helpers/logger';
import { parseExposition, request, scrapeUntil, value } from '../helpers/prometheus';

describe('request checks (src/security with the metrics options)', () => {
  const open = metricsSecurity(['worker'], null);
  const withToken = metricsSecurity(['worker'], 's3cret');
  const status = (security: HttpSecurity, headers: Record<string, string>, method = 'GET'): number | null =>
    security.admit({ method, headers }, 'api')?.status ?? null;

  it('allows loopback names, IP literals (scrapers by pod IP) and configured names only', () => {
    for (const host of [
      'localhost:1',
      '127.0.0.1:1',
      '[::1]:1',
      '10.1.2.3:9464',
      '[fd00::1]:9464',
      'Worker:9464',
    ])
      expect({ host, status: status(open, { host }) }).toEqual({ host, status: null });
    for (const host of [
      'evil.example',
      'localhost.evil.example:1',
      'worker.evil.example',
      '10.1.2.3.nip.io',
      'a b',
      'host:port',
      'user@host',
      '[::1',
      '',
    ])
      expect({ host, status: status(open, { host }) }).toEqual({ host, status: 403 });
    expect(status(open, {})).toBe(403);
  });

  it('refuses pages of other origins and cross-site loads', () => {
    const host = '10.1.2.3:9464';
    for (const origin of ['http://evil.example', 'null', 'http://10.1.2.3:9465'])
      expect({ origin, status: status(open, { host, origin }) }).toEqual({ origin, status: 403 });
    expect(status(open, { host, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' })).toBe(403);
  });

  it('checks bearer tokens, never cookies', () => {
    const host = '127.0.0.1:9464';
    expect(status(withToken, { host, authorization: 'Bearer s3cret' })).toBeNull();
    expect(status(withToken, { host, authorization: 'bearer s3cret' })).toBeNull();
    for (const bad of ['', 's3cret', 'Bearer s3cre', 'Bearer s3cret2', 'Basic czNjcmV0'])
      expect({ bad, status: status(withToken, { host, authorization: bad }) }).toEqual({ bad, status: 401 });
    expect(status(withToken, { host })).toBe(401);
    expect(status(withToken, { host, cookie: 'nbc_session=s3cret' })).toBe(401);
    expect(withToken.admit({ headers: { host, cookie: 'x' } }, 'page')?.status).toBe(401);
  });
});

describe('listener', () => {
  let server: MetricsServer;
  let tokenServer: MetricsServer;
  const registry = new Registry();
  new Counter({ name: 'test_things_total', help: 'things', registers: [registry] }).inc(3);

  beforeAll(async () => {
    const base = { host: '127.0.0.1', port: 0, allowedHosts: ['worker'], registry, logger: quietLogger() };
    server = await startMetricsServer({ ...base, token: null });
    tokenServer = await startMetricsServer({ ...base, token: 'scrape-token' });
  });
  afterAll(async () => {
    await server?.stop();
    await tokenServer?.stop();
  });

  it('serves GET /metrics as Prometheus text, with no CORS and no sniffing', async () => {
    const r = await request(server.url);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(value(parseExposition(r.body), 'test_things_total')).toBe(3);
    expect((await request(`${server.url}?name[]=x`)).status).toBe(200);
    const port = new URL(server.url).port;
    for (const host of [`localhost:${port}`, `worker:${port}`, `[::1]:${port}`])
      expect({ host, status: (await request(server.url, { headers: { host } })).status }).toEqual({
        host,
        status: 200,
      });
  });

  it('refuses browser pages, foreign Host names, other methods and paths', async () => {
    const cases: [string, { method?: string; headers?: Record<string, string> }, number, string?][] = [
      [server.url, { headers: { origin: 'http://evil.example' } }, 403],
      [server.url, { headers: { origin: 'null' } }, 403],
      [server.url, { headers: { host: 'evil.example' } }, 403], // DNS rebinding to 127.0.0.1
      [server.url, { headers: { host: 'worker.evil.example:9464' } }, 403],
      [server.url, { method: 'POST' }, 405],
      [server.url, { method: 'PUT' }, 405],
      [server.url, { method: 'DELETE' }, 405],
      [server.url, { method: 'OPTIONS', headers: { origin: 'http://evil.example' } }, 403],
      [server.url.replace('/metrics', '/'), {}, 404],
      [server.url.replace('/metrics', '/api/metadata/workflow'), {}, 404],
    ];
    for (const [url, options, status] of cases) {
      const r = await request(url, options);
      expect({ url, options, status: r.status }).toEqual({ url, options, status });
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
      expect(r.body).not.toContain('test_things_total');
    }
    expect((await request(server.url, { method: 'POST' })).headers.allow).toBe('GET');
  });

  it('requires the bearer token when one is configured', async () => {
    const none = await request(tokenServer.url);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.body).not.toContain('test_things_total');
    expect((await request(tokenServer.url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await request(tokenServer.url, { headers: { authorization: 'Bearer scrape-token' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('test_things_total 3');
  });

  it('binds loopback unless configured otherwise, and is off without a port', async () => {
    const config = compileConfig({ env: {} });
    expect(config.metrics).toEqual({ port: null, host: '127.0.0.1', allowedHosts: [], token: null });
    const metrics = await startMetrics({ ...config.metrics, port: 0 }, quietLogger());
    try {
      expect(new URL(metrics.url).hostname).toBe('127.0.0.1');
      // Node's process metrics come with it
      expect(value(await scrapeUntil(metrics.url, () => true), 'process_start_time_seconds')).toBeGreaterThan(
        0,
      );
    } finally {
      await metrics.stop();
    }
    const fromEnv = compileConfig({
      env: {
        NBCONDUCTOR_METRICS_PORT: '9464',
        NBCONDUCTOR_METRICS_HOST: '0.0.0.0',
        NBCONDUCTOR_METRICS_ALLOWED_HOSTS: 'worker, nbconductor-worker.jobs.svc',
        NBCONDUCTOR_METRICS_TOKEN: 't0ken',
      },
    });
    expect(fromEnv.metrics).toEqual({
      port: 9464,
      host: '0.0.0.0',
      allowedHosts: ['worker', 'nbconductor-worker.jobs.svc'],
      token: 't0ken',
    });
    // the scrape token is nbconductor's own secret: kernels do not see it
    expect(fromEnv.kernelEnv.NBCONDUCTOR_METRICS_TOKEN).toBeUndefined();
    expect(() => compileConfig({ env: { NBCONDUCTOR_METRICS_PORT: '70000' } })).toThrow(/metrics\.port/);
    expect(() => compileConfig({ env: { NBCONDUCTOR_METRICS_ALLOWED_HOSTS: 'a/b' } })).toThrow(
      /allowedHosts/,
    );
  });

  it('rejects a bad --metrics-port with a usage error naming the flag', async () => {
    for (const command of ['worker', 'server', 'up']) {
      const r = await runCli([command, '--metrics-port', 'nine'], { cwd: os.tmpdir() });
      expect({ command, code: r.code }).toEqual({ command, code: EXIT_BAD_INPUT });
      expect(r.stderr).toContain('--metrics-port must be a port number');
    }
  });
});
