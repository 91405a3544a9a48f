/**
 * The node:http server: the security checks (Host, Origin, JSON bodies, token; src/security) before any
 * route runs, body reading with a size limit, JSON parsing (malformed or too deep → 400), Conductor's error
 * body `{status, message, instance, retryable, validationErrors?}`, text/plain and JSON responses, and an
 * abort signal per request so a long poll stops when the client goes away.
 */
import http from 'node:http';
import os from 'node:os';

import { stringifyJsonExact, type JsonValue } from '../../json';
import type { Logger } from '../../log';
import { parseJsonBody, type HttpSecurity, type Rejection } from '../../security';
import { ApiError, type ValidationError } from '../api-errors';
import type { ApiResponse, Router } from './router';

/** Another request handler served on the engine's port (the viewer's pages), for the paths it claims. */
export interface HttpMount {
  handles(rawUrl: string): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

export interface HttpServerOptions {
  router: Router;
  logger: Logger;
  maxBodyBytes: number;
  security: HttpSecurity;
  /** Checked before the API router: requests it claims are its alone (it guards them itself). */
  mount?: HttpMount;
}

const INSTANCE = os.hostname();

export function errorBody(
  status: number,
  message: string,
  validationErrors?: ValidationError[],
): Record<string, unknown> {
  const body: Record<string, unknown> = { status, message, instance: INSTANCE, retryable: false };
  if (validationErrors && validationErrors.length > 0) body.validationErrors = validationErrors;
  return body;
}

/** A refusal from the security checks, with the code (`INVALID_TOKEN`, …) the SDK reads on a 401. */
export function rejectionBody(r: Rejection): Record<string, unknown> {
  return { ...errorBody(r.status, r.message), ...(r.error ? { error: r.error } : {}) };
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
    });
  });
}

function send(res: http.ServerResponse, r: ApiResponse): void {
  if (res.headersSent || res.destroyed) return;
  const headers = { 'x-content-type-options': 'nosniff', ...r.headers };
  if (r.text !== undefined) {
    const buf = Buffer.from(r.text, 'utf8');
    res.writeHead(r.status, {
      ...headers,
      'content-type': 'text/plain;charset=UTF-8',
      'content-length': buf.length,
    });
    res.end(buf);
  } else if (r.json !== undefined) {
    const buf = Buffer.from(stringifyJsonExact(r.json) ?? 'null', 'utf8');
    res.writeHead(r.status, { ...headers, 'content-type': 'application/json', 'content-length': buf.length });
    res.end(buf);
  } else {
    res.writeHead(r.status, { ...headers, 'content-length': 0 });
    res.end();
  }
}

export function createHttpServer(options: HttpServerOptions): http.Server {
  const { router, logger } = options;
  const server = http.createServer((req, res) => {
    const controller = new AbortController();
    const started = performance.now();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
      if (logger.isLevelEnabled('debug')) {
        const ms = Math.round((performance.now() - started) * 10) / 10;
        logger.debug({ method: req.method, url: req.url, status: res.statusCode, ms }, 'engine: request');
      }
    });
    if (options.mount?.handles(req.url ?? '/')) void options.mount.handle(req, res);
    else void handle(req, res, controller.signal);
  });
  server.keepAliveTimeout = 65_000;

  async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://engine');
    } catch {
      send(res, { status: 400, json: errorBody(400, 'Malformed request URL') });
      return;
    }
    const match = router.match(method, url.pathname);
    // Before anything else, even a 404: refused requests learn nothing about the API.
    const refused = options.security.admit(
      req,
      typeof match === 'object' && match ? (match.options.access ?? 'api') : 'api',
    );
    if (refused) {
      req.resume();
      send(res, { status: refused.status, json: rejectionBody(refused) });
      return;
    }
    if (match === null || match === 'method') {
      req.resume();
      const status = match === null ? 404 : 405;
      const message =
        match === null
          ? `No such resource: ${method} ${url.pathname} does not exist`
          : `Request method '${method}' is not supported`;
      send(res, { status, json: errorBody(status, message) });
      return;
    }
    try {
      let body: JsonValue | undefined;
      const kind = match.options.body ?? 'none';
      if (kind === 'none') req.resume();
      else {
        const text = await readBody(req, options.maxBodyBytes);
        if (kind === 'text') body = text;
        else if (text.trim() === '') body = undefined;
        else {
          const parsed = parseJsonBody(text);
          if (!parsed.ok) {
            send(res, { status: 400, json: rejectionBody(parsed.rejection) });
            return;
          }
          body = parsed.value;
        }
      }
      const result = await match.handler({
        method,
        path: url.pathname,
        params: match.params,
        query: url.searchParams,
        headers: req.headers,
        body,
        signal,
      });
      send(res, result);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        send(res, {
          status: 413,
          json: errorBody(413, `Request body larger than ${options.maxBodyBytes} bytes`),
        });
        return;
      }
      if (err instanceof ApiError) {
        if (err.status >= 500) logger.warn({ err, path: url.pathname }, 'engine: request failed');
        send(res, { status: err.status, json: errorBody(err.status, err.message, err.validationErrors) });
        return;
      }
      logger.error({ err, path: url.pathname, method }, 'engine: unexpected error handling request');
      const msg = err instanceof Error ? err.message : String(err);
      send(res, { status: 500, json: errorBody(500, msg) });
    }
  }
  return server;
}
