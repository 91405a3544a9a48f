/**
 * Browser pages' way in, as Jupyter does it: a login link (`/login?code=…`, printed by `up`/`server`, or
 * made by anyone holding the credentials) is good once (for as long as `usedLogins` remembers: the
 * engine's data directory, or `view`'s process); opening it sets an HttpOnly, SameSite=Strict
 * session cookie. The cookie opens browser pages only: API calls keep requiring the token, so a page
 * that tricks the browser into a request can never ride on the cookie to the API.
 */
import { openValue, purposeKey, signValue } from './signed';
import type { Credentials, Rejection, RequestLike } from './types';
import { usedLoginsInMemory, type UsedLogins } from './used-logins';

export const LOGIN_PATH = '/login';
/** How long a printed login link stays usable (it is also good only once). */
export const LOGIN_LINK_TTL_MS = 24 * 3600_000;

export interface LoginResponse {
  readonly status: 200 | 303;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

export interface SessionService {
  /** A one-time link to `LOGIN_PATH` on `baseUrl`; `next` is the local page to land on. */
  createLoginLink(baseUrl: string, next?: string): string;
  /**
   * Handles `GET LOGIN_PATH?code=…[&next=/page]`: sets the session cookie, or refuses. Throws when the
   * link cannot be recorded as used (it is then not accepted).
   */
  redeem(req: RequestLike, query: URLSearchParams): LoginResponse | Rejection;
  /** Checks the session cookie of a browser-page request; null when it is valid. */
  check(req: RequestLike): Rejection | null;
}

export interface SessionServiceOptions {
  credentials: Credentials;
  sessionTtlMs: number;
  now: () => number;
  /** Where the server answers the login link (default LOGIN_PATH; a viewer under a base URL: its own). */
  loginPath?: string;
  /** Where used links are remembered (default: in memory, for this process). */
  usedLogins?: UsedLogins;
}

/** Cookies are shared by every port of a host: one name per port keeps two servers apart. */
function cookieName(req: RequestLike): string {
  let port = '80';
  try {
    port = new URL(`http://${String(req.headers.host ?? '')}`).port || '80';
  } catch {
    // the Host check has refused such requests already
  }
  return `nbconductor-session-${port}`;
}

function readCookie(req: RequestLike, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Only a path on this server (not `//host`, not a URL): the link must not redirect elsewhere. */
export function localPath(next: string | null): string | null {
  return next !== null && /^\/(?![/\\])[^\s]*$/.test(next) ? next : null;
}

export function createSessionService(o: SessionServiceOptions): SessionService {
  const loginKey = purposeKey(o.credentials.keySecret, 'login');
  const sessionKey = purposeKey(o.credentials.keySecret, 'session');
  const kid = o.credentials.keyId;
  const used = o.usedLogins ?? usedLoginsInMemory();

  return {
    createLoginLink(baseUrl, next) {
      const code = signValue(loginKey, { kid, exp: o.now() + LOGIN_LINK_TTL_MS });
      const url = new URL(o.loginPath ?? LOGIN_PATH, baseUrl);
      url.searchParams.set('code', code);
      const target = localPath(next ?? null);
      if (target) url.searchParams.set('next', target);
      return url.toString();
    },
    redeem(req, query) {
      const now = o.now();
      const payload = openValue(loginKey, query.get('code') ?? '');
      // Claimed last: only a valid link is recorded.
      if (
        !payload ||
        payload.kid !== kid ||
        payload.exp <= now ||
        !used.claim(payload.nonce, payload.exp, now)
      )
        return {
          status: 403,
          message: 'Forbidden: this login link is invalid, expired or already used; ask for a new one',
        };
      const session = signValue(sessionKey, { kid, exp: now + o.sessionTtlMs });
      const cookie = `${cookieName(req)}=${session}; Path=/; HttpOnly; SameSite=Strict`;
      const next = localPath(query.get('next'));
      const signedIn: LoginResponse = next
        ? { status: 303, headers: { location: next, 'set-cookie': cookie }, text: '' }
        : {
            status: 200,
            headers: { 'set-cookie': cookie },
            text: 'Signed in: this browser may open the pages of this server.\n',
          };
      return signedIn;
    },
    check(req) {
      const value = readCookie(req, cookieName(req));
      const payload = value === undefined ? null : openValue(sessionKey, value);
      if (payload && payload.kid === kid && payload.exp > o.now()) return null;
      return {
        status: 401,
        message:
          'Unauthorized: open the one-time login link this server printed when it started ' +
          '(`nbconductor up`, `server` or `view`)',
      };
    },
  };
}
