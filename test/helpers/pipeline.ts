/**
 * A whole pipeline stack for end-to-end tests: the embedded engine on a random 127.0.0.1 port with token
 * auth, the notebook_run worker (in-process, or the real CLI worker as a child process, each finding the
 * engine's key as users' do), and SDK helpers to start workflows and wait for them. Everything is stopped
 * by `stop()`.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { compileConfig, type Config, type ConfigInput, type SqsConfig } from '../../src/config';
import { startWorkerRuntime, type RunningWorker } from '../../src/worker/runtime';
import { registerDefinitions } from '../../src/cli/conductor-commands';
import type { KernelProvider, KernelProviderKind } from '../../src/kernel/provider';
import type { Logger } from '../../src/log';
import type { WorkerMetrics } from '../../src/metrics';
import { packageRoot } from '../../src/paths';
import type { Storage } from '../../src/storage';
import { connectConductor, type ConductorTarget } from '../../src/worker/conductor-client';
import { authenticate } from '../engine/support';
import { spawnBin } from './cli';
import { startTestEngine, type TestEngine } from './engine';
import { quietLogger } from './logger';

type Sdk = typeof import('@io-orkes/conductor-javascript');
export type Client = Awaited<ReturnType<Sdk['orkesConductorClient']>>;

export interface WorkflowRun {
  workflowId: string;
  status: string;
  reasonForIncompletion?: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  tasks: TaskRun[];
}

export interface TaskRun {
  taskId: string;
  referenceTaskName: string;
  taskType: string;
  status: string;
  retryCount: number;
  reasonForIncompletion?: string;
  inputData: Record<string, unknown>;
  outputData: Record<string, unknown>;
  workerId?: string;
}

export interface PipelineStack {
  engine: TestEngine;
  /** The engine's URL and key, as a client configuration carries them. */
  target: ConductorTarget;
  client: Client;
  sdk: Sdk;
  outputRoot: string;
  /** fetch() on the engine's API with a token (for calls the SDK has no method for). */
  api(path: string, init?: RequestInit): Promise<Response>;
  register(dir?: string): Promise<void>;
  /** Register task definitions (e.g. a notebook_run with short test timeouts). */
  registerTaskDefs(defs: Record<string, unknown>[]): Promise<void>;
  registerWorkflow(def: Record<string, unknown>): Promise<void>;
  start(name: string, input?: Record<string, unknown>): Promise<string>;
  workflow(id: string): Promise<WorkflowRun>;
  /** Waits until `predicate` holds for the workflow (or it is terminal); fails after `timeoutMs`. */
  waitFor(id: string, predicate?: (wf: WorkflowRun) => boolean, timeoutMs?: number): Promise<WorkflowRun>;
  /**
   * An in-process worker (local kernels unless told otherwise; silent unless given a logger), optionally
   * recording metrics, or on a kernel provider or storage of the test's own (which the test disposes).
   */
  startWorker(
    overrides?: ConfigInput,
    provider?: KernelProviderKind,
    extra?: {
      logger?: Logger;
      metrics?: WorkerMetrics;
      provider?: KernelProvider;
      storage?: Storage;
      /** Environment variables on top of this process's, as the worker's environment. */
      env?: Readonly<Record<string, string>>;
    },
  ): Promise<RunningWorker>;
  /** The real `nbconductor worker` CLI in a child process (for kill/signal tests). */
  spawnWorker(workerId: string, extraConfig?: Record<string, unknown>): ChildProcess;
  /** SIGKILL every child worker still running (call after each test so none steals later tasks). */
  killWorkers(): Promise<void>;

  stop(): Promise<void>;
}

/** A notebook_run task definition for tests: no retries unless overridden, a 60 s response timeout. */
export function notebookRunTaskDef(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'notebook_run',
    ownerEmail: 't@example.com',
    retryCount: 0,
    timeoutSeconds: 300,
    responseTimeoutSeconds: 60,
    ...overrides,
  };
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT']);

export function testConfig(
  outputRoot: string,
  target: ConductorTarget,
  overrides: ConfigInput = {},
  env: Readonly<Record<string, string>> = {},
): Config {
  return compileConfig({
    env: { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'silent', ...env },
    flags: {
      ...overrides,
      conductor: { ...target, ...overrides.conductor },
      kernel: { provider: 'local', ...overrides.kernel },
      worker: {
        outputRoot,
        concurrency: 2,
        kernelPoolSize: 1,
        pollIntervalMs: 50,
        workerId: 'test-worker',
        shutdownGraceMs: 30_000,
        ...overrides.worker,
      },
    },
  });
}

