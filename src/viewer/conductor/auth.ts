/**
 * Credentials for Conductor's API when it wants them: an Orkes-style key id and secret are exchanged for
 * a token (`POST /api/token`), sent as `X-Authorization`, renewed before it expires and whenever the
 * server refuses it (401: expired early, or the server's key was replaced).
 */
import { NbcError } from '../../errors';

export interface ConductorCredentials {
  /** The server (without /api); a function when it is known only once a server listens. */
  serverUrl: string | (() => string);
  keyId: string | null;
  keySecret: string | null;
}

export interface ConductorAuth {
  /** Headers for the next request (fetching a token first when there is none). */
  headers(): Promise<Record<string, string>>;
  /** The server answered 401: forget the token, so the next `headers()` fetches a new one. */
  refused(): void;
}

/** Renewed well before the engine's shortest token life (security.tokenTtlSeconds ≥ 60). */
const TOKEN_TTL_MS = 30 * 60 * 1000;

export const NO_AUTH: ConductorAuth = { headers: async () => ({}), refused: () => undefined };

export function conductorAuth(c: ConductorCredentials): ConductorAuth {
  const { keyId, keySecret } = c;
  if (!keyId || !keySecret) return NO_AUTH;
  const server = (): string =>
    (typeof c.serverUrl === 'string' ? c.serverUrl : c.serverUrl()).replace(/\/+$/, '');
  let token: { value: string; at: number } | undefined;
  let pending: Promise<string> | undefined;

  async function fetchToken(): Promise<string> {
    const res = await fetch(`${server()}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ keyId, keySecret }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json().catch(() => null)) as { token?: unknown } | null;
    if (!res.ok || typeof body?.token !== 'string')
      throw new NbcError('E_CONDUCTOR', `Conductor at ${server()} refused the key ${keyId} (${res.status})`, {
        uri: server(),
      });
    token = { value: body.token, at: Date.now() };
    return body.token;
  }

  return {
    async headers() {
      if (token && Date.now() - token.at <= TOKEN_TTL_MS) return { 'X-Authorization': token.value };
      // Pages asked for at once share one exchange (so it is bound to no one request's signal).
      pending ??= fetchToken().finally(() => (pending = undefined));
      return { 'X-Authorization': await pending };
    },
    refused() {
      token = undefined;
    },
  };
}
