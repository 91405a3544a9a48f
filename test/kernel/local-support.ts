/** Shared set-up for the local-provider tests: a provider over the project's .venv, fake kernelspecs. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import {
  createLocalKernelProvider,
  type LocalKernelProvider,
  type LocalKernelProviderOptions,
} from '../../src/kernel/local/provider';
import { quietLogger } from '../helpers/logger';
import { testVenv } from '../helpers/python';

/** The test process's environment, as the CLI would hand it to kernels. */
export function kernelBaseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (typeof v === 'string') env[k] = v;
  return env;
}

const tempDirs: string[] = [];

/** A fresh temporary directory, removed by `removeTempDirs()` (call it in afterAll). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** An empty user data dir, so nobody's ~/.local/share/jupyter leaks into the tests. */
let emptyUserDir: string | undefined;

export function localProvider(overrides: Partial<LocalKernelProviderOptions> = {}): LocalKernelProvider {
  return createLocalKernelProvider({
    jupyterPath: [],
    userDataDir: (emptyUserDir ??= tempDir('nbc-test-userdata-')),
    envPrefixes: [testVenv().prefix],
    systemDirs: [],
    baseEnv: kernelBaseEnv(),
    logger: quietLogger(),
    ...overrides,
  });
}

/** A Jupyter data dir holding `kernels/<name>/kernel.json` for each spec given. */
export async function makeDataDir(specs: Record<string, unknown>): Promise<string> {
  const dir = tempDir('nbc-test-kernels-');
  for (const [name, spec] of Object.entries(specs)) {
    await mkdir(path.join(dir, 'kernels', name), { recursive: true });
    await writeFile(
      path.join(dir, 'kernels', name, 'kernel.json'),
      typeof spec === 'string' ? spec : JSON.stringify(spec),
    );
  }
  return dir;
}

/** The real ipykernel command line from the project's venv. */
export function ipykernelArgv(): string[] {
  return [testVenv().python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'];
}

/** True while `pid` exists and is not a zombie. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Poll a condition (for things that have no event we can await, like another process's exit). */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
