/**
 * Where scripts run: a small pool of child processes (`node -e`, the program in script-child.ts), each
 * running one script at a time, started on demand up to `processes`, killed and replaced when a script
 * outlives its time limit.
 *
 * Why processes and not worker threads: a worker's `resourceLimits` is not a hard limit. V8 aborts the
 * whole process when some allocations fail (building a large string, e.g. converting
 * `'x'.repeat(400000000)` to JSON), worker or not. A child process has its own heap limit
 * (`--max-old-space-size`); when a script exhausts it only that process dies. The processes run under
 * Node's permission model (no file system, child processes or worker threads) with an empty environment,
 * so even a script that got out of its `vm` context would find little to reach.
 *
 * Nothing here blocks the caller's event loop: a script that never ends costs one process for its time
 * limit, while other scripts run in the others.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import { scriptChildSource, type ScriptReply, type ScriptRequest } from './script-child';

export interface ScriptPoolOptions {
  /** Most scripts running at once (one process each). */
  processes?: number;
  /** Heap limit of each script process, in MiB. */
  memoryMb?: number;
  /** Largest accepted result, in characters of its JSON text. */
  maxResultChars?: number;
  /** Told when a script process starts (for logs: an engine killed mid-script leaves it running until its limit). */
  onSpawn?: (pid: number | undefined) => void;
}

/** A script's JSON result, or why there is none (`memory`/`killed`: its process died). */
export type ScriptOutcome =
  | { readonly ok: true; readonly json: string }
  | {
      readonly ok: false;
      readonly kind: 'syntax' | 'runtime' | 'timeout' | 'result' | 'memory' | 'killed';
      readonly text: string;
      readonly line: number;
    };

export const DEFAULT_SCRIPT_PROCESSES = 4;
export const DEFAULT_SCRIPT_MEMORY_MB = 256;
export const DEFAULT_SCRIPT_MAX_RESULT_CHARS = 10 * 1024 * 1024;

/** Extra time a script process gets beyond the script's own limit before it is killed. */
const GRACE_MS = 2000;
/** Extra time a new process may take to start. */
const START_MS = 10_000;
/** Kept from a script process's stderr to tell an out-of-memory death from others. */
const STDERR_TAIL = 4096;

interface Job {
  readonly request: Omit<ScriptRequest, 'id'>;
  readonly signal?: AbortSignal;
  readonly resolve: (outcome: ScriptOutcome) => void;
  readonly reject: (err: Error) => void;
  onAbort?: () => void;
}

interface Slot {
  readonly child: ChildProcess;
  ready: boolean;
  stderr: string;
  job: { readonly id: number; readonly job: Job; timer: NodeJS.Timeout } | null;
}

function permissionFlag(): string {
  const [major = 0] = process.versions.node.split('.').map(Number);
  return major >= 23 ? '--permission' : '--experimental-permission';
}

