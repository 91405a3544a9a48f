/**
 * The embedded engine in a child process (test/engine/fixtures/engine-child.js), for crash tests: start it
 * on a data directory, read its debug log lines (pino JSON on stderr), kill it with SIGKILL, start it again.
 * Children still running when the test file ends are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

import type { EngineOptionsInput } from '../../src/engine';
import { readCredentials, type Credentials } from '../../src/security';
import { authenticate } from '../engine/support';

export interface EngineChild {
  proc: ChildProcess;
  url: string;
  dir: string;
  /** The key the child wrote to its data dir on first start (token auth, as users run it). */
  credentials: Credentials;
  /** Resolves when the process has exited (by a kill or by itself). */
  exited: Promise<void>;
  /** Parsed log lines so far (only with `log: true`). */
  lines: Record<string, unknown>[];
  /** Resolves with the first log line (past or future) that `match` accepts. */
  waitForLog(
    what: string,
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

/** Makes the child SIGKILL itself inside the transaction of the (afterFires+1)-th fire of a schedule. */
export interface CrashPlan {
  crashOnScheduledStart: string;
  afterFires: number;
  /** The child writes the `_scheduledTime` of the fire it died in here first. */
  markerFile: string;
}

const FIXTURE = path.join(__dirname, '../engine/fixtures/engine-child.js');

const running: ChildProcess[] = [];

afterAll(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export async function startEngineChild(
  dataDir: string,
  opts: { options?: EngineOptionsInput; log?: boolean; children?: ChildProcess[]; crash?: CrashPlan } = {},
): Promise<EngineChild> {
  const args = [FIXTURE, dataDir];
  if (opts.options || opts.crash) args.push(JSON.stringify(opts.options ?? {}));
  if (opts.crash) args.push(JSON.stringify(opts.crash));
  const proc = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NBC_TEST_LOG: opts.log ? 'debug' : 'silent' },
  });
  running.push(proc);
  opts.children?.push(proc);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const lines: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  readline.createInterface({ input: proc.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const l of listeners) l();
    } catch {
      stderr += `${line}\n`;
    }
  });
  const out = readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine child did not start: ${stderr}`)), 30_000);
    out.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    proc.once('exit', (code) => reject(new Error(`engine child exited with ${String(code)}: ${stderr}`)));
  });
  // The key the child wrote on first start (kept across restarts): `raw()` calls carry a token for it.
  const credentials = readCredentials(dataDir) as Credentials;
  await authenticate(url, credentials);
  return {
    proc,
    url,
    dir: dataDir,
    credentials,
    exited,
    lines,
    waitForLog(what, match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = lines.find(match);
          if (!found) return false;
          listeners.delete(listener);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const listener = (): void => void check();
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`timed out waiting for the engine child to log ${what}`));
        }, timeoutMs);
        listeners.add(listener);
        check();
      });
    },
  };
}

export async function kill9(child: { proc: ChildProcess }): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.proc.once('exit', () => resolve());
    child.proc.kill('SIGKILL');
  });
}
