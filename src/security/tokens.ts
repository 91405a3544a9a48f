/**
 * API tokens the way Orkes Conductor issues them, so the official SDK authenticates unchanged:
 * `POST /api/token {keyId, keySecret}` → `{token}`; every call carries `X-Authorization: <token>`; a
 * missing, wrong or expired token gets 401 with `error: INVALID_TOKEN | EXPIRED_TOKEN`, on which the SDK
 * fetches a new token and repeats the call once.
 */
import { openValue, purposeKey, secretsEqual, signValue } from './signed';
import type { Credentials, Rejection, RequestLike } from './types';

export interface TokenService {
  /** The answer to `POST /api/token`: `{token}` for the right key, else a 400/401 rejection. */
  issue(body: unknown): { token: string } | Rejection;
  /** Checks the request's `X-Authorization` header; null when it carries a valid token. */
  check(req: RequestLike): Rejection | null;
}

export interface TokenServiceOptions {
  credentials: Credentials;
  /** Token lifetime. The SDK renews proactively after 45 minutes and on any 401, so keep it longer. */
  ttlMs: number;
  now: () => number;
}

export function createTokenService(o: TokenServiceOptions): TokenService {
  const key = purposeKey(o.credentials.keySecret, 'api-token');
  return {
    issue(body) {
      const b = (body ?? {}) as { keyId?: unknown; keySecret?: unknown };
      if (typeof b.keyId !== 'string' || typeof b.keySecret !== 'string')
        return { status: 400, message: 'POST /api/token expects {"keyId": "...", "keySecret": "..."}' };
      if (!secretsEqual(b.keyId, o.credentials.keyId) || !secretsEqual(b.keySecret, o.credentials.keySecret))
        return {
          status: 401,
          error: 'INVALID_TOKEN',
          message: 'Unauthorized: unknown keyId or wrong keySecret',
        };
      return { token: signValue(key, { kid: o.credentials.keyId, exp: o.now() + o.ttlMs }) };
    },
    check(req) {
      const raw = req.headers['x-authorization'];
      const token = (Array.isArray(raw) ? raw[0] : raw)?.trim();
      if (!token)
        return {
          status: 401,
          error: 'INVALID_TOKEN',
          message:
            'Unauthorized: send X-Authorization: <token> (POST /api/token with the keyId and keySecret ' +
            "from the engine's credentials.json gives one)",
        };
      const payload = openValue(key, token);
      if (!payload || payload.kid !== o.credentials.keyId)
        return { status: 401, error: 'INVALID_TOKEN', message: 'Unauthorized: invalid token' };
      if (payload.exp <= o.now())
        return { status: 401, error: 'EXPIRED_TOKEN', message: 'Unauthorized: token expired' };
      return null;
    },
  };
}
