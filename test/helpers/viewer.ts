/**
 * The viewer for tests: a standalone viewer server on 127.0.0.1 (port 0) over a root, recording every
 * request it receives (so a test can tell whether a sandboxed page reached the API), plus small builders
 * for notebooks and storage.
 */
import type http from 'node:http';

import { compileConfig, type S3Config } from '../../src/config';
import type { JSONObject } from '../../src/notebook/types';
import { createStorage, type Storage } from '../../src/storage';
import {
  createViewer,
  hostGuard,
  startViewServer,
  type RunsApi,
  type Viewer,
  type ViewerGuard,
} from '../../src/viewer';
import { quietLogger } from './logger';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface TestViewer {
  url: string;
  viewer: Viewer;
  storage: Storage;
  /** Every request the server received, in order. */
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export interface TestViewerOptions {
  root: string;
  s3?: S3Config;
  runs?: RunsApi;
  guard?: ViewerGuard;
  baseUrl?: string;
  cacheBytes?: number;
}

/** Storage for a test (S3 settings from `s3`, or the defaults when the test uses local files only). */
export function testStorage(s3: S3Config = compileConfig({ env: {} }).s3): Storage {
  return createStorage({ cwd: '/', s3, logger: quietLogger() });
}

export async function startTestViewer(o: TestViewerOptions): Promise<TestViewer> {
  const storage = testStorage(o.s3);
  const viewer = await createViewer({
    root: o.root,
    storage,
    guard: o.guard ?? hostGuard(),
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
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      return viewer.handle(req, res);
    },
  };
  const server = await startViewServer({ viewer: recording, host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    viewer,
    storage,
    requests,
    stop: async () => {
      await server.stop();
      await storage.close();
    },
  };
}

type Json = Record<string, unknown>;

/** A notebook (nbformat 4.5) from cells, with papermill metadata when `papermill` is given. */
export function notebookJson(cells: Json[], metadata: Json = {}): JSONObject {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
      ...metadata,
    },
    cells: cells.map((c, i) => ({ id: `c${i}`, metadata: {}, ...c })),
  } as JSONObject;
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