export class ScriptPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly processes: number;
  private readonly memoryMb: number;
  private readonly onSpawn: ((pid: number | undefined) => void) | undefined;
  readonly maxResultChars: number;
  private nextId = 1;
  private closed = false;
  private source: string | undefined;

  constructor(options: ScriptPoolOptions = {}) {
    this.processes = Math.max(1, Math.floor(options.processes ?? DEFAULT_SCRIPT_PROCESSES));
    this.memoryMb = Math.max(16, Math.floor(options.memoryMb ?? DEFAULT_SCRIPT_MEMORY_MB));
    this.maxResultChars = Math.max(0, Math.floor(options.maxResultChars ?? DEFAULT_SCRIPT_MAX_RESULT_CHARS));
    this.onSpawn = options.onSpawn;
  }

  /** Runs `source` with `$` = the parsed `inputJson`. Rejects only when `signal` aborts or the pool closed. */
  run(
    source: string,
    inputJson: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<ScriptOutcome> {
    return new Promise<ScriptOutcome>((resolve, reject) => {
      if (this.closed) {
        reject(new Error('the script pool is closed'));
        return;
      }
      if (options.signal?.aborted) {
        reject(abortError(options.signal));
        return;
      }
      const timeoutMs = Math.max(1, Math.floor(options.timeoutMs));
      const job: Job = {
        request: { source, inputJson, timeoutMs, maxResultChars: this.maxResultChars },
        signal: options.signal,
        resolve,
        reject,
      };
      if (options.signal) {
        const signal = options.signal;
        job.onAbort = () => this.abort(job, abortError(signal));
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Kills every script process; pending and running scripts are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const err = new Error('the script pool is closed');
    for (const job of this.queue.splice(0)) this.settle(job, () => job.reject(err));
    const exits: Promise<void>[] = [];
    for (const slot of [...this.slots]) {
      const running = slot.job;
      if (running) this.settle(running.job, () => running.job.reject(err));
      exits.push(this.kill(slot));
    }
    await Promise.all(exits);
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = [...this.slots].find((s) => s.job === null);
      if (!slot) {
        if (this.slots.size >= this.processes) return;
        slot = this.spawn();
      }
      const job = this.queue.shift() as Job;
      this.dispatch(slot, job);
    }
  }

  private spawn(): Slot {
    this.source ??= scriptChildSource();
    const child = spawn(
      process.execPath,
      [
        permissionFlag(),
        '--no-warnings',
        '--disallow-code-generation-from-strings',
        `--max-old-space-size=${this.memoryMb}`,
        '-e',
        this.source,
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: {}, serialization: 'json' },
    );
    const slot: Slot = { child, ready: false, stderr: '', job: null };
    this.slots.add(slot);
    this.onSpawn?.(child.pid);
    child.stderr?.on('data', (chunk: Buffer) => {
      slot.stderr = (slot.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('message', (message: unknown) => this.onMessage(slot, message));
    child.on('error', (err) => this.onExit(slot, `could not start a script process: ${err.message}`));
    child.on('exit', (code, signal) =>
      this.onExit(slot, `the script process exited (${signal ?? `code ${String(code)}`})`),
    );
    this.idle(slot);
    return slot;
  }

  private dispatch(slot: Slot, job: Job): void {
    const id = this.nextId++;
    const budget = job.request.timeoutMs + GRACE_MS + (slot.ready ? 0 : START_MS);
    const timer = setTimeout(() => this.onTimeout(slot, id), budget);
    slot.job = { id, job, timer };
    slot.child.ref();
    slot.child.channel?.ref();
    try {
      slot.child.send({ id, ...job.request } satisfies ScriptRequest);
    } catch (err) {
      // The process went away between two scripts: this one fails like a crash, and a new process serves the next.
      this.finish(slot);
      void this.kill(slot);
      const text = `the script process could not be reached: ${err instanceof Error ? err.message : String(err)}`;
      this.settle(job, () => job.resolve({ ok: false, kind: 'killed', text, line: 0 }));
    }
  }

  /** An idle process must not keep the caller's process alive. */
  private idle(slot: Slot): void {
    slot.child.unref();
    slot.child.channel?.unref();
  }

  private onMessage(slot: Slot, message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    if ('ready' in message) {
      slot.ready = true;
      return;
    }
    const reply = message as ScriptReply;
    const running = slot.job;
    if (!running || running.id !== reply.id) return;
    this.finish(slot);
    const { id: _id, ...outcome } = reply;
    this.settle(running.job, () => running.job.resolve(outcome));
    this.pump();
  }

  private onTimeout(slot: Slot, id: number): void {
    const running = slot.job;
    if (!running || running.id !== id) return;
    this.finish(slot);
    void this.kill(slot);
    const text = `the script did not stop within its limit of ${running.job.request.timeoutMs} ms and was killed`;
    this.settle(running.job, () => running.job.resolve({ ok: false, kind: 'timeout', text, line: 0 }));
    this.pump();
  }

  private onExit(slot: Slot, why: string): void {
    if (!this.slots.delete(slot)) return;
    const running = slot.job;
    if (running) {
      this.finish(slot);
      const outOfMemory = /heap out of memory|Reached heap limit|Allocation failed/i.test(slot.stderr);
      const outcome: ScriptOutcome = outOfMemory
        ? {
            ok: false,
            kind: 'memory',
            text: `the script exhausted its memory limit of ${this.memoryMb} MB`,
            line: 0,
          }
        : { ok: false, kind: 'killed', text: why, line: 0 };
      this.settle(running.job, () => running.job.resolve(outcome));
    }
    this.pump();
  }

  private finish(slot: Slot): void {
    if (slot.job) clearTimeout(slot.job.timer);
    slot.job = null;
    if (this.slots.has(slot)) this.idle(slot);
  }

  private abort(job: Job, err: Error): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(job, () => job.reject(err));
      return;
    }
    for (const slot of this.slots) {
      if (slot.job?.job !== job) continue;
      this.finish(slot);
      void this.kill(slot);
      this.settle(job, () => job.reject(err));
      this.pump();
      return;
    }
  }

  private settle(job: Job, fn: () => void): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    fn();
  }

  private kill(slot: Slot): Promise<void> {
    this.slots.delete(slot);
    const child = slot.child;
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('the script evaluation was aborted');
}
