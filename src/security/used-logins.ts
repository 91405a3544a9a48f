/**
 * Which one-time login links have been used (by the nonce each link carries), until they would have
 * expired anyway. A link is signed with the server's key and checked without any state, so "used" must be
 * remembered as long as that key is: in memory for `nbconductor view` (its key lives as long as the
 * process), in the data directory for the engine (credentials.json outlives a restart, so a link used
 * under `up` must not open a later `server` on the same data directory).
 */
import fs from 'node:fs';
import path from 'node:path';

import { NbcError } from '../errors';
import { ensurePrivateDir } from './credentials';

export interface UsedLogins {
  /**
   * Records the link `nonce` (valid until `exp`, epoch ms) as used: true the first time, false when it had
   * been used already. Forgets links that expired by `now`.
   */
  claim(nonce: string, exp: number, now: number): boolean;
}

/** The directory under the engine's data directory that remembers used login links. */
export const USED_LOGINS_DIR = 'used-login-links';

export function usedLoginsInMemory(): UsedLogins {
  const used = new Map<string, number>();
  return {
    claim(nonce, exp, now) {
      for (const [n, e] of used) if (e <= now) used.delete(n);
      if (used.has(nonce)) return false;
      used.set(nonce, exp);
      return true;
    },
  };
}

/** Nonces we issue are base64url; anything else never becomes a file name. */
const NONCE = /^[A-Za-z0-9_-]{1,64}$/;

function failure(dir: string, err: unknown): NbcError {
  return new NbcError(
    'E_CONFIG',
    `cannot record a used login link in ${dir}: ${(err as Error).message}`,
    { uri: dir },
    { cause: err },
  );
}

/**
 * One empty 0600 file per used link, named `<exp>.<nonce>`, in an owner-only directory. Created with
 * O_EXCL, so of two servers on one data directory redeeming the same link at once, exactly one succeeds.
 * Throws (E_CONFIG) when the directory cannot be written: the link is then refused, never let in twice.
 */
export function usedLoginsInDir(dir: string): UsedLogins {
  const prune = (now: number): void => {
    for (const name of fs.readdirSync(dir)) {
      const exp = Number(name.slice(0, name.indexOf('.')));
      if (Number.isFinite(exp) && exp <= now) fs.rmSync(path.join(dir, name), { force: true });
    }
  };
  return {
    claim(nonce, exp, now) {
      if (!NONCE.test(nonce) || !Number.isFinite(exp)) return false;
      ensurePrivateDir(dir);
      try {
        prune(now);
        fs.writeFileSync(path.join(dir, `${Math.ceil(exp)}.${nonce}`), '', { flag: 'wx', mode: 0o600 });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw failure(dir, err);
      }
    },
  };
}
