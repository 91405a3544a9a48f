/**
 * Benchmark of the jupyter-server kernel provider, with and without the TCP_NODELAY server config:
 * server spawn → /api/status 200, kernel start → kernel_info reply, and the round trip of a trivial cell
 * (execute_request → execute_reply + iopub idle), median and p95 over 50 executions.
 *
 *   npm run build && node dist/bench/kernel-jupyter-server.js [--runs 50] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { createJupyterServerKernelProvider } from '../src/kernel/jupyter-server/provider';
import { startJupyterServer } from '../src/kernel/jupyter-server/server-process';
import { silentLogger } from '../src/log';
import { packageRoot } from '../src/paths';
import { venvPaths } from '../src/python/venv';

interface Round {
  serverReadyMs: number;
  kernelReadyMs: number;
  cellMs: number[];
}

interface Row {
  config: string;
  serverReadyMs: number;
  kernelReadyMs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const median = (xs: number[]): number =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** One fresh server, one kernel, `runs` trivial cells. */
async function round(nodelay: boolean, runs: number, rootDir: string): Promise<Round> {
  const logger = silentLogger();
  const python = venvPaths(path.join(packageRoot(), '.venv')).python;
  const t0 = performance.now();
  const server = await startJupyterServer({ python, rootDir, baseEnv: process.env, logger, nodelay });
  const serverReadyMs = performance.now() - t0;
  const provider = createJupyterServerKernelProvider({ url: server.url, token: server.token, logger });
  try {
    const t1 = performance.now();
    const kernel = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: 60_000, logger });
    const kernelReadyMs = performance.now() - t1;
    for (let i = 0; i < 5; i++) await kernel.execute({ code: '1' }); // warm-up
    const cellMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const reply = await kernel.execute({ code: '1' });
      cellMs.push(performance.now() - t);
      if (reply.content.status !== 'ok') throw new Error(`cell failed: ${JSON.stringify(reply.content)}`);
    }
    await kernel.shutdown();
    return { serverReadyMs, kernelReadyMs, cellMs };
  } finally {
    await provider.dispose();
    await server.stop();
  }
}

function summarise(config: string, rounds: Round[]): Row {
  const cells = rounds.flatMap((r) => r.cellMs).sort((a, b) => a - b);
  return {
    config,
    serverReadyMs: median(rounds.map((r) => r.serverReadyMs)),
    kernelReadyMs: median(rounds.map((r) => r.kernelReadyMs)),
    medianMs: quantile(cells, 0.5),
    p95Ms: quantile(cells, 0.95),
    minMs: cells[0] ?? NaN,
    maxMs: cells.at(-1) ?? NaN,
  };
}

function table(rows: Row[], runs: number): string {
  // server/kernel columns: median over rounds; cell columns: over all cells of all rounds.
  const header = [
    'server config',
    'server start→ready',
    'kernel start→ready',
    `cell median (${runs}/round)`,
    'cell p95',
    'cell min',
    'cell max',
  ];
  const body = rows.map((r) => [
    r.config,
    `${r.serverReadyMs.toFixed(0)} ms`,
    `${r.kernelReadyMs.toFixed(0)} ms`,
    `${r.medianMs.toFixed(1)} ms`,
    `${r.p95Ms.toFixed(1)} ms`,
    `${r.minMs.toFixed(1)} ms`,
    `${r.maxMs.toFixed(1)} ms`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const runs = arg('--runs', 50);
  const rounds = arg('--rounds', 3);
  const rootDir = await mkdtemp(path.join(os.tmpdir(), 'nbc-bench-jupyter-'));
  try {
    const stock: Round[] = [];
    const nodelay: Round[] = [];
    // Interleaved, so machine load drifts affect both configurations alike.
    for (let i = 0; i < rounds; i++) {
      stock.push(await round(false, runs, rootDir));
      nodelay.push(await round(true, runs, rootDir));
    }
    const rows = [summarise('stock (Nagle on)', stock), summarise('TCP_NODELAY (default)', nodelay)];
    console.log(`jupyter-server kernel provider: ${rounds} rounds per configuration, a fresh server each`);
    console.log(`(${os.cpus().length} cores, Node ${process.version})\n`);
    console.log(table(rows, runs));
  } finally {
    await rm(rootDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
