/**
 * The protections every nbconductor HTTP server puts in front of its routes (the engine, the metrics
 * listener; the viewer and `nbconductor view` reuse them the same way).
 *
 * Interface:
 *   const security = createHttpSecurity({ auth, allowedHosts, allowedOrigins });
 *     auth: { mode: 'none' } | { mode: 'token', credentials: {keyId, keySecret}, tokenTtlMs?, sessionTtlMs? }
 *       | { mode: 'bearer', token } (a fixed secret in `Authorization: Bearer`, e.g. the metrics listener's)
 *       (the engine's credentials: loadOrCreateCredentials(dataDir) on the server that owns the data
 *       directory, readCredentials(dataDir) on another server of the same installation)
 *     allowedHosts / allowedOrigins: config `security.allowedHosts` / `security.allowedOrigins`, plus the
 *       address the server listens on when it is not a loopback one (`listenAddressNames(host)`); allowIpHosts:
 *       any IP literal Host too (scrapers reaching a pod by its IP).
 *     loginPath: where the server answers its login link (default `/login`; a viewer under a base URL
 *       answers at `<base>login`).
 *     usedLogins: where used login links are remembered (default in memory; the engine's:
 *       usedLoginsInDir(<dataDir>/USED_LOGINS_DIR), so a link works once per data directory).
 *   With auth 'bearer', 'api' and 'page' both take the bearer token (never a cookie).
 *   security.admit(req, access) → Rejection | null, for each request, before reading its body:
 *     always: Host is loopback or allowed (else 403), Origin is ours or allowed (else 403), a body is
 *     application/json (else 415); then by `access`:
 *       'api'  — X-Authorization must carry a valid token (else 401 INVALID_TOKEN / EXPIRED_TOKEN);
 *       'page' — a browser page: the session cookie set by the login link (else 401);
 *       'open' — nothing more (`/health`, `POST /api/token`, the login link itself);
 *       'host' — the Host check alone: public static files a sandboxed document loads (its requests carry
 *                `Origin: null` and no SameSite cookie, so they look like another site's).
 *     With auth 'none' only the first three checks apply.
 *   security.guard(req, res, access) → boolean: admit() for plain node:http servers; on refusal it has
 *     written the JSON answer `{status, error?, message}` and returns false.
 *   security.issueToken(body) → {token} | Rejection: the `POST /api/token` handler (auth 'token' only;
 *     with auth 'none' a server answers 404 there, as Conductor OSS does, and the SDK goes on unauthenticated).
 *   security.redeemLogin(req, query) → the `GET /login?code=…[&next=/page]` answer (sets the cookie);
 *     throws when the link cannot be recorded as used.
 *   security.loginLink(baseUrl, next?) → a one-time login link (null with auth 'none'): print it at start.
 *   sendLoginResponse(res, redeemLogin(…)) → writes that answer on a plain node:http server.
 *   parseJsonBody(text) → parsed value, or a 400 Rejection for malformed or too deeply nested JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { checkBearerToken } from './bearer';
import { checkBrowserSafety, checkHost, type BrowserGuardPolicy } from './browser-guard';
import { createSessionService, localPath, type LoginResponse, type SessionService } from './sessions';
import { createTokenService, type TokenService } from './tokens';
import type { Credentials, Rejection, RequestLike } from './types';
import type { UsedLogins } from './used-logins';

export type { BrowserGuardPolicy } from './browser-guard';
export { isLoopbackHostname, listenAddressNames } from './browser-guard';
export {
  CREDENTIALS_FILE,
  credentialsPath,
  ensurePrivateDir,
  ensurePrivateFile,
  generateCredentials,
  loadOrCreateCredentials,
  readCredentials,
} from './credentials';
export { parseJsonBody, MAX_JSON_DEPTH } from './json-body';
export { LOGIN_PATH, type LoginResponse } from './sessions';
export { USED_LOGINS_DIR, usedLoginsInDir, usedLoginsInMemory, type UsedLogins } from './used-logins';
export type { Credentials, Rejection, RequestLike } from './types';

export type AuthSettings =
  | { readonly mode: 'none' }
  /** A fixed secret in `Authorization: Bearer` for every request but 'open' ones; no cookies, no token endpoint. */
  | { readonly mode: 'bearer'; readonly token: string }
  | {
      readonly mode: 'token';
      readonly credentials: Credentials;
      /** Default 1 hour. */
      readonly tokenTtlMs?: number;
      /** Default 7 days. */
      readonly sessionTtlMs?: number;
    };

