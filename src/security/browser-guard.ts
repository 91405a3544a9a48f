/**
 * What keeps web pages out, for every HTTP server nbconductor runs (always on, whatever auth is set to):
 * - Host must be a loopback address, `localhost`, or a configured name: a DNS-rebinding page reaches us
 *   under its own name (`Host: evil.example:8080`), never under one of ours;
 * - a foreign Origin (or a cross-site fetch without one) is refused, and no CORS header is ever sent;
 * - a request body must be `application/json`: the one content type a page cannot send cross-origin
 *   without a preflight (text/plain, form posts and multipart are "simple" requests).
 */
import { BlockList, isIP } from 'node:net';

import type { Rejection, RequestLike } from './types';

export interface BrowserGuardPolicy {
  /** Host names (or addresses) accepted besides loopback ones; compared case-insensitively, port ignored. */
  readonly allowedHosts: readonly string[];
  /** Origins (`scheme://host[:port]`) accepted besides our own, e.g. a UI proxying to the API. */
  readonly allowedOrigins: readonly string[];
  /**
   * Accept any IP literal as Host, for listeners that machines reach by address (Prometheus scraping a
   * pod IP). Safe against DNS rebinding, which needs a name: a browser sends an IP Host only to that IP.
   */
  readonly allowIpHosts?: boolean;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

function header(req: RequestLike, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `host[:port]` as a URL normalises it (lower case, default port dropped), or null when malformed. */
function parseHost(value: string): { host: string; hostname: string } | null {
  try {
    const u = new URL(`http://${value}`);
    if (u.username || u.password || u.pathname !== '/' || u.search || u.hash) return null;
    return { host: u.host, hostname: u.hostname };
  } catch {
    return null;
  }
}

/** True for `localhost` and loopback addresses (127.0.0.0/8, ::1, IPv4-mapped ::ffff:127.x). */
export function isLoopbackHostname(hostname: string): boolean {
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost') return true;
  const family = isIP(bare);
  return family !== 0 && LOOPBACK.check(bare, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Names a server is reached under besides loopback ones: the address it listens on, unless that is a
 * wildcard (then the configured names, `security.allowedHosts`, say which names clients use).
 */
export function listenAddressNames(host: string): string[] {
  return host === '0.0.0.0' || host === '::' || host === '' ? [] : [host];
}

function normaliseName(name: string): string {
  return (parseHost(name)?.hostname ?? name).toLowerCase();
}

export function checkHost(req: RequestLike, policy: BrowserGuardPolicy): Rejection | null {
  const raw = header(req, 'host');
  const parsed = raw === undefined ? null : parseHost(raw);
  if (parsed && isLoopbackHostname(parsed.hostname)) return null;
  if (parsed && policy.allowIpHosts === true && isIP(parsed.hostname.replace(/^\[(.*)\]$/, '$1')) !== 0)
    return null;
  if (parsed && policy.allowedHosts.some((h) => normaliseName(h) === parsed.hostname)) return null;
  return {
    status: 403,
    message:
      raw === undefined
        ? 'Forbidden: the request has no Host header'
        : `Forbidden: Host ${JSON.stringify(raw)} is not a loopback address${policy.allowIpHosts === true ? ', an IP address' : ''} or a configured name ` +
          '(security.allowedHosts); requests under other names are refused (DNS rebinding)',
  };
}

export function checkOrigin(req: RequestLike, policy: BrowserGuardPolicy): Rejection | null {
  const origin = header(req, 'origin');
  if (origin !== undefined) {
    const host = parseHost(header(req, 'host') ?? '')?.host;
    let sameOrigin = false;
    try {
      const u = new URL(origin);
      sameOrigin = (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host;
    } catch {
      // "null" (sandboxed frames, file: pages) and garbage are foreign
    }
    if (sameOrigin || policy.allowedOrigins.includes(origin.replace(/\/$/, ''))) return null;
    return {
      status: 403,
      message: `Forbidden: cross-origin request from ${JSON.stringify(origin)} (no CORS is granted)`,
    };
  }
  // No Origin: browsers omit it on simple GETs (<img>, <script>, no-cors fetch). Fetch metadata still
  // says where the request came from; a top-level navigation (a clicked link) is let through, but not
  // another site framing us (`Sec-Fetch-Dest: iframe`), which is a navigation too.
  const site = header(req, 'sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') {
    const method = (req.method ?? 'GET').toUpperCase();
    const dest = header(req, 'sec-fetch-dest');
    const topLevel =
      header(req, 'sec-fetch-mode') === 'navigate' &&
      (dest === undefined || dest === 'document') &&
      (method === 'GET' || method === 'HEAD');
    if (!topLevel)
      return { status: 403, message: `Forbidden: ${site} request from a web page (no CORS is granted)` };
  }
  return null;
}

function hasBody(req: RequestLike): boolean {
  const length = header(req, 'content-length');
  if (length !== undefined) return Number(length) > 0;
  return header(req, 'transfer-encoding') !== undefined;
}

export function checkContentType(req: RequestLike): Rejection | null {
  if (!hasBody(req)) return null;
  const type = header(req, 'content-type');
  const media = type?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return null;
  // No Content-Type at all is let through only with an X-Authorization header, which no page can add
  // without a CORS preflight (never granted). The SDK needs it: when it repeats a call with a renewed
  // token, it rebuilds the headers and drops the Content-Type.
  if (type === undefined && header(req, 'x-authorization') !== undefined) return null;
  return {
    status: 415,
    message: `Unsupported Media Type: request bodies must be application/json, got ${type === undefined ? 'no Content-Type' : JSON.stringify(type)}`,
  };
}

/** All three checks, in order: Host, then Origin, then the body's content type. */
export function checkBrowserSafety(req: RequestLike, policy: BrowserGuardPolicy): Rejection | null {
  return checkHost(req, policy) ?? checkOrigin(req, policy) ?? checkContentType(req);
}
