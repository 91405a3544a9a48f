/**
 * The official SDK's client for a Conductor server (ours or a real one): loaded lazily, Orkes key/secret
 * used only when both are set, SDK logs routed into our pino logger.
 */
import { parseJsonExact, stringifyJsonExact } from '../json-exact';
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
  keepIntegersExact(client);
  return { sdk, client };
}

/**
 * Conductor keeps ints beyond 2^53 exact (Java longs); so do we on the wire: bodies are written with
 * bigints as digits (the SDK would send them as strings) and JSON answers are read with them as bigints
 * (its `response.json()` would round them). Both through the client's public hooks.
 */
function keepIntegersExact(client: ConductorClient): void {
  client.setConfig({ bodySerializer: (body: unknown) => stringifyJsonExact(body) ?? '' });
  client.interceptors.response.use((response: Response) => {
    const text = response.text.bind(response);
    Object.defineProperty(response, 'json', { value: async () => parseJsonExact(await text()) });
    return response;
  });
}
