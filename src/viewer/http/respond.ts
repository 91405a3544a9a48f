/**
 * Responses with the viewer's security headers. Three kinds of documents, three policies:
 * - the viewer's own pages: same-origin script and style only, never framed by others;
 * - a rendered notebook: `sandbox` (an opaque origin even when opened directly), no script, no requests
 *   except KaTeX's fonts, framed only by the viewer;
 * - raw files: `sandbox` too, so an HTML or SVG file opened from /files/ runs nothing in our origin.
 */
import type http from 'node:http';

import { escapeHtml } from '../render/html';

const COMMON: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; " +
  "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export const FILE_CSP =
  "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

/** A host[:port] safe to put in a policy (anything else gets no font source: fonts then fall back). */
function policyHost(host: string | undefined): string | null {
  return host !== undefined && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? host : null;
}

/** The rendered notebook's policy; fonts may come only from this viewer's KaTeX font folder. */
export function documentCsp(host: string | undefined, fontBase: string): string {
  const h = policyHost(host);
  const fonts = h !== null ? `${h}${fontBase}` : "'none'";
  return (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src data:; " +
    `font-src ${fonts}; frame-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'`
  );
}

export interface SendOptions {
  status?: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  /** HEAD: headers only. */
  head?: boolean;
}

export function send(res: http.ServerResponse, o: SendOptions): void {
  if (res.headersSent || res.destroyed) return;
  const body = typeof o.body === 'string' ? Buffer.from(o.body, 'utf8') : o.body;
  res.writeHead(o.status ?? 200, {
    ...COMMON,
    'content-type': o.contentType,
    'content-length': String(body.length),
    ...o.headers,
  });
  res.end(o.head ? undefined : body);
}

const PAGE_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};
const JSON_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-cache',
};

/** One of the viewer's own pages. */
export function sendPage(res: http.ServerResponse, html: string, status = 200, head = false): void {
  send(res, { status, head, contentType: 'text/html; charset=utf-8', body: html, headers: PAGE_HEADERS });
}

export function sendJson(
  res: http.ServerResponse,
  value: unknown,
  status = 200,
  head = false,
  extra: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  send(res, { status, head, contentType: 'application/json', body, headers: { ...JSON_HEADERS, ...extra } });
}

export function sendText(
  res: http.ServerResponse,
  status: number,
  message: string,
  extra: Record<string, string> = {},
): void {
  send(res, {
    status,
    contentType: 'text/plain; charset=utf-8',
    body: `${message}\n`,
    headers: { 'content-security-policy': "default-src 'none'", ...extra },
  });
}

export function redirect(res: http.ServerResponse, location: string): void {
  send(res, {
    status: 302,
    contentType: 'text/html; charset=utf-8',
    body: `<a href="${escapeHtml(location)}">${escapeHtml(location)}</a>`,
    headers: { location, 'content-security-policy': "default-src 'none'" },
  });
}

/** True when the request's If-None-Match names `etag` (the client's copy is current). */
export function notModified(req: http.IncomingMessage, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (inm === undefined) return false;
  return inm.split(',').some((t) => t.trim() === etag || t.trim() === '*');
}

/** A Content-Disposition value for a file name (ASCII fallback plus RFC 5987 UTF-8). */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
