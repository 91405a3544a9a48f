/**
 * jq for JSON_JQ_TRANSFORM, with Conductor's output shape: `result` = the first output (null when there is
 * none), `resultList` = all outputs; any jq error fails the task with jq's message, e.g.
 * `Cannot index string with string "array"` (JsonJQTransformSpec).
 *
 * jq runs in jq-wasm (the jq 1.7 C sources compiled to WebAssembly) inside a worker thread, because a
 * jq program can loop forever and WebAssembly cannot be interrupted on the engine's own thread: on a
 * time-out the worker is terminated and a fresh one is started for the next query. The worker and the
 * wasm module are loaded on first use.
 *
 * jq-wasm reports errors only when a program produced no output, so the program is wrapped as
 * `try ((QUERY) | [0, .]) catch [1, .]`: outputs and the error that stops the program come back tagged.
 */
import { Worker } from 'node:worker_threads';

import { parseJsonExact, stringifyJsonExact, type JsonValue } from '../../json';

export const DEFAULT_JQ_TIMEOUT_MS = 5000;

export class JqError extends Error {
  override readonly name = 'JqError';
}

export interface JqResult {
  /** The first output, or null when the program produced none. */
  readonly result: JsonValue;
  /** Every output, in order. */
  readonly resultList: JsonValue[];
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const jq = require(workerData.modulePath);
parentPort.on('message', (request) => {
  jq.raw(request.input, request.filter, ['-c']).then(
    (out) => parentPort.postMessage({ id: request.id, ok: true, out }),
    (err) => parentPort.postMessage({ id: request.id, ok: false, message: String((err && err.message) || err) }),
  );
});
`;

let modulePath: string | null | undefined;
let loadError: string | null = null;

function resolveModule(): string | null {
  if (modulePath === undefined) {
    try {
      modulePath = require.resolve('jq-wasm');
    } catch {
      modulePath = null;
    }
  }
  return modulePath;
}

/** Whether jq can be used (the package resolves and, once tried, its worker loaded). */
export function jqAvailable(): boolean {
  return loadError === null && resolveModule() !== null;
}

interface Pending {
  readonly id: number;
  readonly input: string;
  readonly filter: string;
  readonly timeoutMs: number;
  resolve(out: string): void;
  reject(err: Error): void;
}

type WorkerReply = { id: number; ok: true; out: string } | { id: number; ok: false; message: string };

/** One worker, one query at a time (jq is synchronous inside it), a queue for the rest. */
class JqRunner {
  private worker: Worker | null = null;
  private readonly queue: Pending[] = [];
  private current: Pending | null = null;
  private timer: NodeJS.Timeout | null = null;
  private nextId = 1;

  run(input: string, filter: string, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, filter, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new JqError('jq was shut down'));
    if (worker !== null) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker !== null) return this.worker;
    const path = resolveModule();
    if (path === null) throw new JqError('jq is not available: the jq-wasm package is not installed');
    // jq-wasm prints emscripten diagnostics on stderr; keep them out of the engine's output.
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { modulePath: path },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    worker.on('message', (reply: WorkerReply) => this.onReply(worker, reply));
    worker.on('error', (err: Error) => this.onWorkerError(worker, err));
    worker.on('exit', () => this.onWorkerError(worker, new Error('the jq worker exited')));
    this.worker = worker;
    return worker;
  }

  private pump(): void {
    if (this.current !== null) return;
    const next = this.queue.shift();
    if (next === undefined) {
      this.worker?.unref();
      return;
    }
    let worker: Worker;
    try {
      worker = this.ensureWorker();
    } catch (err) {
      next.reject(err as Error);
      this.pump();
      return;
    }
    this.current = next;
    worker.ref();
    this.timer = setTimeout(() => this.onTimeout(next), next.timeoutMs);
    worker.postMessage({ id: next.id, input: next.input, filter: next.filter });
  }

  private finish(): Pending | null {
    const done = this.current;
    this.current = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return done;
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    if (worker !== this.worker || this.current?.id !== reply.id) return;
    const done = this.finish();
    if (reply.ok) {
      done?.resolve(reply.out);
    } else if (reply.message.includes('Aborted(')) {
      // The wasm heap hit its limit: report it, and start afresh to give the memory back.
      this.worker = null;
      void worker.terminate();
      done?.reject(new JqError('jq ran out of memory and was stopped'));
    } else {
      done?.reject(new JqError(reply.message));
    }
    this.pump();
  }

  private onTimeout(pending: Pending): void {
    if (this.current !== pending) return;
    this.finish();
    const worker = this.worker;
    this.worker = null;
    void worker?.terminate();
    pending.reject(new JqError(`jq did not finish within ${pending.timeoutMs} ms and was interrupted`));
    this.pump();
  }

  private onWorkerError(worker: Worker, err: Error): void {
    if (worker !== this.worker) return;
    this.worker = null;
    const message = `jq could not run: ${err.message}`;
    if (this.current === null && this.queue.length === 0) return;
    // A worker that dies before answering anything could not load jq-wasm at all.
    if (/Cannot find module|wasm/i.test(err.message)) loadError = message;
    const done = this.finish();
    done?.reject(new JqError(message));
    this.pump();
  }

  private failAll(err: Error): void {
    this.finish()?.reject(err);
    for (const p of this.queue.splice(0)) p.reject(err);
  }
}

let runner: JqRunner | null = null;

/** Run `query` over `input` as JSON_JQ_TRANSFORM does. Throws JqError with jq's message. */
export async function jqTransform(
  query: string,
  input: JsonValue,
  options: { timeoutMs?: number } = {},
): Promise<JqResult> {
  if (!jqAvailable())
    throw new JqError(loadError ?? 'jq is not available: the jq-wasm package is not installed');
  runner ??= new JqRunner();
  const text = stringifyJsonExact(input ?? null) ?? 'null';
  const timeoutMs = Math.max(1, Math.floor(options.timeoutMs ?? DEFAULT_JQ_TIMEOUT_MS));
  let out: string;
  try {
    out = await runner.run(text, `try ((${query}\n) | [0, .]) catch [1, .]`, timeoutMs);
  } catch (err) {
    if (!(err instanceof JqError) || /^jq (did not finish|ran out of memory)/.test(err.message)) throw err;
    // The program did not compile (or halted): run it as written for jq's own message.
    const plain = await runner.run(text, query, timeoutMs).catch((e: unknown) => {
      throw e instanceof JqError ? new JqError(cleanMessage(e.message)) : e;
    });
    const values = parseLines(plain);
    return { result: values[0] ?? null, resultList: values };
  }
  const values: JsonValue[] = [];
  for (const record of parseLines(out)) {
    if (!Array.isArray(record) || record.length !== 2)
      throw new JqError(`unexpected jq output: ${stringifyJsonExact(record) ?? ''}`);
    if (record[0] === 1) throw new JqError(errorMessage(record[1] as JsonValue));
    values.push(record[1] as JsonValue);
  }
  return { result: values[0] ?? null, resultList: values };
}

/** Stop the jq worker (engine shutdown, tests). The next query starts a new one. */
export async function closeJq(): Promise<void> {
  const r = runner;
  runner = null;
  await r?.close();
}

function parseLines(out: string): JsonValue[] {
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => parseJsonExact(line) as JsonValue);
}

/** The message of a value jq raised: a string as is, anything else as jq prints it. */
function errorMessage(value: JsonValue): string {
  return typeof value === 'string' ? value : `${stringifyJsonExact(value) ?? ''} (not a string)`;
}

function cleanMessage(raw: string): string {
  return raw
    .replace(/^Failed to execute raw query: /, '')
    .replace(/^jq: error(?: \(at [^)]*\))?: /, '')
    .replace(/\njq: \d+ compile errors?$/, '')
    .trim();
}
