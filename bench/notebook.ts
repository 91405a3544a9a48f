/**
 * `nbconductor run` vs nbclient (`jupyter execute`, papermill's engine) on the same notebooks, end to end
 * as a user runs them from a shell. Prints median wall time and peak RSS (GNU time's %M: the largest
 * resident set of the command's process tree member — the driver or its kernel).
 *
 *   npm run bench -- notebook [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startJupyterServer } from '../src/kernel/jupyter-server/server-process';
import { silentLogger } from '../src/log';
import { packageRoot } from '../src/paths';
import { venvPaths } from '../src/python/venv';
import { median, printTable } from './table';

interface Sample {
  wallS: number;
  /** Peak RSS over the process tree (GNU time). */
  rssMb: number;
  /** Peak RSS of the driver process alone. */
  selfMb: number;
}

interface Case {
  name: string;
  fixture: string;
  params: string[];
}

const CASES: Case[] = [
  { name: 'trivial 3-cell, 1 parameter', fixture: 'trivial', params: ['-p', 'n', '5'] },
  { name: 'print 10,000 lines', fixture: 'print-lines', params: ['-p', 'lines', '10000'] },
  {
    name: 'print 10,000 flushed lines',
    fixture: 'print-lines',
    params: ['-p', 'lines', '10000', '-p', 'flush', 'True'],
  },
  { name: '20 MB output', fixture: 'huge-output', params: ['-p', 'size_mb', '20'] },
];

/**
 * Runs a command under GNU time (wall time, peak RSS of the whole process tree: driver and kernel) and,
 * through `selfRss`, reads the driver process's own peak RSS (the memory goal is about our process).
 */
function timed(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  selfRssFile: string,
): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], {
    cwd,
    env: { ...env, NBC_BENCH_RSS_FILE: selfRssFile },
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [wall, rssKb] = last.split(' ').map(Number);
  const selfKb = Number(readFileSync(selfRssFile, 'utf8'));
  return { wallS: wall ?? NaN, rssMb: (rssKb ?? NaN) / 1024, selfMb: selfKb / 1024 };
}

/** Preload for node: write this process's peak RSS (KiB) at exit. */
const NODE_PRELOAD = `process.on('exit', () => require('fs').writeFileSync(process.env.NBC_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));`;
/** The same for `jupyter execute` (nbclient), run in-process. */
const PY_WRAPPER = [
  'import atexit, os, resource, sys',
  "atexit.register(lambda: open(os.environ['NBC_BENCH_RSS_FILE'], 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))",
  'from nbclient.cli import main',
  "sys.argv = ['jupyter-execute'] + sys.argv[1:]",
  'main()',
].join('\n');

function summarize(samples: Sample[]): { wall: number; rss: number; self: number } {
  return {
    wall: median(samples.map((s) => s.wallS)),
    rss: Math.max(...samples.map((s) => s.rssMb)),
    self: Math.max(...samples.map((s) => s.selfMb)),
  };
}

export async function benchNotebook(argv: string[]): Promise<void> {
  const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 5) || 5;
  const root = packageRoot();
  const venv = venvPaths(path.join(root, '.venv'));
  const bin = path.join(root, 'bin', 'nbconductor.js');
  const fixtures = path.join(root, 'test', 'fixtures', 'notebooks');
  const work = mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-nb-'));
  const preload = path.join(work, 'rss-preload.js');
  writeFileSync(preload, NODE_PRELOAD);
  const rssFile = path.join(work, 'rss');
  const env = { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'warn', PYDEVD_DISABLE_FILE_VALIDATION: '1' };
  const server = await startJupyterServer({
    python: venv.python,
    rootDir: '/',
    baseEnv: env,
    logger: silentLogger(),
  });
  const rows: string[][] = [];
  try {
    for (const c of CASES) {
      // nbclient gets the same notebook with the parameters already injected (it cannot inject them).
      const prepared = path.join(work, `${c.fixture}-${rows.length}-prepared.ipynb`);
      const prep = spawnSync(
        process.execPath,
        [bin, 'run', path.join(fixtures, `${c.fixture}.ipynb`), prepared, '--prepare-only', ...c.params],
        { env, encoding: 'utf8' },
      );
      if (prep.status !== 0) throw new Error(prep.stderr);
      const input = path.join(fixtures, `${c.fixture}.ipynb`);
      const local: Sample[] = [];
      const viaServer: Sample[] = [];
      const nbclient: Sample[] = [];
      let outSize = 0;
      for (let i = 0; i < runs; i++) {
        const out = path.join(work, `out-local-${i}.ipynb`);
        const ours = (output: string, extra: string[] = []): string[] => [
          '-r',
          preload,
          bin,
          'run',
          input,
          output,
          '--no-progress-bar',
          ...extra,
          ...c.params,
        ];
        local.push(timed(process.execPath, ours(out), work, env, rssFile));
        outSize = statSync(out).size;
        const remote = ['--jupyter-url', server.url, '--jupyter-token', server.token];
        viaServer.push(
          timed(process.execPath, ours(path.join(work, `out-server-${i}.ipynb`), remote), work, env, rssFile),
        );
        nbclient.push(
          timed(venv.python, ['-c', PY_WRAPPER, prepared, `--output=nbclient-out-${i}`], work, env, rssFile),
        );
      }
      const l = summarize(local);
      const s = summarize(viaServer);
      const n = summarize(nbclient);
      rows.push([
        c.name,
        `${(outSize / 1e6).toFixed(2)} MB`,
        `${n.wall.toFixed(2)} s / ${n.self.toFixed(0)} (${n.rss.toFixed(0)}) MB`,
        `${l.wall.toFixed(2)} s / ${l.self.toFixed(0)} (${l.rss.toFixed(0)}) MB`,
        `${(n.wall / l.wall).toFixed(2)}×`,
        `${s.wall.toFixed(2)} s / ${s.self.toFixed(0)} (${s.rss.toFixed(0)}) MB`,
        `${(n.wall / s.wall).toFixed(2)}×`,
        `${((2 * outSize) / 1e6 + 100).toFixed(0)} MB`,
      ]);
    }
  } finally {
    await server.stop();
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nnbconductor run vs jupyter execute (nbclient), median of ${runs} runs: wall time / peak RSS of the driver process (whole process tree in parentheses)\n`,
  );
  printTable(
    [
      'notebook',
      'output',
      'nbclient',
      'nbconductor local',
      'speed-up',
      'nbconductor jupyter-server (running)',
      'speed-up',
      'RSS goal (2×output+100 MB)',
    ],
    rows,
  );
}
