/**
 * The Prometheus listener: `GET /metrics` in the text exposition format, nothing else. Bound to loopback
 * by default; the request checks are src/security's (Host, Origin, JSON-only bodies; the optional token
 * as `Authorization: Bearer`, never a cookie), with IP-literal Hosts accepted since scrapers reach pods
 * by IP. Then only GET /metrics is served. No CORS headers, no request bodies read.
 */
import http from 'node:http';

import type { Registry } from 'prom-client';

import { errorMessage } from '../errors';
import { listenOn } from '../listen';
import type { Logger } from '../log';
import { createHttpSecurity, type HttpSecurity } from '../security';

export interface MetricsServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  allowedHosts: readonly string[];
  token: string | null;
  registry: Registry;
  logger: Logger;
}

export interface MetricsServer {
  /** e.g. `http://127.0.0.1:9464/metrics` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function reply(
  res: http.ServerResponse,
  status: number,
  text: string,
  extra: http.OutgoingHttpHeaders = {},
): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    ...extra,
  });
  res.end(body);
}

/** src/security's checks as the metrics listener applies them (access 'api'). */
export function metricsSecurity(allowedHosts: readonly string[], token: string | null): HttpSecurity {
  return createHttpSecurity({
    auth: token === null ? { mode: 'none' } : { mode: 'bearer', token },
    allowedHosts,
    allowedOrigins: [],
    allowIpHosts: true,
  });
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const log = o.logger.child({ component: 'metrics' });

  const security = metricsSecurity(o.allowedHosts, o.token);

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.resume(); // a body is never read
    const refused = security.admit(req, 'api');
    if (refused)
      return reply(
        res,
        refused.status,
        refused.message,
        refused.status === 401 ? { 'www-authenticate': 'Bearer' } : {},
      );
    if (req.method !== 'GET') return reply(res, 405, 'only GET is served', { allow: 'GET' });
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return reply(res, 404, 'not found: the metrics are at /metrics');
    const text = await o.registry.metrics();
    const body = Buffer.from(text, 'utf8');
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'content-type': o.registry.contentType,
      'content-length': body.length,
    });
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err: errorMessage(err) }, 'metrics: collecting failed');
      if (!res.headersSent) reply(res, 500, 'collecting metrics failed');
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  const bound = await listenOn(server, o.port, o.host);
  const { port } = bound;
  const url = `${bound.url}/metrics`;
  log.info({ url }, 'serving Prometheus metrics');
  return {
    url,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
