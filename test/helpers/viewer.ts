/**
 * The viewer for tests: a standalone viewer server on 127.0.0.1 (port 0) over a root, recording every
 * request it receives and its answer's status (so a test can tell whether a sandboxed page reached the
 * API), with the standalone viewer's security (auth off unless the test asks for token auth and signs in
 * through the login link, as a person does), plus small builders for notebooks and storage.
 */
import type http from 'node:http';

import { compileConfig, type S3Config } from '../../src/config';
import { createStorage, type Storage } from '../../src/storage';
import {
  createViewer,
  createViewerSecurity,
  securityGuard,
  startViewServer,
  type RunsApi,
  type Viewer,
  type ViewerGuard,
} from '../../src/viewer';
import { quietLogger } from './logger';
import type { JsonObject } from '../../src/json';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The answer's status, once sent (0 before). */
  status: number;
}

export interface TestViewer {
  url: string;
  viewer: Viewer;
  storage: Storage;
  /** Every request the viewer received, in order (the login link is the server's, not recorded). */
  requests: RecordedRequest[];
  /** A one-time login link (null with auth 'none'). */
  loginLink(next?: string): string | null;
  stop(): Promise<void>;
}

export interface TestViewerOptions {
  root: string;
  s3?: S3Config;
  runs?: RunsApi;
  guard?: ViewerGuard;
  /** Default 'none': most tests are about something else than signing in. */
  auth?: 'token' | 'none';
  baseUrl?: string;
  cacheBytes?: number;
}

/** Storage for a test (S3 settings from `s3`, or the defaults when the test uses local files only). */
export function testStorage(s3: S3Config = compileConfig({ env: {} }).s3): Storage {
  return createStorage({ cwd: '/', s3, logger: quietLogger() });
}

export async function startTestViewer(o: TestViewerOptions): Promise<TestViewer> {
  const storage = testStorage(o.s3);
  const security = createViewerSecurity({
    auth: o.auth ?? 'none',
    host: '127.0.0.1',
    allowedHosts: [],
    allowedOrigins: [],
    baseUrl: o.baseUrl,
  });
  const viewer = await createViewer({
    root: o.root,
    storage,
    guard: o.guard ?? securityGuard(security),
    logger: quietLogger(),
    runs: o.runs,
    baseUrl: o.baseUrl,
    cacheBytes: o.cacheBytes,
  });
  const requests: RecordedRequest[] = [];
  const recording: Viewer = {
    base: viewer.base,
    handles: (u) => viewer.handles(u),
    runPath: (id) => viewer.runPath(id),
    handle: (req, res) => {
      const seen: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        status: 0,
      };
      requests.push(seen);
      res.on('finish', () => (seen.status = res.statusCode));
      return viewer.handle(req, res);
    },
  };
  const server = await startViewServer({ viewer: recording, security, host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    viewer,
    storage,
    requests,
    loginLink: (next) => server.loginLink(next),
    stop: async () => {
      await server.stop();
      await storage.close();
    },
  };
}

type Json = Record<string, unknown>;

/** A notebook (nbformat 4.5) from cells, with papermill metadata when `papermill` is given. */
export function notebookJson(cells: Json[], metadata: Json = {}): JsonObject {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
      ...metadata,
    },
    cells: cells.map((c, i) => ({ id: `c${i}`, metadata: {}, ...c })),
  } as JsonObject;
}

export function codeCell(source: string, outputs: Json[] = [], extra: Json = {}): Json {
  return { cell_type: 'code', source, outputs, execution_count: 1, ...extra };
}

export function markdownCell(source: string, extra: Json = {}): Json {
  return { cell_type: 'markdown', source, ...extra };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** An HTTP request sent exactly as given (fetch would normalize `..` and encodings away). */
export function rawRequest(
  baseUrl: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const httpModule = require('node:http') as typeof http;
  return new Promise((resolve, reject) => {
    const req = httpModule.request(
      {
        host: hostname,
        port: Number(port),
        method,
        path: rawPath,
        headers: {
          connection: 'close',
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Opens a login link as a browser would (without following the redirect) and gives the session cookie
 * it set, as a `Cookie` header value.
 */
export async function signIn(link: string): Promise<string> {
  const res = await fetch(link, { redirect: 'manual' });
  const cookie = res.headers.get('set-cookie');
  if (res.status !== 303 || !cookie)
    throw new Error(`the login link answered ${res.status} without a cookie`);
  return cookie.split(';')[0] as string;
}
