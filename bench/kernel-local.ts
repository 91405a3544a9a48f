/**
 * Benchmark of the `local` kernel provider (no server, ZeroMQ): kernel start → ready, trivial-cell round
 * trip (reply + iopub idle), kernel_info round trip, shutdown, and N kernels started concurrently.
 *
 *   npm run build && node dist/bench/kernel-local.js [--starts 5] [--cells 50] [--concurrent 4]
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { createLocalKernelProvider } from '../src/kernel/local/provider';
import { silentLogger } from '../src/log';
import { packageRoot } from '../src/paths';
import { venvPaths } from '../src/python/venv';

interface Row {
  metric: string;
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

function row(metric: string, samples: number[]): Row {
  const s = [...samples].sort((a, b) => a - b);
  return {
    metric,
    n: s.length,
    median: quantile(s, 0.5),
    p95: quantile(s, 0.95),
    min: s[0] ?? NaN,
    max: s.at(-1) ?? NaN,
  };
}

function printTable(rows: Row[]): void {
  const header = ['metric', 'n', 'median ms', 'p95 ms', 'min ms', 'max ms'];
  const cells = rows.map((r) => [
    r.metric,
    String(r.n),
    ...[r.median, r.p95, r.min, r.max].map((v) => v.toFixed(1)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
}

async function main(): Promise<void> {
  const starts = arg('starts', 5);
  const cells = arg('cells', 50);
  const concurrent = arg('concurrent', 4);
  const venv = venvPaths(path.join(packageRoot(), '.venv'));
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (typeof v === 'string') baseEnv[k] = v;
  const logger = silentLogger();
  const provider = createLocalKernelProvider({
    jupyterPath: [],
    userDataDir: path.join(os.tmpdir(), 'nbc-bench-no-user-kernels'),
    envPrefixes: [venv.prefix],
    systemDirs: [],
    baseEnv,
    logger,
  });
  const start = { kernelName: 'python3', startTimeoutMs: 120_000, logger };

  const startMs: number[] = [];
  const cellMs: number[] = [];
  const infoMs: number[] = [];
  const shutdownMs: number[] = [];
  try {
    for (let i = 0; i < starts; i++) {
      let t = performance.now();
      const session = await provider.startKernel(start);
      startMs.push(performance.now() - t);
      if (i === 0) {
        await session.execute({ code: '0' }); // warm-up
        for (let c = 0; c < cells; c++) {
          t = performance.now();
          await session.execute({ code: '1' });
          cellMs.push(performance.now() - t);
        }
      }
      t = performance.now();
      await session.shutdown();
      shutdownMs.push(performance.now() - t);
    }
    // The protocol floor: a silent request has no outputs, but still waits for reply + iopub idle.
    const session = await provider.startKernel(start);
    for (let c = 0; c < cells; c++) {
      const t = performance.now();
      await session.execute({ code: 'pass', silent: true, store_history: false });
      infoMs.push(performance.now() - t);
    }
    await session.shutdown();

    const t0 = performance.now();
    const many = await Promise.all(Array.from({ length: concurrent }, () => provider.startKernel(start)));
    const allReady = performance.now() - t0;
    await Promise.all(many.map((s) => s.shutdown()));

    process.stdout.write(
      `local kernel provider (ZeroMQ), ${os.cpus().length} CPUs, node ${process.version}\n\n`,
    );
    printTable([
      row('kernel start -> ready', startMs),
      row(`trivial cell round trip ("1")`, cellMs),
      row('silent "pass" round trip', infoMs),
      row('shutdown -> process exit', shutdownMs),
      row(`${concurrent} kernels started at once -> all ready`, [allReady]),
    ]);
  } finally {
    await provider.dispose();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
