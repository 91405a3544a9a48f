/**
 * The one adapter to the official SDK's client for a Conductor server (ours or a real one): loaded
 * lazily, Orkes key/secret used only when both are set, SDK logs routed into our pino logger.
 */
import type { Config } from '../config';
import type { Logger } from '../log';
import { isLoopbackHostname, readCredentials } from '../security';
import { sdkLogger } from './sdk-logger';

export type Sdk = typeof import('@io-orkes/conductor-javascript');
export type ConductorClient = Awaited<ReturnType<Sdk['orkesConductorClient']>>;

export interface ConductorTarget {
  serverUrl: string;
  keyId: string | null;
  keySecret: string | null;
}

/**
 * Where clients find a Conductor and its key: the configured URL; the configured key (file, env
 * CONDUCTOR_AUTH_KEY/SECRET or flags), else, for an engine on this machine, the credentials.json in the
 * engine's data directory. That file is never sent anywhere else.
 */
export function conductorTarget(config: Config): ConductorTarget {
  const { serverUrl, keyId, keySecret } = config.conductor;
  if (keyId && keySecret) return { serverUrl, keyId, keySecret };
  let host = '';
  try {
    host = new URL(serverUrl).hostname;
  } catch {
    // validated by the config already
  }
  const local = isLoopbackHostname(host) || host === config.engine.host;
  const found = local ? readCredentials(config.engine.dataDir) : null;
  return found ? { serverUrl, ...found } : { serverUrl, keyId: null, keySecret: null };
}

export async function connectConductor(
  target: ConductorTarget,
  logger: Logger,
): Promise<{ sdk: Sdk; client: ConductorClient }> {
  const sdk = require('@io-orkes/conductor-javascript') as Sdk;
  const client = await sdk.orkesConductorClient({
    serverUrl: target.serverUrl,
    ...(target.keyId && target.keySecret ? { keyId: target.keyId, keySecret: target.keySecret } : {}),
    logger: sdkLogger(logger),
  });
  return { sdk, client };
}
