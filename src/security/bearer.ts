/**
 * A fixed shared secret in `Authorization: Bearer <token>`, for listeners that machines reach with a
 * configured credential (Prometheus' `authorization` / `bearer_token`), not with the engine's tokens.
 */
import { secretsEqual } from './signed';
import type { Rejection, RequestLike } from './types';

/** Null when the request carries the token (compared in constant time), else a 401. */
export function checkBearerToken(req: RequestLike, token: string): Rejection | null {
  const raw = req.headers.authorization;
  const m = /^Bearer\s+(\S+)\s*$/i.exec((Array.isArray(raw) ? raw[0] : raw) ?? '');
  if (m && secretsEqual(m[1] as string, token)) return null;
  return { status: 401, message: 'Unauthorized: send Authorization: Bearer <token>' };
}
