/**
 * The one adapter to the official SDK (@io-orkes/conductor-javascript): every client nbconductor makes
 * comes from here, and the SDK's internals stay here (its environment handling, raw posts, static
 * settings). Loaded lazily; Orkes key/secret used only when both are set; SDK logs go to our pino logger.
 *
 * The SDK prefers CONDUCTOR_SERVER_URL, CONDUCTOR_AUTH_KEY/SECRET and its other CONDUCTOR_* variables over
 * the settings it is given, so a shell set up for another Conductor would silently redirect us. Our
 * configuration (src/config.ts) is the only reader of the environment: the SDK is shown none of its
 * variables while it builds a client (see `withoutSdkEnvironment`). Before that, one quick request checks
 * that the server answers and accepts the key, so a wrong URL or key fails in seconds, naming the URL and
 * where it came from, instead of after minutes of the SDK's retries.
 */
import type { Config } from '../config';
import { NbcError } from '../errors';
import { bigintsAsLosslessNumbers, parseJsonExact, stringifyJsonLossless } from '../json';
import type { Logger } from '../log';
import { isLoopbackHostname, readCredentials, credentialsPath } from '../security';
import { sdkLogger } from './sdk-logger';

export type Sdk = typeof import('@io-orkes/conductor-javascript');
export type ConductorClient = Awaited<ReturnType<Sdk['orkesConductorClient']>>;

export interface ConductorTarget {
  serverUrl: string;
  keyId: string | null;
  keySecret: string | null;
  /** Where `serverUrl` came from (flag, config file, environment variable, default), for messages. */
  origin?: string;
  /** Where the key came from. */
  keyOrigin?: string;
  /** How long the server may take to answer the first request (default 5 s). */
  connectTimeoutMs?: number;
}

/**
 * Every variable the SDK reads: `resolveOrkesConfig` (client creation) and its default logger's level.
 * (TaskRunner also reads CI, for console logging only; TaskHandler's CONDUCTOR_WORKER_* are unused here.)
 */
export const SDK_ENV_VARS = [
  'CONDUCTOR_SERVER_URL',
  'CONDUCTOR_AUTH_KEY',
  'CONDUCTOR_AUTH_SECRET',
  'CONDUCTOR_MAX_HTTP2_CONNECTIONS',
  'CONDUCTOR_REFRESH_TOKEN_INTERVAL',
  'CONDUCTOR_REQUEST_TIMEOUT_MS',
  'CONDUCTOR_CONNECT_TIMEOUT_MS',
  'CONDUCTOR_TLS_CERT_PATH',
  'CONDUCTOR_TLS_KEY_PATH',
  'CONDUCTOR_TLS_CA_PATH',
  'CONDUCTOR_TLS_INSECURE',
  'CONDUCTOR_PROXY_URL',
  'CONDUCTOR_DISABLE_HTTP2',
  'CONDUCTOR_RETRY_SERVER_ERRORS',
  'CONDUCTOR_LOG_LEVEL',
] as const;

/**
 * Runs `create` with the SDK's variables out of process.env and puts them back before returning. Safe
 * because nothing else can run in between: the SDK reads them synchronously, before the first await of
 * client creation, and `create` is called synchronously here.
 */
function withoutSdkEnvironment<T>(create: () => T): T {
  const saved = new Map<string, string>();
  for (const name of SDK_ENV_VARS) {
    const value = process.env[name];
    if (value !== undefined) {
      saved.set(name, value);
      delete process.env[name];
    }
  }
  try {
    return create();
  } finally {
    for (const [name, value] of saved) process.env[name] = value;
  }
}

/**
 * Where clients find a Conductor and its key: the configured URL (or `server`, a URL configured for one
 * command, such as the viewer's `--conductor-url`); the configured key (file, env
 * CONDUCTOR_AUTH_KEY/SECRET or flags), else, for an engine on this machine, the credentials.json in the
 * engine's data directory. That file is never sent anywhere else.
 */
