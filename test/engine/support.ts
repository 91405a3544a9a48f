/**
 * Shared setup for engine tests: an engine on a random port with token auth, the official SDK clients
 * pointed at it (through our adapter, with the engine's key, as users connect), condition waits with
 * deadlines (never fixed sleeps), workers, and raw HTTP for status-code checks (carrying the token).
 */
import {
  MetadataClient,
  noopLogger,
  TaskClient,
  TaskManager,
  WorkflowExecutor,
  type ConductorWorker,
} from '@io-orkes/conductor-javascript';

import type { Credentials } from '../../src/security';
import { connectConductor, type ConductorClient } from '../../src/worker/conductor-client';
import { startTestEngine, type TestEngine, type TestEngineOptions } from '../helpers/engine';
import { quietLogger } from '../helpers/logger';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Harness {
  engine: TestEngine;
  url: string;
  client: ConductorClient;
  metadata: MetadataClient;
  workflows: WorkflowExecutor;
  tasks: TaskClient;
  managers: TaskManager[];
  stop(): Promise<void>;
}

/** API tokens for `raw()`, by engine URL. */
const tokens = new Map<string, string>();

/** An SDK client with the engine's key (a token is fetched and renewed by the SDK). */
export async function sdkClient(url: string, credentials: Credentials | null): Promise<ConductorClient> {
  const { client } = await connectConductor(
    { serverUrl: url, keyId: credentials?.keyId ?? null, keySecret: credentials?.keySecret ?? null },
    quietLogger(),
  );
  return client;
}

/** A token for the engine's API at `url` (`POST /api/token` with its key). */
export async function apiToken(url: string, credentials: Credentials): Promise<string> {
  const res = await fetch(`${url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  if (res.status !== 200) throw new Error(`POST /api/token answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Lets `raw()` calls to `url` carry a token for these credentials (none: calls go without). */
export async function authenticate(url: string, credentials: Credentials | null): Promise<void> {
  tokens.delete(url);
  if (credentials) tokens.set(url, await apiToken(url, credentials));
}

export async function harness(opts: TestEngineOptions = { memory: true }): Promise<Harness> {
  const engine = await startTestEngine(opts);
  const client = await sdkClient(engine.url, engine.credentials);
  await authenticate(engine.url, engine.credentials);
  const h: Harness = {
    engine,
    url: engine.url,
    client,
    metadata: new MetadataClient(client),
    workflows: new WorkflowExecutor(client),
    tasks: new TaskClient(client),
    managers: [],
    async stop() {
      await Promise.all(h.managers.map((m) => m.stopPolling()));
      client.stopBackgroundRefresh?.();
      tokens.delete(engine.url);
      await engine.stop();
    },
  };
  return h;
}

/** Starts an SDK TaskManager for the given workers (stopped by `h.stop()`). */
export function startWorkers(h: Harness, workers: ConductorWorker[], options: Json = {}): TaskManager {
  const tm = new TaskManager(h.client, workers, {
    logger: noopLogger,
    options: {
      pollInterval: 10,
      batchPollingTimeout: 200,
      concurrency: 1,
      workerID: 'test-worker',
      ...options,
    },
  });
  tm.startPolling();
  h.managers.push(tm);
  return tm;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function workflow(h: Harness, id: string): Promise<Json> {
  return (await h.workflows.getWorkflow(id, true)) as Json;
}

export async function waitForStatus(
  h: Harness,
  id: string,
  status: string | string[],
  timeoutMs?: number,
): Promise<Json> {
  const wanted = Array.isArray(status) ? status : [status];
  return waitFor(
    `workflow ${id} to reach ${wanted.join('/')}`,
    async () => {
      const wf = await workflow(h, id);
      return wanted.includes(wf.status) ? wf : undefined;
    },
    timeoutMs,
  );
}

export function taskByRef(wf: Json, ref: string): Json {
  const found = (wf.tasks as Json[]).filter((t) => t.referenceTaskName === ref);
  const t = found[found.length - 1];
  if (!t)
    throw new Error(`no task ${ref} in ${(wf.tasks as Json[]).map((x) => x.referenceTaskName).join(',')}`);
  return t;
}

export interface RawResponse {
  status: number;
  contentType: string | null;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function raw(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  rawBody?: string,
): Promise<RawResponse> {
  const token = tokens.get(url);
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { 'x-authorization': token } : {}),
    },
    body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

/** Polls one task of `taskType` with the raw API (a tight, deterministic worker). */
export async function pollTask(
  url: string,
  taskType: string,
  timeoutMs = 2000,
  query = '',
): Promise<Json | undefined> {
  const r = await raw(
    url,
    'GET',
    `/api/tasks/poll/batch/${taskType}?count=1&timeout=${timeoutMs}&workerid=raw${query}`,
  );
  return (r.json as Json[])[0];
}

export async function complete(
  url: string,
  task: Json,
  output: Json = {},
  status = 'COMPLETED',
  extra: Json = {},
): Promise<RawResponse> {
  return raw(url, 'POST', '/api/tasks', {
    workflowInstanceId: task.workflowInstanceId,
    taskId: task.taskId,
    status,
    outputData: output,
    ...extra,
  });
}

/** Starts a workflow whose definition is given inline (a fresh name starting with `prefix`); its id. */
export async function startInline(
  h: Harness,
  prefix: string,
  tasks: Json[],
  input: Json = {},
  def: Json = {},
): Promise<string> {
  const name = `${prefix}_${Math.random().toString(36).slice(2, 8)}`;
  return (await h.workflows.startWorkflow({
    name,
    input,
    workflowDef: { name, version: 1, tasks, ...def } as never,
  })) as string;
}

export function simpleTask(ref: string, name = ref, inputParameters: Json = {}): Json {
  return { name, taskReferenceName: ref, type: 'SIMPLE', inputParameters };
}
