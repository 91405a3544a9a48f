/**
 * The kernel OS process: spawned in its own process group (so an interrupt or kill reaches the kernel's
 * children too, and a Ctrl-C on our terminal does not hit the kernel behind our back), with its output
 * drained, the last lines of stderr kept for error messages, and its exit observed.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import type { Logger } from '../../log';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (e.g. ENOENT). */
  spawnError?: Error;
}

export interface LaunchOptions {
  argv: readonly string[];
  cwd?: string;
  env: Readonly<Record<string, string>>;
  logger: Logger;
  /** How many stderr lines to keep for error messages. */
  tailLines?: number;
}

const DEFAULT_TAIL = 50;
/** After `exit`, how long to wait for the rest of stderr (it may still be in the pipe). */
const STDERR_DRAIN_MS = 100;

class LineTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly max: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  flush(): void {
    if (this.partial) this.add(this.partial);
    this.partial = '';
  }

  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }

  private add(line: string): void {
    this.onLine(line);
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
}

export class KernelProcess {
  readonly child: ChildProcess;
  /** Resolves once the process has exited and its stderr is drained (or could not be spawned). */
  readonly exited: Promise<ProcessExit>;
  private exitInfo: ProcessExit | undefined;
  private readonly stderrTail: LineTail;

  constructor(options: LaunchOptions) {
    const [command, ...args] = options.argv;
    if (command === undefined) throw new Error('empty kernel argv');
    const log = options.logger;
    this.stderrTail = new LineTail(options.tailLines ?? DEFAULT_TAIL, (line) =>
      log.debug({ stream: 'stderr' }, line),
    );
    const stdoutTail = new LineTail(0, (line) => log.debug({ stream: 'stdout' }, line));

    this.child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => stdoutTail.push(d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => this.stderrTail.push(d));

    this.exited = new Promise<ProcessExit>((resolve) => {
      const finish = (info: ProcessExit): void => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        this.stderrTail.flush();
        stdoutTail.flush();
        resolve(info);
      };
      this.child.once('error', (err) => {
        // 'error' without a pid: the spawn itself failed and no 'exit' will follow.
        if (this.child.pid === undefined) finish({ code: null, signal: null, spawnError: err });
        else log.debug({ err }, 'kernel process error');
      });
      this.child.once('exit', (code, signal) => {
        const stderr = this.child.stderr;
        if (!stderr || stderr.readableEnded || stderr.destroyed) {
          finish({ code, signal });
          return;
        }
        // Give the pipe a moment so the error message includes the kernel's last words.
        const timer = setTimeout(() => finish({ code, signal }), STDERR_DRAIN_MS);
        stderr.once('close', () => {
          clearTimeout(timer);
          finish({ code, signal });
        });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined || this.child.exitCode !== null || this.child.signalCode !== null;
  }

  get exitStatus(): ProcessExit | undefined {
    return this.exitInfo;
  }

  stderrText(): string {
    return this.stderrTail.text();
  }

  /** Signal the kernel's whole process group; false if it is already gone. */
  signal(sig: NodeJS.Signals): boolean {
    const pid = this.child.pid;
    if (pid === undefined || this.hasExited) return false;
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      try {
        return this.child.kill(sig);
      } catch {
        return false;
      }
    }
  }

  /** Kill the process group and wait for the exit. */
  async kill(): Promise<ProcessExit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

export function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `could not be started: ${exit.spawnError.message}`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}

/** Format a stderr tail for an error message (empty string when there is nothing to show). */
export function stderrSection(stderr: string, maxLines = 20): string {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return '';
  return `\nkernel stderr (last ${Math.min(lines.length, maxLines)} lines):\n${lines.slice(-maxLines).join('\n')}`;
}