export interface HttpSecurityOptions extends BrowserGuardPolicy {
  readonly auth: AuthSettings;
  readonly now?: () => number;
  /** Path of the login link (default LOGIN_PATH). */
  readonly loginPath?: string;
  /** Where used login links are remembered (default: in memory, for this process). */
  readonly usedLogins?: UsedLogins;
}

export type Access = 'api' | 'page' | 'open' | 'host';

export interface HttpSecurity {
  readonly authEnabled: boolean;
  admit(req: RequestLike, access: Access): Rejection | null;
  guard(req: IncomingMessage, res: ServerResponse, access: Access): boolean;
  issueToken(body: unknown): { token: string } | Rejection;
  redeemLogin(req: RequestLike, query: URLSearchParams): LoginResponse | Rejection;
  loginLink(baseUrl: string, next?: string): string | null;
}

export const DEFAULT_TOKEN_TTL_MS = 3600_000;
export const DEFAULT_SESSION_TTL_MS = 7 * 24 * 3600_000;

export function isRejection(v: unknown): v is Rejection {
  return typeof v === 'object' && v !== null && 'status' in v && 'message' in v && !('headers' in v);
}

/** The JSON answer for a refused request (servers with their own error body build it themselves). */
export function writeRejection(res: ServerResponse, r: Rejection): void {
  const body = Buffer.from(JSON.stringify({ status: r.status, error: r.error, message: r.message }));
  res.writeHead(r.status, {
    'content-type': 'application/json',
    'content-length': body.length,
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** The answer to a login link (`redeemLogin`), for servers on plain node:http. */
export function sendLoginResponse(res: ServerResponse, r: LoginResponse | Rejection): void {
  if (isRejection(r)) return writeRejection(res, r);
  const body = Buffer.from(r.text, 'utf8');
  res.writeHead(r.status, {
    ...r.headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

export function createHttpSecurity(o: HttpSecurityOptions): HttpSecurity {
  const now = o.now ?? Date.now;
  const policy: BrowserGuardPolicy = {
    allowedHosts: o.allowedHosts,
    allowedOrigins: o.allowedOrigins,
    allowIpHosts: o.allowIpHosts,
  };
  const auth = o.auth;
  let tokens: TokenService | null = null;
  let sessions: SessionService | null = null;
  if (auth.mode === 'token') {
    const { credentials } = auth;
    tokens = createTokenService({ credentials, ttlMs: auth.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS, now });
    sessions = createSessionService({
      credentials,
      sessionTtlMs: auth.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
      now,
      loginPath: o.loginPath,
      usedLogins: o.usedLogins,
    });
  }

  const security: HttpSecurity = {
    authEnabled: auth.mode === 'token',
    admit(req, access) {
      if (access === 'host') return checkHost(req, policy);
      const refused = checkBrowserSafety(req, policy);
      if (refused) return refused;
      if (access === 'open') return null;
      if (auth.mode === 'bearer') return checkBearerToken(req, auth.token);
      if (access === 'api') return tokens?.check(req) ?? null;
      return sessions?.check(req) ?? null;
    },
    guard(req, res, access) {
      const refused = security.admit(req, access);
      if (!refused) return true;
      req.resume();
      writeRejection(res, refused);
      return false;
    },
    issueToken(body) {
      return tokens ? tokens.issue(body) : { status: 403, message: 'Forbidden: authentication is off' };
    },
    redeemLogin(req, query) {
      if (sessions) return sessions.redeem(req, query);
      const next = localPath(query.get('next'));
      return next
        ? { status: 303, headers: { location: next }, text: '' }
        : { status: 200, headers: {}, text: 'Authentication is off: the pages of this server are open.\n' };
    },
    loginLink(baseUrl, next) {
      return sessions ? sessions.createLoginLink(baseUrl, next) : null;
    },
  };
  return security;
}
