/**
 * `nbconductor run` vs `jupyter execute`, both as installed commands (the bin on the PATH, started through
 * its shebang: no npx, no wrapper), on a trivial notebook and on one printing 10,000 flushed lines.
 *
 *   npm run bench -- cli [--runs 5]
 *
 * 1. Wall time of plain runs, the two commands alternating so that load on a shared machine hits both
 *    alike; the speed-up is the median of the back-to-back ratios.
 * 2. Where the time goes: one instrumented run per command and case, split into phases (nbconductor from
 *    its own debug log lines; jupyter execute from timestamps taken by patching nbclient in a wrapper).
 * 3. The kernel's share of the flushed lines: the loop is timed inside the kernel, under each command and
 *    with nobody reading iopub at all.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { packageRoot } from '../src/paths';
import { venvPaths } from '../src/python/venv';
import { median, printTable } from './table';

const LINES = 10_000;

interface Case {
  name: string;
  /** The input notebook (a fixture, or one this bench writes). */
  notebook: (fixtures: string, work: string) => string;
  params: string[];
  /** Flushed lines the notebook prints (their loop is timed inside the kernel). */
  lines?: number;
}

/**
 * test/fixtures/notebooks/print-lines.ipynb's loop, timed inside the kernel: the seconds it took are
 * appended to the file named by NBC_BENCH_LOOP_FILE (the kernel inherits the command's environment).
 */
const TIMED_LOOP = [
  'import os, time',
  't0 = time.perf_counter()',
  'for i in range(lines):',
  "    print(f'line {i}', flush=flush)",
  "open(os.environ['NBC_BENCH_LOOP_FILE'], 'a').write(f'{time.perf_counter() - t0}\\n')",
].join('\n');

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

/**
 * The kernel alone: the same loop with nobody reading iopub (jupyter_client with its iopub channel
 * closed, so ipykernel's PUB socket drops the messages), run argv[1] times in one kernel.
 */
const KERNEL_ALONE = [
  'import sys',
  'from jupyter_client.manager import start_new_kernel',
  "km, kc = start_new_kernel(kernel_name='python3')",
  'kc.iopub_channel.stop()',
  'kc.iopub_channel.close()',
  `code = ${JSON.stringify(`lines = ${LINES}\nflush = True\n${TIMED_LOOP}`)}`,
  'for _ in range(int(sys.argv[1])):',
  '    kc.execute(code)',
  '    kc.get_shell_msg(timeout=300)',
  'km.shutdown_kernel(now=False)',
].join('\n');

/** nbclient's CLI with timestamps at the phase boundaries (written as JSON to NBC_BENCH_TRACE at exit). */
const JX_TRACE = `
import atexit, json, os, sys, time
T = {}
def mark(k):
    T.setdefault(k, time.time() * 1000)
from nbclient.cli import main
from nbclient import client as C
import nbformat
def wrap(name, before=None, after=None):
    orig = getattr(C.NotebookClient, name)
    async def f(self, *a, **k):
        if before: mark(before)
        r = await orig(self, *a, **k)
        if after: mark(after)
        return r
    setattr(C.NotebookClient, name, f)
wrap('async_start_new_kernel', before='kernelLaunch')
wrap('async_start_new_kernel_client', after='kernelReady')
wrap('_async_cleanup_kernel', before='executed', after='stopped')
write = nbformat.write
def traced_write(*a, **k):
    r = write(*a, **k)
    mark('saved')
    return r
nbformat.write = traced_write
atexit.register(lambda: open(os.environ['NBC_BENCH_TRACE'], 'w').write(json.dumps(T)))
sys.argv = ['jupyter-execute'] + sys.argv[1:]
sys.exit(main())
`;

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

