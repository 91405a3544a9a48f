/**
 * The embedded engine in a child process (test/engine/fixtures/engine-child.js) for crash tests: start it
 * on a data dir, SIGKILL it, start it again. Children still running when the test file ends are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

import type { EngineOptionsInput } from '../../src/engine';

export interface EngineChild {
  proc: ChildProcess;
  url: string;
  /** Resolves when the process has exited (by a kill or by itself). */
  exited: Promise<void>;
}

/** Makes the child SIGKILL itself inside the transaction of the (afterFires+1)-th fire of a schedule. */
export interface CrashPlan {
  crashOnScheduledStart: string;
  afterFires: number;
  /** The child writes the `_scheduledTime` of the fire it died in here first. */
  markerFile: string;
}

const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

export async function startEngineChild(
  dataDir: string,
  options?: EngineOptionsInput,
  crash?: CrashPlan,
): Promise<EngineChild> {
  const args = [path.join(__dirname, '../engine/fixtures/engine-child.js'), dataDir];
  if (options || crash) args.push(JSON.stringify(options ?? {}));
  if (crash) args.push(JSON.stringify(crash));
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const lines = readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`engine child did not start: ${stderr}`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    proc.once('exit', (code) => reject(new Error(`engine child exited with ${String(code)}: ${stderr}`)));
  });
  return { proc, url, exited };
}

export async function kill9(child: EngineChild): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  await child.exited;
}