export async function startPipelineStack(
  options: { engineDataDir?: string; sqs?: SqsConfig; engineClock?: () => number } = {},
): Promise<PipelineStack> {
  const engine = await startTestEngine({
    ...(options.engineDataDir ? { dataDir: options.engineDataDir } : {}),
    ...(options.sqs ? { sqs: options.sqs } : {}),
    ...(options.engineClock ? { clock: options.engineClock } : {}),
  });
  const logger = quietLogger();
  const target: ConductorTarget = {
    serverUrl: engine.url,
    keyId: engine.credentials?.keyId ?? null,
    keySecret: engine.credentials?.keySecret ?? null,
  };
  const { sdk, client } = await connectConductor(target, logger);
  await authenticate(engine.url, engine.credentials); // for raw() calls against the stack's engine
  const metadata = new sdk.MetadataClient(client);
  const executor = new sdk.WorkflowExecutor(client);
  const outputRoot = mkdtempSync(path.join(os.tmpdir(), 'nbc-pipeline-'));
  const workers: RunningWorker[] = [];
  const children: ChildProcess[] = [];
  let token: Promise<string> | undefined;
  const api = async (p: string, init: RequestInit = {}): Promise<Response> => {
    token ??= fetch(`${engine.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(engine.credentials),
    }).then(async (r) => ((await r.json()) as { token: string }).token);
    const headers = new Headers(init.headers);
    headers.set('x-authorization', await token);
    return fetch(`${engine.url}${p}`, { ...init, headers });
  };

  const workflow = async (id: string): Promise<WorkflowRun> =>
    (await executor.getWorkflow(id, true)) as unknown as WorkflowRun;

  return {
    engine,
    target,
    client,
    sdk,
    outputRoot,
    api,
    register: async (dir = path.join(packageRoot(), 'workflows')) => {
      await registerDefinitions(target, dir, logger);
    },
    registerTaskDefs: (defs) => metadata.registerTasks(defs as never),
    registerWorkflow: (def) => metadata.registerWorkflowDef(def as never, true),
    start: (name, input = {}) => executor.startWorkflow({ name, input } as never),
    workflow,
    waitFor: async (id, predicate, timeoutMs = 90_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const wf = await workflow(id);
        if (predicate ? predicate(wf) : TERMINAL.has(wf.status)) return wf;
        if (!predicate && TERMINAL.has(wf.status)) return wf;
        if (Date.now() > deadline) {
          const tasks = wf.tasks
            .map(
              (t) =>
                `${t.referenceTaskName}:${t.status}${t.reasonForIncompletion ? ` (${t.reasonForIncompletion})` : ''}`,
            )
            .join(', ');
          throw new Error(`workflow ${id} still ${wf.status} after ${timeoutMs} ms (tasks: ${tasks})`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    startWorker: async (overrides = {}, provider = 'local', extra = {}) => {
      const config = testConfig(
        outputRoot,
        target,
        { ...overrides, kernel: { provider, ...overrides.kernel } },
        extra.env,
      );
      const w = await startWorkerRuntime(config, extra.logger ?? logger, {
        cwd: packageRoot(),
        metrics: extra.metrics,
        provider: extra.provider,
        storage: extra.storage,
      });
      workers.push(w);
      return w;
    },
    spawnWorker: (workerId, extraConfig = {}) => {
      const configFile = path.join(outputRoot, `${workerId}.config.json`);
      writeFileSync(
        configFile,
        JSON.stringify({
          worker: {
            outputRoot,
            workerId,
            concurrency: 1,
            kernelPoolSize: 0,
            pollIntervalMs: 50,
            ...extraConfig,
          },
          kernel: { provider: 'local' },
          // autosave during long cells often, so tests can watch a running notebook
          execution: { autosaveCellEverySec: 0.3 },
        }),
      );
      const child = spawnBin(['--config', configFile, 'worker', '--conductor-url', engine.url], {
        cwd: packageRoot(),
        // The key is found as a user's worker finds it: credentials.json in the engine's data dir.
        env: { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'info', NBCONDUCTOR_ENGINE_DATA: engine.dataDir },
      });
      children.push(child);
      return child;
    },
    killWorkers: async () => {
      const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
      await Promise.all(alive.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGKILL')))));
    },
    stop: async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const w of workers) await w.stop().catch(() => undefined);
      client.stopBackgroundRefresh?.();
      await engine.stop();
      rmSync(outputRoot, { recursive: true, force: true });
    },
  };
}

/**
 * Registers a one-task workflow `name` (a notebook_run task with ref `nb` and these inputParameters),
 * starts it with `input` and waits for it to end.
 */
export async function runNotebookTaskWorkflow(
  stack: PipelineStack,
  name: string,
  inputParameters: Record<string, unknown>,
  input: Record<string, unknown>,
): Promise<WorkflowRun> {
  await stack.registerWorkflow({
    name,
    version: 1,
    schemaVersion: 2,
    ownerEmail: 't@example.com',
    tasks: [{ name: 'notebook_run', taskReferenceName: 'nb', type: 'SIMPLE', inputParameters }],
  });
  return stack.waitFor(await stack.start(name, input));
}

/** Lines a child worker printed, as parsed pino records (for waiting on log events). */
export function watchLines(child: ChildProcess): {
  lines: Record<string, unknown>[];
  waitFor(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
} {
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let buf = '';
  const onData = (d: Buffer): void => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        rec = { msg: line };
      }
      lines.push(rec);
      for (const w of [...waiters]) {
        if (!w.pred(rec)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
    }
  };
  child.stderr?.on('data', onData);
  child.stdout?.on('data', onData);
  return {
    lines,
    waitFor: (pred, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const found = lines.find(pred);
        if (found) return resolve(found);
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching worker log line within ${timeoutMs} ms; last lines:\n${lines
                  .slice(-10)
                  .map((l) => JSON.stringify(l))
                  .join('\n')}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({ pred, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      }),
  };
}
