/**
 * `nbconductor run` vs `jupyter execute`, both as installed commands (the bin on the PATH, started through
 * its shebang: no npx, no wrapper), on a trivial notebook and on one printing 10,000 flushed lines.
 *
 *   npm run bench -- cli [--runs 5] [--traced 3]
 *
 * 1. Wall time of plain runs, the two commands alternating so that load on a shared machine hits both
 *    alike; the speed-up is the median of the back-to-back ratios.
 * 2. Where the time goes: instrumented runs (--traced, alternating), split into phases (nbconductor from its
 *    own debug log lines; jupyter execute from timestamps taken by patching nbclient in a wrapper), and CPU
 *    per process and thread (the client's main thread, its ZeroMQ I/O thread and the rest, read from /proc
 *    at exit; the kernel's is the process tree's, from GNU time, minus the client's). The client's CPU per
 *    iopub message is what the flushed-lines notebook costs it beyond the trivial one.
 * 3. The kernel's side of the flushed lines: the loop is timed inside the kernel, with the kernel's CPU per
 *    thread (main, IOPub, ZeroMQ I/O) during the loop: under each command (nbconductor also with the kernel
 *    over TCP, as jupyter execute reaches it, instead of Unix sockets), with nobody reading iopub, and with a
 *    bare ZeroMQ subscriber (over TCP) that only receives.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { packageRoot } from '../src/paths';
import { venvPaths } from '../src/python/venv';
import {
  bareReaderScript,
  JX_TRACE,
  kernelAloneScript,
  NODE_CPU_AT_EXIT,
  TIMED_LOOP,
  type LoopSample,
  type ThreadCpu,
} from './cli-probes';
import { arg, median, printTable } from './table';

const LINES = 10_000;

interface Case {
  name: string;
  /** The input notebook (a fixture, or one this bench writes). */
  notebook: (fixtures: string, work: string) => string;
  params: string[];
  /** Flushed lines the notebook prints (their loop is timed inside the kernel). */
  lines?: number;
}

