/** Shared pieces of the engine benchmark: the SDK clients, waits, latency and memory measures, checks. */
import { fork } from 'node:child_process';
import path from 'node:path';

import {
  type ConductorWorker,
  type MetadataClient,
  type TaskManager,
  type WorkflowExecutor,
} from '@io-orkes/conductor-javascript';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Row {
  scenario: string;
  tasks: number;
  seconds: number;
  /** CPU time of this process (engine and SDK workers together), in seconds. */
  cpuSeconds: number;
  pollableP50: number;
  pollableP99: number;
  handedP50: number;
  handedP99: number;
  memory: string;
  check: string;
}

export interface Bench {
  url: string;
  /** The engine's key, exchanged for a token by raw clients. */
  credentials: { keyId: string; keySecret: string } | null;
  wfs: WorkflowExecutor;
  meta: MetadataClient;
  startWorkers(workers: ConductorWorker[], concurrency: number): TaskManager;
}

/** Workers in another process (bench/engine-worker-process.ts): how many tasks they ran, and stopping them. */
export interface WorkerProcess {
  ran(): number;
  stop(): Promise<{ ran: number; duplicates: number }>;
}

export async function startWorkerProcess(
  b: Bench,
  taskType: string,
  concurrency: number,
): Promise<WorkerProcess> {
  const settings = {
    url: b.url,
    keyId: b.credentials?.keyId,
    keySecret: b.credentials?.keySecret,
    taskType,
    concurrency,
  };
  const child = fork(path.join(__dirname, 'engine-worker-process.js'), [JSON.stringify(settings)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let ran = 0;
  let stopped: ((r: { ran: number; duplicates: number }) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench worker process exited (${String(code)})`)));
    child.on('message', (m: { ready?: boolean; ran?: number; stopped?: boolean; duplicates?: number }) => {
      if (m.ready) resolve();
      if (typeof m.ran === 'number') ran = m.ran;
      if (m.stopped) stopped?.({ ran: m.ran ?? 0, duplicates: m.duplicates ?? 0 });
    });
  });
  await ready;
  return {
    ran: () => ran,
    stop: () =>
      new Promise((resolve) => {
        stopped = resolve;
        child.send('stop');
      }),
  };
}

export function memoryMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
}

/** CPU seconds this process used since `start` (a share of a loaded machine does not inflate it). */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** Samples the heap while a scenario runs; `stop()` answers the peak in MB. */
export function heapPeak(): { stop(): number } {
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return Math.round(peak / 1024 / 1024);
    },
  };
}

/**
 * Waits until none of `ids` (all of workflow type `name`) is RUNNING, then reads them with their tasks.
 * `ready` (checked first, without asking the engine) keeps the waiting from loading the engine meanwhile;
 * `settled` runs once none is running, before the workflows are read back (measures stop there).
 */
export async function waitAll(
  wfs: WorkflowExecutor,
  name: string,
  ids: string[],
  timeoutMs: number,
  ready: () => boolean = () => true,
  settled: () => void = () => undefined,
): Promise<Json[]> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the ${name} workers`);
    await new Promise((r) => setTimeout(r, 20));
  }
  for (;;) {
    const running = (await wfs.search(0, 1, `workflowType = ${name} AND status IN (RUNNING)`, '*')) as Json;
    if (running.totalHits === 0) break;
    if (Date.now() > deadline)
      throw new Error(`timed out: ${String(running.totalHits)} ${name} workflows still running`);
    // A short interval for small runs; searching costs the engine too, so not too short for long ones.
    await new Promise((r) => setTimeout(r, ids.length === 1 ? 50 : 100));
  }
  settled();
  const out: Json[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const batch = ids.slice(i, i + 100);
    out.push(...(await Promise.all(batch.map(async (id) => (await wfs.getWorkflow(id, true)) as Json))));
  }
  return out;
}

/** Latencies between consecutive tasks of a linear chain. */
export function chainLatencies(tasks: Json[]): { pollable: number[]; handed: number[] } {
  const pollable: number[] = [];
  const handed: number[] = [];
  for (let i = 1; i < tasks.length; i++) {
    const prev = tasks[i - 1] as Json;
    const next = tasks[i] as Json;
    pollable.push(next.scheduledTime - prev.endTime);
    handed.push(next.startTime - prev.endTime);
  }
  return { pollable, handed };
}

/** Workers that count how often each (workflow, task) ran: every count must be exactly 1. */
export function counter(): {
  worker: (name: string) => ConductorWorker;
  runs: Map<string, number>;
  duplicates(): number;
} {
  const runs = new Map<string, number>();
  return {
    runs,
    duplicates: () => [...runs.values()].filter((n) => n !== 1).length,
    worker: (name) => ({
      taskDefName: name,
      concurrency: 1,
      execute: async (task) => {
        const key = `${task.workflowInstanceId}/${task.referenceTaskName}`;
        runs.set(key, (runs.get(key) ?? 0) + 1);
        return { status: 'COMPLETED', outputData: { n: (task.inputData?.n as number | undefined) ?? 0 } };
      },
    }),
  };
}
