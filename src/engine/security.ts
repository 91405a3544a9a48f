/**
 * The engine's HTTP security: its key (given, or the data directory's credentials.json, created on first
 * start) and the checks built on it (src/security). Built once per engine; pages mounted on the engine's
 * port (the viewer) take the same object, so they admit exactly whom the engine admits and honour the
 * login links it prints.
 */
import path from 'node:path';

import type { Logger } from '../log';
import { NbcError } from '../errors';
import {
  createHttpSecurity,
  listenAddressNames,
  loadOrCreateCredentials,
  USED_LOGINS_DIR,
  usedLoginsInDir,
  type Credentials,
  type HttpSecurity,
} from '../security';

export type EngineAuth =
  { mode: 'none' } | { mode: 'token'; credentials?: Credentials; tokenTtlMs?: number; sessionTtlMs?: number };

export interface EngineSecuritySettings {
  /**
   * 'token': every API call needs a token from `POST /api/token` with these credentials (default: the
   * data directory's credentials.json, created on first start). 'none': no authentication (a warning
   * is logged). The Host/Origin/JSON checks apply either way.
   */
  auth: EngineAuth;
  /** The listen address (accepted as a Host name unless it is a wildcard); default 127.0.0.1. */
  host?: string;
  /** Where credentials.json is kept (needed for token auth without given credentials). */
  dataDir?: string;
  /** Host names accepted besides loopback ones and the listen address (config security.allowedHosts). */
  allowedHosts?: readonly string[];
  /** Origins accepted besides the engine's own (config security.allowedOrigins). */
  allowedOrigins?: readonly string[];
  logger: Logger;
  clock?: () => number;
}

export interface EngineSecurity {
  readonly http: HttpSecurity;
  /** The key clients exchange for a token (null with auth 'none'). */
  readonly credentials: Credentials | null;
}

function credentialsFor(o: EngineSecuritySettings): Credentials | null {
  if (o.auth.mode === 'none') return null;
  if (o.auth.credentials) return o.auth.credentials;
  // With `memory` the database is not kept, but the credentials still are: clients find them there.
  if (!o.dataDir)
    throw new NbcError(
      'E_CONFIG',
      'engine: token auth needs credentials or a data directory to keep them in',
    );
  const { credentials, created } = loadOrCreateCredentials(o.dataDir);
  if (created) o.logger.info({ dataDir: o.dataDir }, 'engine: created credentials.json (keyId, keySecret)');
  return credentials;
}

export function createEngineSecurity(o: EngineSecuritySettings): EngineSecurity {
  const credentials = credentialsFor(o);
  const http = createHttpSecurity({
    auth:
      credentials && o.auth.mode === 'token'
        ? {
            mode: 'token',
            credentials,
            tokenTtlMs: o.auth.tokenTtlMs,
            sessionTtlMs: o.auth.sessionTtlMs,
          }
        : { mode: 'none' },
    allowedHosts: [...listenAddressNames(o.host ?? '127.0.0.1'), ...(o.allowedHosts ?? [])],
    allowedOrigins: o.allowedOrigins ?? [],
    now: o.clock,
    // Next to credentials.json, which the links are signed with: a link works once per data directory,
    // whichever of `up` and `server` (or a restart) it is opened on.
    usedLogins: o.dataDir ? usedLoginsInDir(path.join(o.dataDir, USED_LOGINS_DIR)) : undefined,
  });
  return { http, credentials };
}
