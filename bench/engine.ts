/**
 * Benchmark of the embedded engine through the official SDK (run `node dist/bench/engine.js` after
 * `npm run build`; add `--expose-gc` for steadier memory numbers):
 *   1. a 100-task linear workflow of SIMPLE tasks with an in-process TaskManager worker;
 *   2. a FORK_JOIN_DYNAMIC of 200 branches;
 *   3. 1,000 concurrent small workflows (2 SIMPLE tasks each).
 * Reports end-to-end time, tasks/s, the latency from one task's completion to the next task being
 * pollable (server-side: next.scheduledTime − previous.endTime) and to it being handed to the worker
 * (next.startTime − previous.endTime), memory at start/middle/end, and checks that no task was lost or
 * run twice. A file-backed (WAL) store is used, as in production.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  noopLogger,
  orkesConductorClient,
  TaskManager,
  WorkflowExecutor,
  MetadataClient,
  type ConductorWorker,
} from '@io-orkes/conductor-javascript';
import pino from 'pino';

import { startEngine } from '../src/engine';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Row {
  scenario: string;
  tasks: number;
  seconds: number;
  tasksPerSec: number;
  pollableP50: number;
  pollableP99: number;
  handedP50: number;
  handedP99: number;
  memory: string;
  check: string;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function memoryMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
}

/** Waits until none of `ids` (all of workflow type `name`) is RUNNING, then reads them with their tasks. */
async function waitAll(
  wfs: WorkflowExecutor,
  name: string,
  ids: string[],
  timeoutMs: number,
): Promise<Json[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = (await wfs.search(0, 1, `workflowType = ${name} AND status IN (RUNNING)`, '*')) as Json;
    if (running.totalHits === 0) break;
    if (Date.now() > deadline)
      throw new Error(`timed out: ${String(running.totalHits)} ${name} workflows still running`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Promise.all(ids.map(async (id) => (await wfs.getWorkflow(id, true)) as Json));
}

/** Latencies between consecutive tasks of a linear chain. */
function chainLatencies(tasks: Json[]): { pollable: number[]; handed: number[] } {
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

function counter(): { worker: (name: string) => ConductorWorker; runs: Map<string, number> } {
  const runs = new Map<string, number>();
  return {
    runs,
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

async function main(): Promise<void> {
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
  const wfs = new WorkflowExecutor(client);
  const meta = new MetadataClient(client);
  const rows: Row[] = [];
  const managers: TaskManager[] = [];
  const startWorkers = (workers: ConductorWorker[], concurrency: number): TaskManager => {
    const tm = new TaskManager(client, workers, {
      logger: noopLogger,
      options: { pollInterval: 10, batchPollingTimeout: 100, concurrency, workerID: 'bench' },
    });
    tm.startPolling();
    managers.push(tm);
    return tm;
  };
  await meta.registerTasks(
    ['b_linear', 'b_raw', 'b_branch', 'b_small_a', 'b_small_b'].map((name) => ({
      name,
      retryCount: 0,
      responseTimeoutSeconds: 600,
    })) as never,
  );

  // 1. linear 100
  {
    const c = counter();
    const tm = startWorkers([c.worker('b_linear')], 1);
    const tasks = Array.from({ length: 100 }, (_, i) => ({
      name: 'b_linear',
      taskReferenceName: `t${i}`,
      inputParameters: { n: i },
    }));
    await meta.registerWorkflowDef({ name: 'b_linear_wf', version: 1, tasks } as never);
    const m0 = memoryMb();
    const t0 = Date.now();
    const id = (await wfs.startWorkflow({ name: 'b_linear_wf', input: {} })) as string;
    const [wf] = await waitAll(wfs, 'b_linear_wf', [id], 120_000);
    const secs = (Date.now() - t0) / 1000;
    const m1 = memoryMb();
    await tm.stopPolling();
    const lat = chainLatencies((wf as Json).tasks as Json[]);
    const dup = [...c.runs.values()].filter((n) => n !== 1).length;
    rows.push({
      scenario: 'linear 100 SIMPLE',
      tasks: 100,
      seconds: secs,
      tasksPerSec: 100 / secs,
      pollableP50: percentile(lat.pollable, 50),
      pollableP99: percentile(lat.pollable, 99),
      handedP50: percentile(lat.handed, 50),
      handedP99: percentile(lat.handed, 99),
      memory: `${m0}→${m1}→${memoryMb()} MB`,
      check:
        (wf as Json).status === 'COMPLETED' && c.runs.size === 100 && dup === 0
          ? 'ok'
          : `FAIL (${(wf as Json).status}, runs ${c.runs.size}, dup ${dup})`,
    });
  }

  // 1b. the same chain driven by a tight raw client: time from sending a completion (update-v2) to holding
  // the next task, as a worker observes it.
  {
    // Its own task type: a stopped TaskManager may still hold a poll on b_linear (SDK quirk).
    const tasks = Array.from({ length: 100 }, (_, i) => ({ name: 'b_raw', taskReferenceName: `t${i}` }));
    await meta.registerWorkflowDef({ name: 'b_raw_wf', version: 1, tasks } as never);
    const m0 = memoryMb();
    const id = (await wfs.startWorkflow({ name: 'b_raw_wf', input: {} })) as string;
    // A worker's token, as the SDK holds one.
    const auth = {
      'x-authorization': (
        (await (
          await fetch(`${engine.url}/api/token`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(engine.credentials),
          })
        ).json()) as { token: string }
      ).token,
    };
    const t0 = Date.now();
    const post = async (p: string, body: unknown): Promise<Response> =>
      fetch(`${engine.url}${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify(body),
      });
    const first = (await (
      await fetch(`${engine.url}/api/tasks/poll/batch/b_raw?count=1&timeout=1000&workerid=raw`, {
        headers: auth,
      })
    ).json()) as Json[];
    let task: Json | undefined = first[0];
    const roundTrips: number[] = [];
    let count = 0;
    while (task) {
      count++;
      const s = performance.now();
      const r = await post('/api/tasks/update-v2', {
        workflowInstanceId: id,
        taskId: task.taskId,
        status: 'COMPLETED',
        outputData: { n: count },
        workerId: 'raw',
      });
      task = r.status === 200 ? ((await r.json()) as Json) : undefined;
      if (task) roundTrips.push(performance.now() - s);
    }
    const secs = (Date.now() - t0) / 1000;
    const [wf] = await waitAll(wfs, 'b_raw_wf', [id], 60_000);
    rows.push({
      scenario: 'linear 100, raw client',
      tasks: count,
      seconds: secs,
      tasksPerSec: count / secs,
      pollableP50: NaN,
      pollableP99: NaN,
      handedP50: percentile(roundTrips, 50),
      handedP99: percentile(roundTrips, 99),
      memory: `${m0}→${memoryMb()} MB`,
      check:
        (wf as Json).status === 'COMPLETED' && count === 100
          ? 'ok'
          : `FAIL (${(wf as Json).status}, ${count} tasks)`,
    });
  }

  // 2. dynamic fork of 200
  {
    const c = counter();
    const tm = startWorkers([c.worker('b_branch')], 20);
    await meta.registerWorkflowDef({
      name: 'b_fork_wf',
      version: 1,
      tasks: [
        {
          name: 'fan',
          taskReferenceName: 'fan',
          type: 'FORK_JOIN_DYNAMIC',
          inputParameters: { forkTaskName: 'b_branch', forkTaskInputs: '${workflow.input.items}' },
        },
        { name: 'join', taskReferenceName: 'join', type: 'JOIN' },
      ],
    } as never);
    const m0 = memoryMb();
    const t0 = Date.now();
    const items = Array.from({ length: 200 }, (_, i) => ({ n: i }));
    const id = (await wfs.startWorkflow({ name: 'b_fork_wf', input: { items } })) as string;
    const [wf] = await waitAll(wfs, 'b_fork_wf', [id], 120_000);
    const secs = (Date.now() - t0) / 1000;
    const m1 = memoryMb();
    await tm.stopPolling();
    const all = (wf as Json).tasks as Json[];
    const branches = all.filter((t) => t.taskType === 'b_branch');
    const join = all.find((t) => t.taskType === 'JOIN') as Json;
    const lastBranchEnd = Math.max(...branches.map((t) => t.endTime as number));
    const dup = [...c.runs.values()].filter((n) => n !== 1).length;
    const joined = Object.keys(join.outputData ?? {}).length;
    rows.push({
      scenario: 'FORK_JOIN_DYNAMIC 200',
      tasks: 200,
      seconds: secs,
      tasksPerSec: 200 / secs,
      pollableP50: join.endTime - lastBranchEnd,
      pollableP99: join.endTime - lastBranchEnd,
      handedP50: percentile(
        branches.map((t) => t.startTime - t.scheduledTime),
        50,
      ),
      handedP99: percentile(
        branches.map((t) => t.startTime - t.scheduledTime),
        99,
      ),
      memory: `${m0}→${m1}→${memoryMb()} MB`,
      check:
        (wf as Json).status === 'COMPLETED' &&
        branches.length === 200 &&
        c.runs.size === 200 &&
        dup === 0 &&
        joined === 200
          ? 'ok'
          : `FAIL (${(wf as Json).status}, branches ${branches.length}, runs ${c.runs.size}, dup ${dup}, joined ${joined})`,
    });
  }

  // 3. 1,000 concurrent small workflows
  {
    const c = counter();
    const tm = startWorkers([c.worker('b_small_a'), c.worker('b_small_b')], 20);
    await meta.registerWorkflowDef({
      name: 'b_small_wf',
      version: 1,
      tasks: [
        { name: 'b_small_a', taskReferenceName: 'a', inputParameters: { n: '${workflow.input.i}' } },
        { name: 'b_small_b', taskReferenceName: 'b', inputParameters: { n: '${a.output.n}' } },
      ],
    } as never);
    const m0 = memoryMb();
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 1000; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, (_, j) => wfs.startWorkflow({ name: 'b_small_wf', input: { i: i + j } })),
      );
      ids.push(...(batch as string[]));
    }
    const mMid = memoryMb();
    const done = await waitAll(wfs, 'b_small_wf', ids, 300_000);
    const secs = (Date.now() - t0) / 1000;
    await tm.stopPolling();
    const lat = done.map((w) => chainLatencies(w.tasks as Json[]));
    const completed = done.filter((w) => w.status === 'COMPLETED' && (w.tasks as Json[]).length === 2).length;
    const dup = [...c.runs.values()].filter((n) => n !== 1).length;
    const correct = done.filter((w) => (w.tasks as Json[])[1]?.inputData?.n === w.input.i).length;
    rows.push({
      scenario: '1,000 concurrent (2 tasks)',
      tasks: 2000,
      seconds: secs,
      tasksPerSec: 2000 / secs,
      pollableP50: percentile(
        lat.flatMap((l) => l.pollable),
        50,
      ),
      pollableP99: percentile(
        lat.flatMap((l) => l.pollable),
        99,
      ),
      handedP50: percentile(
        lat.flatMap((l) => l.handed),
        50,
      ),
      handedP99: percentile(
        lat.flatMap((l) => l.handed),
        99,
      ),
      memory: `${m0}→${mMid}→${memoryMb()} MB`,
      check:
        completed === 1000 && c.runs.size === 2000 && dup === 0 && correct === 1000
          ? 'ok'
          : `FAIL (completed ${completed}, runs ${c.runs.size}, dup ${dup}, correct ${correct})`,
    });
  }

  await Promise.all(managers.map((m) => m.stopPolling()));
  client.stopBackgroundRefresh?.();
  await engine.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const header = [
    'scenario',
    'tasks',
    'seconds',
    'tasks/s',
    'pollable p50/p99 ms',
    'handed p50/p99 ms',
    'heap start→mid→end',
    'lost/dup check',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.tasks),
    fmt(r.seconds, 2),
    fmt(r.tasksPerSec, 0),
    `${fmt(r.pollableP50)} / ${fmt(r.pollableP99)}`,
    `${fmt(r.handedP50)} / ${fmt(r.handedP99)}`,
    r.memory,
    r.check,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const print = (cells: string[]): void => {
    process.stdout.write(`| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |\n`);
  };
  print(header);
  print(widths.map((w) => '-'.repeat(w)));
  for (const l of lines) print(l);
  process.stdout.write(
    '\npollable = next task queued after the previous one completed (server-side); handed = next task given to the worker.\n' +
      'For the fork row, "pollable" is the JOIN completing after the last branch; "handed" is branch queue wait.\n' +
      'For the raw-client row, "handed" is the update-v2 round trip: completion sent → next task received.\n',
  );
  if (rows.some((r) => r.check !== 'ok')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
