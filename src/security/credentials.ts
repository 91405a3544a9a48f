/**
 * The engine's application key, kept as `credentials.json` ({keyId, keySecret}) in its data directory:
 * created on first start, readable by its owner only (file 0600, directory 0700). Clients on the same
 * machine find it through the same configuration (the data directory), like a real Conductor's keys.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { NbcError } from '../errors';
import type { Credentials } from './types';

export const CREDENTIALS_FILE = 'credentials.json';

export function credentialsPath(dataDir: string): string {
  return path.join(dataDir, CREDENTIALS_FILE);
}

/** Creates `dir` (and parents) if needed and makes it owner-only (0700). */
export function ensurePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if ((fs.statSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  } catch (err) {
    throw new NbcError('E_CONFIG', `cannot create the private directory ${dir}: ${(err as Error).message}`, {
      uri: dir,
    });
  }
}

/** Makes an existing file owner-only (0600), or creates it empty so; for files other code opens. */
export function ensurePrivateFile(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  } catch (err) {
    throw new NbcError('E_CONFIG', `cannot make ${file} private: ${(err as Error).message}`, { uri: file });
  }
}

function parse(file: string, text: string): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new NbcError('E_CONFIG', `${file} is not valid JSON: ${(err as Error).message}`, { uri: file });
  }
  const v = (value ?? {}) as Partial<Record<keyof Credentials, unknown>>;
  if (typeof v.keyId !== 'string' || v.keyId === '' || typeof v.keySecret !== 'string' || v.keySecret === '')
    throw new NbcError('E_CONFIG', `${file} must hold {"keyId": "...", "keySecret": "..."}`, { uri: file });
  return { keyId: v.keyId, keySecret: v.keySecret };
}

/** The credentials in `dataDir`, or null when there are none (the engine has not started there yet). */
export function readCredentials(dataDir: string): Credentials | null {
  const file = credentialsPath(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new NbcError('E_CONFIG', `cannot read ${file}: ${(err as Error).message}`, { uri: file });
  }
  return parse(file, text);
}

export function generateCredentials(): Credentials {
  return {
    keyId: `nbc-${randomBytes(8).toString('hex')}`,
    keySecret: randomBytes(32).toString('base64url'),
  };
}

/** The engine's credentials: read from `dataDir`, or created there (0600) on first start. */
export function loadOrCreateCredentials(dataDir: string): { credentials: Credentials; created: boolean } {
  ensurePrivateDir(dataDir);
  const file = credentialsPath(dataDir);
  const existing = readCredentials(dataDir);
  if (existing) {
    ensurePrivateFile(file);
    return { credentials: existing, created: false };
  }
  const credentials = generateCredentials();
  try {
    // 'wx': of two engines starting at once on one data dir, one creates and the other reads.
    fs.writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateCredentials(dataDir);
    throw new NbcError('E_CONFIG', `cannot write ${file}: ${(err as Error).message}`, { uri: file });
  }
  return { credentials, created: true };
}
