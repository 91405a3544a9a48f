/** Run the CLI in-process with captured streams (and, for smoke tests, as a real child process). */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';

import { main } from '../../src/cli/main';
import { packageRoot } from '../../src/paths';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export async function runCli(
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string | undefined>;
    signal?: AbortSignal;
    /** Pretend both streams are a terminal (isTTY), as a user's shell is. */
    tty?: boolean;
  },
): Promise<CliResult> {
  const stdout = new Capture(options.tty === true);
  const stderr = new Capture(options.tty === true);
  const env = { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'warn', ...(options.env ?? {}) };
  const code = await main(args, { stdout, stderr, env, cwd: options.cwd }, { signal: options.signal });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A stream a command writes to, read as it comes: `waitFor(re)` resolves once the text matches. */
export class Lines extends Writable {
  text = '';
  private waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    for (const w of [...this.waiters]) {
      const m = w.re.exec(this.text);
      if (m) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
    cb();
  }
  waitFor(re: RegExp): Promise<RegExpExecArray> {
    const m = re.exec(this.text);
    return m ? Promise.resolve(m) : new Promise((resolve) => this.waiters.push({ re, resolve }));
  }
}

/** A command that serves until stopped (`view`, `server`), in-process: its output as it comes. */
export function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): { stdout: Lines; stderr: Lines; stop(): Promise<number> } {
  const stdout = new Lines();
  const stderr = new Lines();
  const controller = new AbortController();
  const env = { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'warn', ...(options.env ?? {}) };
  const done = main(args, { stdout, stderr, env, cwd: options.cwd }, { signal: controller.signal });
  return {
    stdout,
    stderr,
    stop: () => {
      controller.abort();
      return done;
    },
  };
}

/** The built binary (bin/nbconductor.js → dist/) as a child process, with exactly this environment. */
export function spawnBin(
  args: string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, [path.join(packageRoot(), 'bin', 'nbconductor.js'), ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The built binary (bin/nbconductor.js → dist/), as a user runs it. */
export function runBin(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnBin(args, {
      cwd: options.cwd,
      env: { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'warn', ...(options.env ?? {}) },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
