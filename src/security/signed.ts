/**
 * Stateless signed values (API tokens, session cookies): `nbc.<payload>.<hmac>`, base64url, HMAC-SHA256
 * under a key derived from the key secret and the value's purpose. Nothing is stored, so tokens survive
 * an engine restart, and replacing the credentials revokes every token and session at once. A value
 * signed for one purpose never verifies for another (a session cookie is not an API token).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type Purpose = 'api-token' | 'session' | 'login';

export interface SignedPayload {
  /** The key id the value was issued under. */
  readonly kid: string;
  /** Expiry, epoch ms. */
  readonly exp: number;
}

const PREFIX = 'nbc.';

export function purposeKey(secret: string, purpose: Purpose): Buffer {
  return createHmac('sha256', secret).update(`nbconductor ${purpose} v1`).digest();
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

export function signValue(key: Buffer, payload: SignedPayload): string {
  // The nonce makes every value distinct, even two issued in the same millisecond.
  const body = Buffer.from(
    JSON.stringify({ ...payload, n: randomBytes(9).toString('base64url') }),
    'utf8',
  ).toString('base64url');
  return `${PREFIX}${body}.${mac(key, body).toString('base64url')}`;
}

/** The payload and its nonce when the signature holds (expiry not checked here), else null. */
export function openValue(key: Buffer, value: string): (SignedPayload & { nonce: string }) | null {
  if (!value.startsWith(PREFIX)) return null;
  const [body, sig, extra] = value.slice(PREFIX.length).split('.');
  if (!body || !sig || extra !== undefined) return null;
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<
      SignedPayload & { n: string }
    >;
    if (typeof parsed.kid !== 'string' || typeof parsed.exp !== 'number' || typeof parsed.n !== 'string')
      return null;
    return { kid: parsed.kid, exp: parsed.exp, nonce: parsed.n };
  } catch {
    return null;
  }
}

/** Compares two secrets in constant time (lengths may differ). */
export function secretsEqual(a: string, b: string): boolean {
  const key = randomBytes(32);
  return timingSafeEqual(mac(key, a), mac(key, b));
}
