/**
 * Request checks for the metrics listener. It answers scrapers, never web pages: a request with an
 * `Origin` header comes from a browser page and is refused, and the `Host` header must be a loopback
 * name, an IP literal or a configured name, so a DNS-rebinding page (whose Host is its own domain) gets
 * nothing even when the listener is on 127.0.0.1.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';

/** The host name of a `Host` header (`name`, `name:port`, `[v6]:port`), lower-cased; null if malformed. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::\d{1,5})?$/.exec(header.trim());
  if (!m) return null;
  return (m[1] ?? m[2] ?? '').toLowerCase();
}

/**
 * Loopback names and IP literals are always fine (a page cannot make a browser send its own origin's
 * requests with an IP Host it does not own); other names only when configured (e.g. a compose service
 * or Kubernetes Service name).
 */
export function isAllowedHost(header: string | undefined, allowedNames: readonly string[]): boolean {
  const name = hostName(header);
  if (name === null || name === '') return false;
  if (name === 'localhost' || net.isIP(name) !== 0) return true;
  return allowedNames.some((n) => n.toLowerCase() === name);
}

/** `Authorization: Bearer <token>` with the expected token (compared in constant time). */
export function hasBearerToken(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1] as string), digest(token));
}
