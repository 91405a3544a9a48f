/**
 * `nbconductor run` vs nbclient (`jupyter execute`, papermill's engine) on the same notebooks, end to end
 * as a user runs them from a shell. Prints median wall time and peak RSS (GNU time's %M: the largest
 * resident set of the command's process tree member — the driver or its kernel).
 *
 *   npm run bench -- notebook [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startJupyterServer } from '../src/kernel/jupyter-server/server-process';
import { silentLogger } from '../src/log';
import { packageRoot } from '../src/paths';
import { venvPaths } from '../src/python/venv';
import { median, printTable } from './table';

interface Sample {
  wallS: number;
  rssMb: number;
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

function timed(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [wall, rssKb] = last.split(' ').map(Number);
  return { wallS: wall ?? NaN, rssMb: (rssKb ?? NaN) / 1024 };
}

function summarize(samples: Sample[]): { wall: number; rss: number } {
  return { wall: median(samples.map((s) => s.wallS)), rss: Math.max(...samples.map((s) => s.rssMb)) };
}

export async function benchNotebook(argv: string[]): Promise<void> {
  const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 5) || 5;
  const root = packageRoot();
  const venv = venvPaths(path.join(root, '.venv'));
  const bin = path.join(root, 'bin', 'nbconductor.js');
  const fixtures = path.join(root, 'test', 'fixtures', 'notebooks');
  const work = mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-nb-'));
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
        local.push(
          timed(process.execPath, [bin, 'run', input, out, '--no-progress-bar', ...c.params], work, env),
        );
        outSize = statSync(out).size;
        viaServer.push(
          timed(
            process.execPath,
            [
              bin,
              'run',
              input,
              path.join(work, `out-server-${i}.ipynb`),
              '--no-progress-bar',
              '--jupyter-url',
              server.url,
              '--jupyter-token',
              server.token,
              ...c.params,
            ],
            work,
            env,
          ),
        );
        nbclient.push(
          timed(
            path.join(venv.binDir, 'jupyter'),
            ['execute', prepared, `--output=nbclient-out-${i}`],
            work,
            env,
          ),
        );
      }
      const l = summarize(local);
      const s = summarize(viaServer);
      const n = summarize(nbclient);
      rows.push([
        c.name,
        `${(outSize / 1e6).toFixed(2)} MB`,
        `${n.wall.toFixed(2)} s / ${n.rss.toFixed(0)} MB`,
        `${l.wall.toFixed(2)} s / ${l.rss.toFixed(0)} MB`,
        `${(n.wall / l.wall).toFixed(2)}×`,
        `${s.wall.toFixed(2)} s / ${s.rss.toFixed(0)} MB`,
        `${(n.wall / s.wall).toFixed(2)}×`,
      ]);
    }
  } finally {
    await server.stop();
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(
    `\nnbconductor run vs jupyter execute (nbclient): median of ${runs} runs, wall time / peak RSS\n`,
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
    ],
    rows,
  );
}
