/**
 * Headers for Conductor's API when it wants credentials: an Orkes-style key id and secret are exchanged
 * for a token (`POST /api/token`), sent as `X-Authorization` and renewed before it expires.
 */
import { NbcError } from '../../errors';

export interface ConductorCredentials {
  serverUrl: string;
  keyId: string | null;
  keySecret: string | null;
}

const TOKEN_TTL_MS = 30 * 60 * 1000;

export function conductorHeaders(c: ConductorCredentials): () => Promise<Record<string, string>> {
  if (!c.keyId || !c.keySecret) return async () => ({});
  let token: { value: string; at: number } | undefined;
  return async () => {
    if (!token || Date.now() - token.at > TOKEN_TTL_MS) {
      const res = await fetch(`${c.serverUrl.replace(/\/+$/, '')}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ keyId: c.keyId, keySecret: c.keySecret }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await res.json().catch(() => null)) as { token?: unknown } | null;
      if (!res.ok || typeof body?.token !== 'string') {
        throw new NbcError(
          'E_CONDUCTOR',
          `Conductor at ${c.serverUrl} refused the key id and secret (${res.status})`,
          {
            uri: c.serverUrl,
          },
        );
      }
      token = { value: body.token, at: Date.now() };
    }
    return { 'X-Authorization': token.value };
  };
}
