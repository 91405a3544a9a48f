/**
 * http(s):// — read only, with Node's global fetch. As papermill does, we ask for JSON; user info in the
 * URL becomes a Basic Authorization header (fetch refuses URLs with credentials) and never appears in
 * messages. Redirects are followed here, hop by hop, as fetch would (at most 20; credentials never go to
 * another origin), so that the caller can check every target (`ReadOptions.checkRedirect`): a source
 * allowed by the worker's allow-list must not lead anywhere else.
 */
import { NbcError } from '../errors';
import { abortedError, isAbortError } from './common';
import type { ListOptions, ObjectStat, ReadOptions, StorageBackend, WriteResult } from './types';
import { parseUri, redactUri } from './uri';

export interface HttpBackendOptions {
  /** Extra request headers (e.g. an Authorization header from configuration). */
  headers?: Readonly<Record<string, string>>;
}

const ACCEPT = 'application/json, */*;q=0.1';

interface Prepared {
  url: string;
  shown: string;
  headers: Record<string, string>;
}

function prepare(uri: string, extra: Readonly<Record<string, string>>): Prepared {
  const parsed = parseUri(uri);
  if (parsed.scheme !== 'http' && parsed.scheme !== 'https') {
    throw new NbcError('E_INTERNAL', `http storage got a ${parsed.scheme} URI`, { uri: redactUri(uri) });
  }
  const url = new URL(parsed.url.href);
  const headers: Record<string, string> = { accept: ACCEPT, ...extra };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url: url.href, shown: redactUri(uri), headers };
}

function networkError(err: unknown, op: string, shown: string): NbcError {
  if (isAbortError(err)) return abortedError(op, shown, err);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const why = code ?? (typeof cause?.message === 'string' ? cause.message : (err as Error).message);
  return new NbcError(
    'E_STORAGE',
    `cannot ${op} ${shown}: network error (${why})`,
    { uri: shown, retryable: true },
    { cause: err },
  );
}

function statusError(status: number, statusText: string, op: string, shown: string): NbcError {
  const details = { uri: shown, status };
  const what = `${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 404 || status === 410) {
    return new NbcError('E_STORAGE_NOT_FOUND', `cannot ${op} ${shown}: the server answered ${what}`, details);
  }
  if (status === 401 || status === 403) {
    return new NbcError(
      'E_STORAGE_AUTH',
      `cannot ${op} ${shown}: the server answered ${what}; the URL needs credentials or a valid token`,
      details,
    );
  }
  return new NbcError('E_STORAGE', `cannot ${op} ${shown}: the server answered ${what}`, {
    ...details,
    retryable: status >= 500 || status === 429,
  });
}

function readOnly(op: string, uri: string): NbcError {
  return new NbcError('E_STORAGE_UNSUPPORTED', `http(s) URIs are read-only: cannot ${op} ${redactUri(uri)}`, {
    uri: redactUri(uri),
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** fetch's own limit. */
const MAX_REDIRECTS = 20;
/** What fetch removes from a request redirected to another origin. */
const ORIGIN_BOUND = ['authorization', 'cookie', 'proxy-authorization'];

function redirectError(op: string, shown: string, why: string): NbcError {
  return new NbcError('E_STORAGE', `cannot ${op} ${shown}: ${why}`, { uri: shown });
}

/** Where a redirect answer points (absolute), or null when it is not one to follow. */
function redirectTarget(res: Response, current: string, op: string, shown: string): URL | null {
  const location = res.headers.get('location');
  if (!REDIRECTS.has(res.status) || location === null) return null;
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    throw redirectError(op, shown, `the server redirected to an invalid URL (${res.status})`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:')
    throw redirectError(op, shown, `the server redirected to a ${next.protocol} URL, not http(s)`);
  return next;
}

export function createHttpBackend(options: HttpBackendOptions = {}): StorageBackend {
  const extra = options.headers ?? {};

  async function request(
    uri: string,
    method: 'GET' | 'HEAD',
    op: string,
    opts: ReadOptions,
  ): Promise<Response> {
    const { url, shown, headers } = prepare(uri, extra);
    let current = url;
    let from = uri;
    for (let hops = 0; ; hops++) {
      let res: Response;
      try {
        res = await fetch(current, { method, headers, redirect: 'manual', signal: opts.signal });
      } catch (err) {
        throw networkError(err, op, shown);
      }
      const next = redirectTarget(res, current, op, shown);
      if (next === null) return res;
      await res.body?.cancel().catch(() => undefined);
      if (hops >= MAX_REDIRECTS) throw redirectError(op, shown, `more than ${MAX_REDIRECTS} redirects`);
      opts.checkRedirect?.(from, next.href);
      if (next.origin !== new URL(current).origin) {
        for (const name of Object.keys(headers))
          if (ORIGIN_BOUND.includes(name.toLowerCase())) delete headers[name];
      }
      current = next.href;
      from = next.href;
    }
  }

  async function read(uri: string, opts: ReadOptions = {}): Promise<Buffer> {
    const res = await request(uri, 'GET', 'read', opts);
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw statusError(res.status, res.statusText, 'read', redactUri(uri));
    }
    try {
      return Buffer.from(await res.arrayBuffer());
    } catch (err) {
      throw networkError(err, 'read', redactUri(uri));
    }
  }

  return {
    schemes: ['http', 'https'],
    read,

    async write(uri: string): Promise<WriteResult> {
      throw readOnly('write', uri);
    },

    async stat(uri: string, opts: ReadOptions = {}): Promise<ObjectStat | null> {
      const res = await request(uri, 'HEAD', 'stat', opts);
      if (res.status === 404 || res.status === 410) return null;
      // Servers without HEAD support, or without a length: measure with a GET.
      const length = res.headers.get('content-length');
      if (res.status === 405 || res.status === 501 || (res.ok && length === null)) {
        try {
          const body = await read(uri, opts);
          return { uri, size: body.length };
        } catch (err) {
          if (err instanceof NbcError && err.code === 'E_STORAGE_NOT_FOUND') return null;
          throw err;
        }
      }
      if (!res.ok) throw statusError(res.status, res.statusText, 'stat', redactUri(uri));
      const stat: ObjectStat = { uri, size: Number(length) };
      const modified = res.headers.get('last-modified');
      if (modified !== null && !Number.isNaN(Date.parse(modified))) stat.mtimeMs = Date.parse(modified);
      const etag = res.headers.get('etag');
      if (etag !== null) stat.etag = etag;
      return stat;
    },

    async list(prefixUri: string, _opts?: ListOptions): Promise<ObjectStat[]> {
      throw readOnly('list', prefixUri);
    },
  };
}
