/**
 * The official SDK's client for a Conductor server (ours or a real one): loaded lazily, Orkes key/secret
 * used only when both are set, SDK logs routed into our pino logger.
 */
import type { Logger } from '../log';
import { sdkLogger } from './sdk-logger';

export type Sdk = typeof import('@io-orkes/conductor-javascript');
export type ConductorClient = Awaited<ReturnType<Sdk['orkesConductorClient']>>;

export interface ConductorTarget {
  serverUrl: string;
  keyId: string | null;
  keySecret: string | null;
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