function flushedLinesNotebook(work: string): string {
  const cell = (id: string, source: string, tags?: string[]) => ({
    cell_type: 'code',
    execution_count: null,
    id,
    metadata: tags ? { tags } : {},
    outputs: [],
    source,
  });
  const file = path.join(work, 'flushed-lines.ipynb');
  const nb = {
    cells: [cell('params', 'lines = 10\nflush = False', ['parameters']), cell('loop', TIMED_LOOP)],
    metadata: {
      kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
      language_info: { name: 'python' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

const CASES: Case[] = [
  {
    name: 'trivial 3-cell, 1 parameter',
    notebook: (fixtures) => path.join(fixtures, 'trivial.ipynb'),
    params: ['-p', 'n', '5'],
  },
  {
    name: `${LINES.toLocaleString('en')} flushed lines`,
    notebook: (_fixtures, work) => flushedLinesNotebook(work),
    params: ['-p', 'lines', String(LINES), '-p', 'flush', 'True'],
    lines: LINES,
  },
];

interface Done {
  wallMs: number;
  stderr: string;
  /** user+sys CPU of the command and its waited-on children (the kernel), from GNU time. */
  cpuMs: number;
}

/** Run a command to completion; wall time from spawn to exit. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Done> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      if (code === 0) resolve({ wallMs, stderr, cpuMs: NaN });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
    });
  });
}

/** The same under GNU time, for the CPU of the whole tree (the kernel is a waited-on child). */
async function runTimed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Done> {
  const done = await run('/usr/bin/time', ['-f', 'NBC_BENCH_TIME %U %S', cmd, ...args], cwd, env);
  const m = /NBC_BENCH_TIME ([\d.]+) ([\d.]+)\s*$/.exec(done.stderr);
  return { ...done, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

/** Phase boundaries, ms since the command was spawned. */
interface Trace {
  kernelLaunch: number;
  kernelReady: number;
  executed: number;
  savedAndStopped: number;
  exit: number;
}

/** One instrumented run: its phases, the client's CPU per thread and the kernel's (tree − client). */
interface Traced {
  phases: number[];
  wallMs: number;
  client: ThreadCpu;
  clientMs: number;
  kernelMs: number;
}

function jxTrace(file: string, spawnedAt: number, exitMs: number): Trace & { cpu: ThreadCpu } {
  const t = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number> & { cpu: ThreadCpu };
  const rel = (k: string): number => (t[k] ?? NaN) - spawnedAt;
  return {
    kernelLaunch: rel('kernelLaunch'),
    kernelReady: rel('kernelReady'),
    executed: rel('executed'),
    savedAndStopped: Math.max(rel('stopped'), rel('saved')),
    exit: exitMs,
    cpu: t.cpu,
  };
}

/** Phase boundaries from nbconductor's own debug lines (pino JSON on stderr). */
function nbcTrace(stderr: string, spawnedAt: number, exitMs: number): Trace {
  const at = new Map<string, number>();
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const rec = JSON.parse(line) as { msg?: string; time?: string };
    if (rec.msg && rec.time && !at.has(rec.msg)) at.set(rec.msg, Date.parse(rec.time) - spawnedAt);
  }
  const get = (msg: string): number => at.get(msg) ?? NaN;
  return {
    kernelLaunch: get('kernel process launched'),
    kernelReady: get('kernel ready'),
    executed: get('notebook executed'),
    savedAndStopped: get('output notebook saved'),
    exit: exitMs,
  };
}

function phases(t: Trace): number[] {
  return [
    t.kernelLaunch,
    t.kernelReady - t.kernelLaunch,
    t.executed - t.kernelReady,
    t.savedAndStopped - t.executed,
    t.exit - t.savedAndStopped,
  ];
}

const sumCpu = (c: ThreadCpu): number => c.main + c.zmq + (c.iopub ?? 0) + c.other;

/** In-kernel loop samples appended to `file` (one JSON line each), then the file is removed. */
function takeLoops(file: string): LoopSample[] {
  if (!existsSync(file)) return [];
  const loops = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const raw = JSON.parse(l) as { wallMs: number; cpu: Partial<ThreadCpu> };
      const c = raw.cpu;
      return {
        wallMs: raw.wallMs,
        cpu: { main: c.main ?? 0, iopub: c.iopub ?? 0, zmq: c.zmq ?? 0, other: c.other ?? 0 },
      };
    });
  rmSync(file);
  return loops;
}

/** Median of a field over samples, per element. */
const med = <T>(xs: T[], f: (x: T) => number): number => median(xs.map(f));
const ms = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)}` : '?');
const sec = (x: number): string => (x / 1000).toFixed(2);
const perLine = (totalMs: number, lines: number): string => `${((totalMs * 1000) / lines).toFixed(0)} µs`;

interface Tools {
  nbc: string;
  jx: string;
  python: string;
  work: string;
  env: NodeJS.ProcessEnv;
  loopFile: string;
}

async function tracedRuns(
  t: Tools,
  nbcArgs: (out: string) => string[],
  jxArgs: string[],
  count: number,
): Promise<{ jx: Traced[]; nbc: Traced[] }> {
  const traceFile = path.join(t.work, 'jx-trace.json');
  const cpuFile = path.join(t.work, 'nbc-cpu.json');
  const preload = path.join(t.work, 'cpu-at-exit.js');
  writeFileSync(preload, NODE_CPU_AT_EXIT);
  const out: { jx: Traced[]; nbc: Traced[] } = { jx: [], nbc: [] };
  for (let i = 0; i < count; i++) {
    const spawnedJx = Date.now();
    const jx = await runTimed(t.python, ['-c', JX_TRACE, ...jxArgs], t.work, {
      ...t.env,
      NBC_BENCH_TRACE: traceFile,
    });
    const jt = jxTrace(traceFile, spawnedJx, jx.wallMs);
    const jxCpu = jt.cpu;
    out.jx.push({
      phases: phases(jt),
      wallMs: jx.wallMs,
      client: jxCpu,
      clientMs: sumCpu(jxCpu),
      kernelMs: jx.cpuMs - sumCpu(jxCpu),
    });
    const spawnedNbc = Date.now();
    const nbc = await runTimed(
      t.nbc,
      [...nbcArgs(path.join(t.work, 'nbc-traced.ipynb')), '--log-level', 'debug'],
      t.work,
      { ...t.env, NODE_OPTIONS: `--require ${JSON.stringify(preload)}`, NBC_BENCH_CPU: cpuFile },
    );
    const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as ThreadCpu;
    out.nbc.push({
      phases: phases(nbcTrace(nbc.stderr, spawnedNbc, nbc.wallMs)),
      wallMs: nbc.wallMs,
      client: cpu,
      clientMs: sumCpu(cpu),
      kernelMs: nbc.cpuMs - sumCpu(cpu),
    });
    takeLoops(t.loopFile);
  }
  return out;
}

/** The loop with nobody reading iopub, then with a bare subscriber (`runs` loops each, one kernel each). */
function kernelAlone(t: Tools, runs: number): { none: LoopSample[]; bare: LoopSample[] } {
  const reader = path.join(t.work, 'bare-reader.js');
  writeFileSync(reader, bareReaderScript(require.resolve('zeromq')));
  const script = kernelAloneScript(LINES);
  const result = { none: [] as LoopSample[], bare: [] as LoopSample[] };
  for (const mode of ['none', 'bare'] as const) {
    const r = spawnSync(t.python, ['-c', script, mode, String(runs), reader], {
      env: t.env,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`kernel alone (${mode}) failed:\n${r.stderr.slice(-2000)}`);
    result[mode] = takeLoops(t.loopFile);
  }
  return result;
}

export async function benchCli(argv: string[]): Promise<void> {
  const runs = Number(arg(argv, '--runs', '5')) || 5;
  const traced = Number(arg(argv, '--traced', '3')) || 3;
  const root = packageRoot();
  const venv = venvPaths(path.join(root, '.venv'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-cli-'));
  const loopFile = path.join(work, 'loops.txt');
  const tools: Tools = {
    nbc: path.join(root, 'bin', 'nbconductor.js'),
    jx: path.join(path.dirname(venv.python), 'jupyter-execute'),
    python: venv.python,
    work,
    loopFile,
    env: {
      ...process.env,
      NBCONDUCTOR_LOG_LEVEL: 'warn',
      NBCONDUCTOR_LOG_FORMAT: 'json',
      PYDEVD_DISABLE_FILE_VALIDATION: '1',
      NBC_BENCH_LOOP_FILE: loopFile,
    },
  };
  const fixtures = path.join(root, 'test', 'fixtures', 'notebooks');
  const loadBefore = os.loadavg()[0] ?? NaN;
  const rows: string[][] = [];
  const breakdown: string[][] = [];
  const cpuRows: string[][] = [];
  const kernelRows: string[][] = [];
  /** Median client CPU per case and command, for the per-message cost. */
  const clientCpu = new Map<string, { jx: number; nbc: number }>();
  try {
    for (const c of CASES) {
      const input = c.notebook(fixtures, work);
      // jupyter execute cannot inject parameters: it runs the notebook nbconductor prepared.
      const prepared = path.join(work, `prepared-${path.basename(input)}`);
      const prep = spawnSync(tools.nbc, ['run', input, prepared, '--prepare-only', ...c.params], {
        env: tools.env,
        encoding: 'utf8',
      });
      if (prep.status !== 0) throw new Error(prep.stderr);
      const nbcArgs = (out: string): string[] => ['run', input, out, '--no-progress-bar', ...c.params];
      const jxArgs = [prepared, '--output=jx-out'];

      const ours: Done[] = [];
      const theirs: Done[] = [];
      const ratios: number[] = [];
      const loops = { ours: [] as LoopSample[], theirs: [] as LoopSample[], oursTcp: [] as LoopSample[] };
      const oursTcp: Done[] = [];
      for (let i = 0; i < runs; i++) {
        ours.push(await runTimed(tools.nbc, nbcArgs(path.join(work, 'nbc-out.ipynb')), work, tools.env));
        loops.ours.push(...takeLoops(loopFile));
        theirs.push(await runTimed(tools.jx, jxArgs, work, tools.env));
        loops.theirs.push(...takeLoops(loopFile));
        ratios.push((theirs.at(-1)?.wallMs ?? NaN) / (ours.at(-1)?.wallMs ?? NaN));
        if (c.lines) {
          // The same with the kernel over TCP, as jupyter execute talks to it (kernel.transport).
          const env = { ...tools.env, NBCONDUCTOR_KERNEL_TRANSPORT: 'tcp' };
          oursTcp.push(await runTimed(tools.nbc, nbcArgs(path.join(work, 'nbc-out.ipynb')), work, env));
          loops.oursTcp.push(...takeLoops(loopFile));
        }
      }
      const cpu = (d: Done[]): string => sec(med(d, (t) => t.cpuMs));
      rows.push([
        c.name,
        `${sec(med(theirs, (t) => t.wallMs))} s (cpu ${cpu(theirs)})`,
        `${sec(med(ours, (t) => t.wallMs))} s (cpu ${cpu(ours)})`,
        `${median(ratios).toFixed(2)}×`,
        `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×`,
      ]);

      const tr = await tracedRuns(tools, nbcArgs, jxArgs, traced);
      clientCpu.set(c.name, { jx: med(tr.jx, (t) => t.clientMs), nbc: med(tr.nbc, (t) => t.clientMs) });
      for (const [tool, samples] of [
        ['jupyter execute', tr.jx],
        ['nbconductor run', tr.nbc],
      ] as const) {
        const p = (i: number): number => med(samples, (s) => s.phases[i] ?? NaN);
        const exec = p(2);
        breakdown.push([
          c.name,
          tool,
          ms(p(0)),
          ms(p(1)),
          c.lines ? `${ms(exec)} (${perLine(exec, c.lines)}/line)` : ms(exec),
          ms(p(3)),
          ms(p(4)),
          ms(med(samples, (s) => s.wallMs)),
        ]);
        cpuRows.push([
          c.name,
          tool,
          ms(med(samples, (s) => s.client.main)),
          ms(med(samples, (s) => s.client.zmq)),
          ms(med(samples, (s) => s.client.other)),
          ms(med(samples, (s) => s.clientMs)),
          ms(med(samples, (s) => s.kernelMs)),
        ]);
      }

      if (c.lines) {
        const alone = kernelAlone(tools, runs);
        for (const [who, l] of [
          ['nobody reading (jupyter_client, iopub closed)', alone.none],
          ['a bare ZeroMQ subscriber (TCP, receive only, Node)', alone.bare],
          ['jupyter execute', loops.theirs],
          ['nbconductor run (Unix sockets)', loops.ours],
          [`nbconductor run, kernel over TCP (run: ${sec(med(oursTcp, (t) => t.wallMs))} s)`, loops.oursTcp],
        ] as const) {
          const wall = med(l, (s) => s.wallMs);
          const k = (f: (x: ThreadCpu) => number): string =>
            perLine(
              med(l, (s) => f(s.cpu)),
              c.lines ?? 1,
            );
          kernelRows.push([
            who,
            `${ms(wall)} ms (${perLine(wall, c.lines)})`,
            k((x) => x.main),
            k((x) => x.iopub ?? 0),
            k((x) => x.zmq),
            k((x) => x.other),
            k(sumCpu),
            String(l.length),
          ]);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const cores = os.cpus().length;
  process.stdout.write(
    `\nnbconductor run vs jupyter execute, installed commands, ${runs} alternating runs each ` +
      `(1-min load average ${loadBefore.toFixed(2)} before, ${(os.loadavg()[0] ?? NaN).toFixed(2)} after; ${cores} cores)\n`,
  );
  printTable(['notebook', 'jupyter execute', 'nbconductor run', 'speed-up (median)', 'range'], rows);
  process.stdout.write(`\nwhere the time goes (ms; median of ${traced} instrumented runs each)\n`);
  printTable(
    [
      'notebook',
      'command',
      'start → kernel launched',
      'kernel start',
      'execution',
      'save + kernel stop',
      'exit',
      'total',
    ],
    breakdown,
  );
  process.stdout.write(
    '\nstart → kernel launched: interpreter start-up, imports, reading the notebook. kernel start: launch until\n' +
      'the kernel answers kernel_info. execution: all cells until the last reply. save + kernel stop: nbconductor\n' +
      'does both at once, nbclient one after the other. exit: until the process is gone.\n',
  );
  process.stdout.write('\nCPU time (ms; median of the instrumented runs)\n');
  printTable(
    [
      'notebook',
      'command',
      'client main thread',
      'client ZeroMQ I/O',
      'client other threads',
      'client total',
      'kernel (tree − client)',
    ],
    cpuRows,
  );
  process.stdout.write(
    "client: the command's own process (jupyter execute's ZeroMQ threads have ended by the time it exits, so\n" +
      "their CPU is in its 'other threads'); kernel: everything else GNU time counted for the command's tree.\n",
  );
  const [base, chatty] = CASES;
  const b = base && clientCpu.get(base.name);
  const f = chatty && clientCpu.get(chatty.name);
  if (b && f) {
    process.stdout.write(
      `\nclient CPU per iopub message (the flushed-lines run minus the trivial one, over ${LINES.toLocaleString('en')} messages): ` +
        `jupyter execute ${perLine(f.jx - b.jx, LINES)}, nbconductor run ${perLine(f.nbc - b.nbc, LINES)}\n`,
    );
  }
  if (kernelRows.length > 0) {
    process.stdout.write(
      `\nthe kernel printing ${LINES.toLocaleString('en')} flushed lines: loop timed inside the kernel, and the kernel's CPU per line by thread during it (median)\n`,
    );
    printTable(
      ['iopub read by', 'loop', 'main', 'IOPub', 'ZeroMQ I/O', 'other', 'kernel CPU', 'samples'],
      kernelRows,
    );
    process.stdout.write(
      '\nEach flushed print makes ipykernel hand the line to its IOPub thread (through an in-process ZeroMQ pipe)\n' +
        'and wait until that thread has built, signed and sent the message; the IOPub thread is Python, and its\n' +
        'cost per message bounds this notebook for every reader. With nobody subscribed the PUB socket drops each\n' +
        'message at once; any reader adds the sending (ZeroMQ I/O thread) and competes for the cores.\n',
    );
  }
}