function jxTrace(file: string, spawnedAt: number, exitMs: number): Trace {
  const t = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  const rel = (k: string): number => (t[k] ?? NaN) - spawnedAt;
  return {
    kernelLaunch: rel('kernelLaunch'),
    kernelReady: rel('kernelReady'),
    executed: rel('executed'),
    savedAndStopped: Math.max(rel('stopped'), rel('saved')),
    exit: exitMs,
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

/** In-kernel loop times (s) appended to `file`, then the file is removed. */
function takeLoops(file: string): number[] {
  if (!existsSync(file)) return [];
  const loops = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  rmSync(file);
  return loops;
}

const ms = (x: number): string => (Number.isFinite(x) ? `${Math.round(x)}` : '?');
const sec = (x: number): string => (x / 1000).toFixed(2);
const perLine = (totalMs: number, lines: number): string => `${((totalMs * 1000) / lines).toFixed(0)} µs`;

export async function benchCli(argv: string[]): Promise<void> {
  const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 5) || 5;
  const root = packageRoot();
  const venv = venvPaths(path.join(root, '.venv'));
  const nbc = path.join(root, 'bin', 'nbconductor.js');
  const jx = path.join(path.dirname(venv.python), 'jupyter-execute');
  const fixtures = path.join(root, 'test', 'fixtures', 'notebooks');
  const work = mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-cli-'));
  const loopFile = path.join(work, 'loops.txt');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NBCONDUCTOR_LOG_LEVEL: 'warn',
    NBCONDUCTOR_LOG_FORMAT: 'json',
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    NBC_BENCH_LOOP_FILE: loopFile,
  };
  const loadBefore = os.loadavg()[0] ?? NaN;
  const rows: string[][] = [];
  const breakdown: string[][] = [];
  const kernelRows: string[][] = [];
  try {
    for (const c of CASES) {
      const input = c.notebook(fixtures, work);
      // jupyter execute cannot inject parameters: it runs the notebook nbconductor prepared.
      const prepared = path.join(work, `prepared-${path.basename(input)}`);
      const prep = spawnSync(nbc, ['run', input, prepared, '--prepare-only', ...c.params], {
        env,
        encoding: 'utf8',
      });
      if (prep.status !== 0) throw new Error(prep.stderr);
      const nbcArgs = (out: string): string[] => ['run', input, out, '--no-progress-bar', ...c.params];
      const jxArgs = [prepared, '--output=jx-out'];

      const ours: Done[] = [];
      const theirs: Done[] = [];
      const ratios: number[] = [];
      const loops = { ours: [] as number[], theirs: [] as number[] };
      for (let i = 0; i < runs; i++) {
        ours.push(await runTimed(nbc, nbcArgs(path.join(work, 'nbc-out.ipynb')), work, env));
        loops.ours.push(...takeLoops(loopFile));
        theirs.push(await runTimed(jx, jxArgs, work, env));
        loops.theirs.push(...takeLoops(loopFile));
        ratios.push((theirs.at(-1)?.wallMs ?? NaN) / (ours.at(-1)?.wallMs ?? NaN));
      }
      const cpu = (d: Done[]): string => sec(median(d.map((t) => t.cpuMs)));
      rows.push([
        c.name,
        `${sec(median(theirs.map((t) => t.wallMs)))} s (cpu ${cpu(theirs)})`,
        `${sec(median(ours.map((t) => t.wallMs)))} s (cpu ${cpu(ours)})`,
        `${median(ratios).toFixed(2)}×`,
        `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×`,
      ]);

      // Instrumented runs: one each, back to back.
      const traceFile = path.join(work, 'jx-trace.json');
      const spawnedJx = Date.now();
      const tracedJx = await run(venv.python, ['-c', JX_TRACE, ...jxArgs], work, {
        ...env,
        NBC_BENCH_TRACE: traceFile,
      });
      const spawnedNbc = Date.now();
      const nbcOut = path.join(work, 'nbc-traced.ipynb');
      const tracedNbc = await run(nbc, [...nbcArgs(nbcOut), '--log-level', 'debug'], work, env);
      takeLoops(loopFile);
      for (const [tool, p, wall] of [
        ['jupyter execute', phases(jxTrace(traceFile, spawnedJx, tracedJx.wallMs)), tracedJx.wallMs],
        [
          'nbconductor run',
          phases(nbcTrace(tracedNbc.stderr, spawnedNbc, tracedNbc.wallMs)),
          tracedNbc.wallMs,
        ],
      ] as const) {
        const exec = p[2] ?? NaN;
        const execText = c.lines ? `${ms(exec)} (${perLine(exec, c.lines)}/line)` : ms(exec);
        breakdown.push([
          c.name,
          tool,
          ms(p[0] ?? NaN),
          ms(p[1] ?? NaN),
          execText,
          ms(p[3] ?? NaN),
          ms(p[4] ?? NaN),
          ms(wall),
        ]);
      }

      if (c.lines) {
        spawnSync(venv.python, ['-c', KERNEL_ALONE, String(runs)], { env, encoding: 'utf8' });
        const alone = takeLoops(loopFile);
        for (const [who, l] of [
          ['nobody reading iopub (jupyter_client, iopub closed)', alone],
          ['read by jupyter execute', loops.theirs],
          ['read by nbconductor run', loops.ours],
        ] as const) {
          const m = median(l) * 1000;
          kernelRows.push([c.name, who, `${ms(m)} ms`, perLine(m, c.lines), String(l.length)]);
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
  process.stdout.write('\nwhere the time goes (ms; one instrumented run each)\n');
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
  if (kernelRows.length > 0) {
    process.stdout.write(
      '\nthe kernel side: ipykernel printing the flushed lines, loop timed inside the kernel (median)\n',
    );
    printTable(['notebook', 'iopub', 'loop', 'per line', 'samples'], kernelRows);
    process.stdout.write(
      '\nEach flushed print makes ipykernel hand the line to its IOPub thread and wait for it to be sent (one\n' +
        'message per line); that cost is the same whoever reads iopub, and bounds the speed-up for this notebook.\n',
    );
  }
}