export function conductorTarget(config: Config, server?: { url: string; origin: string }): ConductorTarget {
  const { keyId, keySecret, connectTimeoutMs } = config.conductor;
  const serverUrl = server?.url ?? config.conductor.serverUrl;
  const origin = server?.origin ?? config.sources['conductor.serverUrl'] ?? 'default';
  const base = { serverUrl, origin, connectTimeoutMs };
  if (keyId && keySecret)
    return { ...base, keyId, keySecret, keyOrigin: config.sources['conductor.keyId'] ?? 'default' };
  let host = '';
  try {
    host = new URL(serverUrl).hostname;
  } catch {
    // validated by the config already
  }
  const local = isLoopbackHostname(host) || host === config.engine.host;
  const found = local ? readCredentials(config.engine.dataDir) : null;
  return found
    ? { ...base, ...found, keyOrigin: credentialsPath(config.engine.dataDir) }
    : { ...base, keyId: null, keySecret: null };
}

function describeFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if ((err as Error).name === 'TimeoutError') return 'no answer in time';
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

/** One request to see that the server answers, and one to see it takes the key (a 404 there is OSS). */
async function preflight(target: ConductorTarget): Promise<void> {
  const base = target.serverUrl.replace(/\/+$/, '').replace(/\/api$/, '');
  const from = target.origin ? ` (from ${target.origin})` : '';
  const timeoutMs = target.connectTimeoutMs ?? 5_000;
  try {
    await (await fetch(`${base}/health`, { signal: AbortSignal.timeout(timeoutMs) })).arrayBuffer();
  } catch (err) {
    throw new NbcError(
      'E_CONDUCTOR',
      `cannot reach Conductor at ${target.serverUrl}${from}: ${describeFailure(err)}`,
      { uri: target.serverUrl },
      { cause: err },
    );
  }
  if (!target.keyId || !target.keySecret) return;
  let status: number;
  try {
    const res = await fetch(`${base}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keyId: target.keyId, keySecret: target.keySecret }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    status = res.status;
  } catch (err) {
    throw new NbcError(
      'E_CONDUCTOR',
      `Conductor at ${target.serverUrl}${from} did not answer POST /api/token: ${describeFailure(err)}`,
      { uri: target.serverUrl },
      { cause: err },
    );
  }
  if (status === 401 || status === 403)
    throw new NbcError(
      'E_CONDUCTOR',
      `Conductor at ${target.serverUrl}${from} refused the key ${target.keyId}` +
        `${target.keyOrigin ? ` (from ${target.keyOrigin})` : ''}: HTTP ${status}`,
      { uri: target.serverUrl },
    );
}

/** A client connected to a Conductor, with the SDK module it came from. */
export interface ConductorConnection {
  sdk: Sdk;
  client: ConductorClient;
  target: ConductorTarget;
}

export async function connectConductor(
  target: ConductorTarget,
  logger: Logger,
): Promise<ConductorConnection> {
  await preflight(target);
  const sdk = require('@io-orkes/conductor-javascript') as Sdk;
  const client = await withoutSdkEnvironment(() =>
    sdk.orkesConductorClient({
      serverUrl: target.serverUrl,
      ...(target.keyId && target.keySecret ? { keyId: target.keyId, keySecret: target.keySecret } : {}),
      connectTimeoutMs: target.connectTimeoutMs ?? 5_000,
      logger: sdkLogger(logger),
    }),
  );
  keepIntegersExact(client);
  return { sdk, client, target };
}

/** Posts a task result with `POST /api/tasks` (legacy: it never hands back a next task). */
async function postTaskUpdate(client: ConductorClient, body: Record<string, unknown>): Promise<void> {
  const raw = client as unknown as {
    post(o: { url: string; body: unknown; throwOnError: boolean }): Promise<unknown>;
  };
  await raw.post({ url: '/api/tasks', body, throwOnError: true });
}

export interface TaskRef {
  taskId: string;
  workflowInstanceId: string;
}

/**
 * Extends a task's lease (Conductor's heartbeat: `extendLease: true` only touches updateTime). Posted
 * raw: the SDK has no method for it outside its own lease loop, which stops with polling.
 */
export async function extendLease(
  client: ConductorClient,
  task: TaskRef & { workerId: string },
): Promise<void> {
  await postTaskUpdate(client, { ...task, status: 'IN_PROGRESS', extendLease: true });
}

/**
 * The result that hands a task back untouched: Conductor sets a worker task updated IN_PROGRESS to
 * SCHEDULED and re-queues it after `callbackAfterSeconds` (0: at once, for any worker), with no retry.
 */
export function handBackResult(): {
  status: 'IN_PROGRESS';
  callbackAfterSeconds: 0;
  outputData: Record<string, never>;
} {
  return { status: 'IN_PROGRESS', callbackAfterSeconds: 0, outputData: {} };
}

/** Hands a task back (see handBackResult) with a raw update, for a task the SDK will not run. */
export async function handBackTask(
  client: ConductorClient,
  task: TaskRef & { workerId: string },
): Promise<void> {
  await postTaskUpdate(client, { ...task, ...handBackResult() });
}

function isTaskRef(v: unknown): v is TaskRef {
  const t = v as Partial<TaskRef> | null;
  return typeof t?.taskId === 'string' && t.taskId !== '' && typeof t.workflowInstanceId === 'string';
}

/**
 * Shows `decide` every task an update-v2 answer hands over (the next task, run by the SDK with no poll in
 * between). `decide` resolves true to let the SDK run it, false to keep it from the SDK (the answer then
 * reads as 204, no next task), when it has dealt with the task itself. Returns a function that stops it.
 */
export function watchChainedTasks(
  client: ConductorClient,
  decide: (task: TaskRef) => Promise<boolean>,
): () => void {
  const interceptor = async (response: Response, request: Request): Promise<Response> => {
    if (response.status !== 200 || !new URL(request.url).pathname.endsWith('/tasks/update-v2'))
      return response;
    let task: unknown;
    try {
      task = JSON.parse(await response.clone().text());
    } catch {
      return response; // the SDK fails on it too, and retries the update
    }
    if (!isTaskRef(task) || (await decide(task))) return response;
    // No Content-Type: the SDK then reads the empty answer as null (with JSON's it would make it `{}`).
    return new Response(null, { status: 204, statusText: 'No Content' });
  };
  client.interceptors.response.use(interceptor);
  return () => client.interceptors.response.eject(interceptor);
}

/**
 * From now on, task results go to the legacy `POST /api/tasks`, which never hands back a next task:
 * after stopPolling the SDK would drop a task chained by update-v2 (it would stay IN_PROGRESS until its
 * response timeout). An update-v2 already sent may still answer with one (see watchChainedTasks). A
 * process-wide static of the SDK's TaskRunner.
 */
export function stopChainedTaskUpdates(sdk: Sdk): void {
  (sdk.TaskRunner as unknown as { updateV2Available: boolean | null }).updateV2Available = false;
}

/**
 * Conductor keeps ints beyond 2^53 exact (Java longs); so do we on the wire: bodies are written with
 * bigints as digits (the SDK would send them as strings) and JSON answers are read with them as bigints
 * (its `response.json()` would round them). Both through the client's public hooks. Bodies may also hold
 * LosslessNumbers (see `forTaskRunner`), written as their digits too.
 */
function keepIntegersExact(client: ConductorClient): void {
  client.setConfig({ bodySerializer: (body: unknown) => stringifyJsonLossless(body) ?? '' });
  client.interceptors.response.use((response: Response) => {
    const text = response.text.bind(response);
    Object.defineProperty(response, 'json', { value: async () => parseJsonExact(await text()) });
    return response;
  });
}

/**
 * A task result as the SDK's TaskRunner may take it: it measures `outputData` with JSON.stringify, which
 * refuses a bigint (an int beyond 2^53 that a notebook glued or was given), and would fail the task. Such
 * ints travel as LosslessNumbers, which the body serializer writes as their exact digits.
 */
export function forTaskRunner<T extends { outputData?: unknown }>(result: T): T {
  return { ...result, outputData: bigintsAsLosslessNumbers(result.outputData) };
}
