/**
 * Notebooks per minute through the embedded engine + the notebook_run worker (a trivial notebook, one
 * task per workflow) at concurrency 1, 2 and 4, against running `jupyter execute` (nbclient) once per
 * notebook in a loop; and the time from a task being scheduled to its first cell starting.
 *
 *   npm run bench -- worker [--per-slot 10] [--nbclient-runs 8] [--provider local|jupyter-server]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startWorkerRuntime } from '../src/worker/runtime';
import { generateCredentials } from '../src/security';
import { compileConfig } from '../src/config';
import { startEngine } from '../src/engine';
import type { KernelProviderKind } from '../src/kernel/provider';
import { silentLogger } from '../src/log';
import { packageRoot } from '../src/paths';
import { venvPaths } from '../src/python/venv';
import { arg, firstCellStart, registerNotebookWorkflow } from './notebook-workflow';
import { median, percentile, printTable } from './table';

type Sdk = typeof import('@io-orkes/conductor-javascript');

interface TaskView {
  status: string;
  scheduledTime?: number;
  outputData?: { outputNotebook?: string };
}

/** ms from the task being scheduled to the first code cell starting (from the output notebook's record). */
function scheduleToFirstCell(task: TaskView): number {
  return firstCellStart(task.outputData?.outputNotebook ?? '') - (task.scheduledTime ?? NaN);
}

export async function benchWorker(argv: string[]): Promise<void> {
  const perSlot = Number(arg(argv, '--per-slot', '10'));
  const nbclientRuns = Number(arg(argv, '--nbclient-runs', '8'));
  const provider = arg(argv, '--provider', 'local') as KernelProviderKind;
  const root = packageRoot();
  const notebook = path.join(root, 'test', 'fixtures', 'notebooks', 'trivial.ipynb');
  const work = mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-worker-'));
  const logger = silentLogger();
  const engine = await startEngine({
    host: '127.0.0.1',
    port: 0,
    memory: true,
    logger,
    auth: { mode: 'token', credentials: generateCredentials() },
  });
  const keys = { keyId: engine.credentials?.keyId ?? null, keySecret: engine.credentials?.keySecret ?? null };
  const sdk = require('@io-orkes/conductor-javascript') as Sdk;
  const client = await sdk.orkesConductorClient({
    serverUrl: engine.url,
    keyId: keys.keyId ?? undefined,
    keySecret: keys.keySecret ?? undefined,
  });
  const metadata = new sdk.MetadataClient(client);
  const executor = new sdk.WorkflowExecutor(client);
  const rows: string[][] = [];
  try {
    await registerNotebookWorkflow(metadata, 'bench_trivial', notebook, { n: '${workflow.input.n}' });

    // nbclient baseline: `jupyter execute` once per notebook, in a loop (the notebook pre-parameterized).
    const prepared = path.join(work, 'trivial-prepared.ipynb');
    spawnSync(process.execPath, [
      path.join(root, 'bin', 'nbconductor.js'),
      'run',
      notebook,
      prepared,
      '--prepare-only',
      '-p',
      'n',
      '5',
    ]);
    const jupyter = path.join(venvPaths(path.join(root, '.venv')).binDir, 'jupyter');
    const t0 = Date.now();
    for (let i = 0; i < nbclientRuns; i++) {
      const r = spawnSync(jupyter, ['execute', prepared, `--output=nbclient-${i}`], { cwd: work });
      if (r.status !== 0) throw new Error(`jupyter execute failed: ${r.stderr.toString()}`);
    }
    const nbclientPerMin = (nbclientRuns / ((Date.now() - t0) / 1000)) * 60;
    rows.push([
      'nbclient loop (jupyter execute)',
      '1',
      String(nbclientRuns),
      `${nbclientPerMin.toFixed(1)}`,
      '1.0×',
      '–',
      '–',
    ]);

    for (const concurrency of [1, 2, 4]) {
      const config = compileConfig({
        env: { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'silent' },
        flags: {
          conductor: { serverUrl: engine.url, ...keys },
          kernel: { provider },
          worker: {
            outputRoot: path.join(work, `c${concurrency}`),
            concurrency,
            kernelPoolSize: concurrency,
            pollIntervalMs: 20,
            workerId: `bench-${concurrency}`,
          },
        },
      });
      const runtime = await startWorkerRuntime(config, logger, { cwd: root });
      await runtime.pool.warm();

      // Latency with a ready pooled kernel: one workflow at a time.
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const id = await executor.startWorkflow({ name: 'bench_trivial', input: { n: i } } as never);
        const task = await waitDone(executor, id);
        latencies.push(scheduleToFirstCell(task));
        await runtime.pool.warm();
      }

      // Throughput: a burst of workflows.
      const count = perSlot * concurrency;
      const started = Date.now();
      const ids = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          executor.startWorkflow({ name: 'bench_trivial', input: { n: i } } as never),
        ),
      );
      const tasks = await Promise.all(ids.map((id) => waitDone(executor, id)));
      const elapsedS = (Date.now() - started) / 1000;
      const failed = tasks.filter((t) => t.status !== 'COMPLETED').length;
      await runtime.stop();
      const perMin = (count / elapsedS) * 60;
      rows.push([
        `engine + worker (${provider} kernels, pool ${concurrency})`,
        String(concurrency),
        `${count}${failed ? ` (${failed} failed)` : ''}`,
        perMin.toFixed(1),
        `${(perMin / nbclientPerMin).toFixed(1)}×`,
        `${median(latencies).toFixed(0)} ms`,
        `${percentile(latencies, 100).toFixed(0)} ms`,
      ]);
    }
  } finally {
    client.stopBackgroundRefresh?.();
    await engine.stop();
    rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write('\nnotebook_run throughput, trivial notebook (3 cells, 1 parameter)\n');
  printTable(
    [
      'runner',
      'concurrency',
      'notebooks',
      'notebooks/min',
      'vs nbclient',
      'scheduled → first cell (median, pooled kernel)',
      'max',
    ],
    rows,
  );
}

async function waitDone(executor: InstanceType<Sdk['WorkflowExecutor']>, id: string): Promise<TaskView> {
  for (;;) {
    const wf = (await executor.getWorkflow(id, true)) as unknown as { status: string; tasks: TaskView[] };
    if (wf.status !== 'RUNNING') return wf.tasks[0] ?? { status: wf.status };
    await new Promise((r) => setTimeout(r, 20));
  }
}
