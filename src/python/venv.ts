/**
 * The project's Python environment (`.venv/` from requirements.txt), created when missing and refreshed
 * when stale. Stale = the stamp (hash of requirements.txt + base interpreter version) differs. A lock
 * directory serialises concurrent setups (parallel test workers, a CLI and a test run).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { NbcError } from '../errors';
import type { Logger } from '../log';

export interface PythonEnvOptions {
  venvDir: string;
  requirementsFile: string;
  /** Interpreter used to create the venv (3.10+). */
  basePython: string;
  /** Environment for pip and python subprocesses. */
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  signal?: AbortSignal;
}

export interface PythonEnv {
  prefix: string;
  binDir: string;
  python: string;
}

const STAMP_FILE = '.nbconductor-stamp';
const LOCK_STALE_MS = 15 * 60_000;

export function venvPaths(venvDir: string): PythonEnv {
  const binDir = process.platform === 'win32' ? path.join(venvDir, 'Scripts') : path.join(venvDir, 'bin');
  const python = path.join(binDir, process.platform === 'win32' ? 'python.exe' : 'python');
  return { prefix: venvDir, binDir, python };
}

async function expectedStamp(options: PythonEnvOptions): Promise<string> {
  const requirements = await readFile(options.requirementsFile, 'utf8').catch((err: unknown) => {
    throw new NbcError('E_CONFIG', `cannot read ${options.requirementsFile}: ${String(err)}`, {
      uri: options.requirementsFile,
    });
  });
  return createHash('sha256').update(requirements).digest('hex');
}

/** True when the venv exists and matches requirements.txt (cheap: two small file reads). */
export async function isVenvFresh(options: PythonEnvOptions): Promise<boolean> {
  const env = venvPaths(options.venvDir);
  if (!existsSync(env.python)) return false;
  const stamp = await readFile(path.join(options.venvDir, STAMP_FILE), 'utf8').catch(() => '');
  return stamp.trim() === (await expectedStamp(options));
}

function run(
  cmd: string,
  args: string[],
  options: PythonEnvOptions,
  extraEnv: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...options.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) =>
      reject(new NbcError('E_CONFIG', `cannot run ${cmd}: ${e.message}`, { field: 'python' }, { cause: e })),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else {
        const tail = err
          .split('\n')
          .filter((l) => l.trim() && !l.includes('is ignored'))
          .slice(-15)
          .join('\n');
        reject(
          new NbcError('E_CONFIG', `${path.basename(cmd)} ${args.join(' ')} failed (exit ${code}):\n${tail}`),
        );
      }
    });
  });
}

async function withLock<T>(lockDir: string, logger: Logger, fn: () => Promise<T>): Promise<T> {
  for (let waited = 0; ; waited += 250) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const info = await stat(lockDir).catch(() => null);
      if (info && Date.now() - info.mtimeMs > LOCK_STALE_MS) {
        await rmdir(lockDir).catch(() => undefined);
        continue;
      }
      if (waited % 10_000 === 0) logger.info({ lockDir }, 'waiting for another Python setup to finish');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(lockDir).catch(() => undefined);
  }
}

/** Create or refresh the venv so that it matches requirements.txt; returns its interpreter paths. */
export async function ensureVenv(options: PythonEnvOptions): Promise<PythonEnv> {
  const env = venvPaths(options.venvDir);
  if (await isVenvFresh(options)) return env;
  const lockDir = `${options.venvDir}.lock`;
  return withLock(lockDir, options.logger, async () => {
    if (await isVenvFresh(options)) return env; // someone else finished it while we waited
    const stamp = await expectedStamp(options);
    const started = Date.now();
    if (!existsSync(env.python)) {
      const version = await run(
        options.basePython,
        ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
        options,
      );
      const [major, minor] = version.trim().split('.').map(Number);
      if (major !== 3 || (minor ?? 0) < 10) {
        throw new NbcError(
          'E_CONFIG',
          `Python 3.10+ is required, ${options.basePython} is ${version.trim()}`,
          {
            field: 'python.basePython',
          },
        );
      }
      options.logger.info({ venv: options.venvDir }, 'creating Python virtual environment');
      await rm(options.venvDir, { recursive: true, force: true });
      await run(options.basePython, ['-m', 'venv', options.venvDir], options);
    }
    options.logger.info(
      { requirements: options.requirementsFile },
      'installing Python requirements (one-time)',
    );
    // pip may try an unreachable default index first; without retries it fails over at once.
    await run(
      env.python,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', options.requirementsFile],
      options,
      { PIP_RETRIES: options.env.PIP_RETRIES ?? '0', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    );
    await writeFile(path.join(options.venvDir, STAMP_FILE), `${stamp}\n`);
    options.logger.info({ seconds: (Date.now() - started) / 1000 }, 'Python environment ready');
    return env;
  });
}
