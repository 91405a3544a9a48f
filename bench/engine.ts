/**
 * Benchmark of the embedded engine through the official SDK (`npm run bench -- engine [quick]`; `quick`
 * skips the largest scenarios):
 *   1. a 100-task linear workflow of SIMPLE tasks with an in-process TaskManager worker, and the same chain
 *      driven by a tight raw client;
 *   2. FORK_JOIN_DYNAMIC of 200, 2,000 and 10,000 SIMPLE branches (time per branch must stay flat), with
 *      the workers in this process, then (2,000 and 10,000) in another one, as in production;
 *   3. 1,000 and 10,000 concurrent small workflows (2 SIMPLE tasks each).
 * Reports end-to-end time, ms per task, the latency from one task's completion to the next task being
 * pollable (server-side: next.scheduledTime − previous.endTime) and to it being handed to the worker
 * (next.startTime − previous.endTime), the heap (start → peak → end), and checks that no task was lost or
 * run twice. A file-backed (WAL) store is used, as in production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  MetadataClient,
  noopLogger,
  orkesConductorClient,
  TaskManager,
  WorkflowExecutor,
  type ConductorWorker,
} from '@io-orkes/conductor-javascript';
import pino from 'pino';

import { startEngine } from '../src/engine';
import { concurrent, fanOut } from './engine-scale';
import {
  chainLatencies,
  counter,
  cpuSince,
  memoryMb,
  waitAll,
  type Bench,
  type Json,
  type Row,
} from './engine-support';
import { percentile, printTable } from './table';

async function linear(b: Bench): Promise<Row> {
  const c = counter();
  await b.meta.registerTasks([{ name: 'b_linear', retryCount: 0, responseTimeoutSeconds: 600 }] as never);
  const tm = b.startWorkers([c.worker('b_linear')], 1);
  const tasks = Array.from({ length: 100 }, (_, i) => ({
    name: 'b_linear',
    taskReferenceName: `t${i}`,
    inputParameters: { n: i },
  }));
  await b.meta.registerWorkflowDef({ name: 'b_linear_wf', version: 1, tasks } as never);
  const m0 = memoryMb();
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const id = (await b.wfs.startWorkflow({ name: 'b_linear_wf', input: {} })) as string;
  const [wf] = await waitAll(b.wfs, 'b_linear_wf', [id], 120_000);
  const secs = (Date.now() - t0) / 1000;
  const cpu = cpuSince(cpu0);
  const m1 = memoryMb();
  await tm.stopPolling();
  const lat = chainLatencies((wf as Json).tasks as Json[]);
  const ok = (wf as Json).status === 'COMPLETED' && c.runs.size === 100 && c.duplicates() === 0;
  return {
    scenario: 'linear 100 SIMPLE',
    tasks: 100,
    seconds: secs,
    cpuSeconds: cpu,
    pollableP50: percentile(lat.pollable, 50),
    pollableP99: percentile(lat.pollable, 99),
    handedP50: percentile(lat.handed, 50),
    handedP99: percentile(lat.handed, 99),
    memory: `${m0}→${m1}→${memoryMb()} MB`,
    check: ok ? 'ok' : `FAIL (${String((wf as Json).status)}, runs ${c.runs.size}, dup ${c.duplicates()})`,
  };
}

/** The same chain driven by a tight raw client: completion sent (update-v2) → next task received. */
async function linearRaw(b: Bench): Promise<Row> {
  // Its own task type: a stopped TaskManager may still hold a poll on b_linear (SDK quirk).
  await b.meta.registerTasks([{ name: 'b_raw', retryCount: 0, responseTimeoutSeconds: 600 }] as never);
  const tasks = Array.from({ length: 100 }, (_, i) => ({ name: 'b_raw', taskReferenceName: `t${i}` }));
  await b.meta.registerWorkflowDef({ name: 'b_raw_wf', version: 1, tasks } as never);
  const m0 = memoryMb();
  const id = (await b.wfs.startWorkflow({ name: 'b_raw_wf', input: {} })) as string;
  // A worker's token, as the SDK holds one.
  const token = (
    (await (
      await fetch(`${b.url}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(b.credentials),
      })
    ).json()) as { token: string }
  ).token;
  const auth = { 'x-authorization': token };
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const first = (await (
    await fetch(`${b.url}/api/tasks/poll/batch/b_raw?count=1&timeout=1000&workerid=raw`, { headers: auth })
  ).json()) as Json[];
  let task: Json | undefined = first[0];
  const roundTrips: number[] = [];
  let count = 0;
  while (task) {
    count++;
    const s = performance.now();
    const r = await fetch(`${b.url}/api/tasks/update-v2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({
        workflowInstanceId: id,
        taskId: task.taskId,
        status: 'COMPLETED',
        outputData: { n: count },
        workerId: 'raw',
      }),
    });
    task = r.status === 200 ? ((await r.json()) as Json) : undefined;
    if (task) roundTrips.push(performance.now() - s);
  }
  const secs = (Date.now() - t0) / 1000;
  const cpu = cpuSince(cpu0);
  const [wf] = await waitAll(b.wfs, 'b_raw_wf', [id], 60_000);
  const ok = (wf as Json).status === 'COMPLETED' && count === 100;
  return {
    scenario: 'linear 100, raw client',
    tasks: count,
    seconds: secs,
    cpuSeconds: cpu,
    pollableP50: NaN,
    pollableP99: NaN,
    handedP50: percentile(roundTrips, 50),
    handedP99: percentile(roundTrips, 99),
    memory: `${m0}→${memoryMb()} MB`,
    check: ok ? 'ok' : `FAIL (${String((wf as Json).status)}, ${count} tasks)`,
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('quick');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-'));
  // Token auth, as users run it: every call carries a token (credentials.json in the data dir).
  const engine = await startEngine({
    port: 0,
    dataDir,
    logger: pino({ level: 'silent' }),
    auth: { mode: 'token' },
  });
  const client = await orkesConductorClient({
    serverUrl: engine.url,
    keyId: engine.credentials?.keyId,
    keySecret: engine.credentials?.keySecret,
    logger: noopLogger,
  });
  const managers: TaskManager[] = [];
  const b: Bench = {
    url: engine.url,
    credentials: engine.credentials,
    wfs: new WorkflowExecutor(client),
    meta: new MetadataClient(client),
    startWorkers(workers: ConductorWorker[], concurrency: number): TaskManager {
      const tm = new TaskManager(client, workers, {
        logger: noopLogger,
        options: { pollInterval: 10, batchPollingTimeout: 100, concurrency, workerID: 'bench' },
      });
      tm.startPolling();
      managers.push(tm);
      return tm;
    },
  };
  const rows: Row[] = [];
  rows.push(await linear(b));
  rows.push(await linearRaw(b));
  for (const n of quick ? [200, 2000] : [200, 2000, 10_000]) rows.push(await fanOut(b, n));
  for (const n of quick ? [2000] : [2000, 10_000]) rows.push(await fanOut(b, n, true));
  for (const n of quick ? [1000] : [1000, 10_000]) rows.push(await concurrent(b, n));

  await Promise.all(managers.map((m) => m.stopPolling()));
  client.stopBackgroundRefresh?.();
  await engine.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
  printTable(
    [
      'scenario',
      'tasks',
      'seconds',
      'ms/task',
      'cpu ms/task',
      'pollable p50/p99 ms',
      'handed p50/p99 ms',
      'heap start→peak→end',
      'lost/dup check',
    ],
    rows.map((r) => [
      r.scenario,
      String(r.tasks),
      fmt(r.seconds, 2),
      fmt((r.seconds * 1000) / r.tasks, 2),
      fmt((r.cpuSeconds * 1000) / r.tasks, 2),
      `${fmt(r.pollableP50)} / ${fmt(r.pollableP99)}`,
      `${fmt(r.handedP50)} / ${fmt(r.handedP99)}`,
      r.memory,
      r.check,
    ]),
  );
  process.stdout.write(
    '\npollable = next task queued after the previous one completed (server-side); handed = next task given to the worker.\n' +
      'For fork rows, "pollable" is the JOIN completing after the last branch; "handed" is branch queue wait;\n' +
      'ms/task is the whole fan-out (start to JOIN) per branch, and should not grow with the number of branches;\n' +
      'cpu ms/task is the CPU time of this process (engine and SDK workers) per task, a measure a busy machine does not inflate;\n' +
      'in the "workers apart" rows the SDK workers run in another process (as in production): it is the engine\'s alone.\n' +
      'For the raw-client row, "handed" is the update-v2 round trip: completion sent → next task received.\n',
  );
  if (rows.some((r) => r.check !== 'ok')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
