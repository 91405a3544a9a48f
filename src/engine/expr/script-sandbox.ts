/**
 * Where scripts actually run: a `vm` context inside a dedicated worker thread, called synchronously.
 *
 * Why a worker: when vm's time limit interrupts a script inside its microtask checkpoint (for example
 * `Promise.resolve().then(() => { while (true) {} })`) while async hooks are active (AsyncLocalStorage,
 * tracing, jest), Node aborts the whole process ("async hook stack has become corrupted"). The worker
 * has no async hooks, a heap limit of its own (a script that exhausts memory kills the worker, not the
 * engine), and can be terminated if it ever stops answering.
 *
 * Why synchronous: the engine evaluates SWITCH/DO_WHILE/INLINE inside its decider. The caller blocks on
 * `Atomics.wait` until the worker answers, as it would block on an in-process `vm` call.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

export type SandboxReply =
  | { readonly id: number; readonly ok: true; readonly json: string }
  | {
      readonly id: number;
      readonly ok: false;
      readonly kind: 'runtime' | 'timeout' | 'result';
      readonly text: string;
      readonly line: number;
    };

export interface SandboxRequest {
  readonly id: number;
  readonly source: string;
  readonly inputJson: string;
  readonly timeoutMs: number;
}

/** Extra time the caller waits beyond the script's own limit before giving up on the worker. */
const WORKER_GRACE_MS = 2000;
/** How long a new worker may take to start. */
const WORKER_START_MS = 10000;
/** Heap limit of the script worker. */
const WORKER_HEAP_MB = 256;

/** Runs inside the context before the user's script: binds nothing but a frozen helper object. */
const PRELUDE = `(function () {
  'use strict';
  var g = globalThis, stringify = JSON.stringify, parse = JSON.parse, toText = String;
  var MapType = Map, fromEntries = Object.fromEntries, lineOf = /inline:(\\d+)/;
  var held;
  // Conductor's GraalJS context has no console; blocking primitives and wasm have no place here either.
  delete g.console; delete g.Atomics; delete g.SharedArrayBuffer; delete g.WebAssembly;
  function replacer(key, value) {
    if (typeof value === 'bigint') return Number(value);
    if (value instanceof MapType) return fromEntries(value);
    return value;
  }
  var api = Object.freeze({
    init: function (text) { g.$ = parse(text); },
    hold: function (value) { held = value; },
    convert: function () {
      var value = held; held = undefined;
      var text = stringify(value, replacer);
      return text === undefined ? 'null' : text;
    },
    describe: function () {
      var e = held; held = undefined;
      var text = '', line = 0;
      try {
        if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
          var name = e.name, message = e.message, stack = e.stack;
          if (message === undefined) text = toText(e);
          else text = (name === undefined ? 'Error' : toText(name)) + (toText(message) ? ': ' + toText(message) : '');
          var m = typeof stack === 'string' ? lineOf.exec(stack) : null;
          if (m) line = Number(m[1]);
        } else {
          text = toText(e);
        }
      } catch (x) {
        text = 'an error that could not be printed';
      }
      return stringify([text, line]);
    }
  });
  Object.defineProperty(g, '__nbcScript', { value: api, writable: false, enumerable: false, configurable: false });
  return api;
})()`;

/**
 * The worker's program. It is sent to the worker as source text (`String(fn)`), so it must not refer to
 * anything outside its own body. Every step that may run script code (getters, toJSON, proxies in a
 * result or a thrown value) runs inside the context under the time limit.
 */
/* istanbul ignore next */
function sandboxWorkerMain(): void {
  const vm = require('node:vm') as typeof import('node:vm');
  const { workerData } = require('node:worker_threads') as typeof import('node:worker_threads');
  const util = require('node:util') as typeof import('node:util');
  const { port, flag, prelude } = workerData as { port: MessagePort; flag: Int32Array; prelude: string };
  const preludeScript = new vm.Script(prelude, { filename: 'nbc-prelude' });
  const convertScript = new vm.Script('__nbcScript.convert()', { filename: 'nbc-convert' });
  const describeScript = new vm.Script('__nbcScript.describe()', { filename: 'nbc-describe' });
  const DESCRIBE_FLOOR_MS = 200;

  interface Api {
    init(text: string): void;
    hold(value: unknown): void;
  }

  const isTimeout = (err: unknown, deadline: number, timeoutMs: number): boolean => {
    if (typeof err !== 'object' || err === null || util.types.isProxy(err)) return false;
    const code = Object.getOwnPropertyDescriptor(err, 'code');
    if (code === undefined || !('value' in code) || code.value !== 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      return false;
    return Date.now() >= deadline - Math.min(50, timeoutMs / 2);
  };

  const describe = (context: object, timeoutMs: number): [string, number] => {
    try {
      const text = describeScript.runInContext(context, { timeout: timeoutMs }) as unknown;
      if (typeof text === 'string') {
        const parsed = JSON.parse(text) as unknown;
        if (Array.isArray(parsed) && typeof parsed[0] === 'string' && typeof parsed[1] === 'number') {
          return [parsed[0], parsed[1]];
        }
      }
    } catch {
      // fall through
    }
    return ['an error that could not be printed', 0];
  };

  const run = (req: SandboxRequest): SandboxReply => {
    const { id, timeoutMs } = req;
    const script = new vm.Script(req.source, { filename: 'inline' });
    const context = vm.createContext(Object.create(null) as object, {
      name: 'conductor-script',
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate',
    });
    const api = preludeScript.runInContext(context) as Api;
    api.init(req.inputJson);
    const deadline = Date.now() + timeoutMs;
    let result: unknown;
    try {
      result = script.runInContext(context, { timeout: timeoutMs });
    } catch (err) {
      if (isTimeout(err, deadline, timeoutMs)) return { id, ok: false, kind: 'timeout', text: '', line: 0 };
      api.hold(err);
      const [text, line] = describe(context, Math.max(DESCRIBE_FLOOR_MS, deadline - Date.now()));
      return { id, ok: false, kind: 'runtime', text, line };
    }
    api.hold(result);
    try {
      const json = convertScript.runInContext(context, {
        timeout: Math.max(1, deadline - Date.now()),
      }) as unknown;
      return { id, ok: true, json: typeof json === 'string' ? json : 'null' };
    } catch (err) {
      if (isTimeout(err, deadline, timeoutMs)) return { id, ok: false, kind: 'timeout', text: '', line: 0 };
      api.hold(err);
      const [text] = describe(context, DESCRIBE_FLOOR_MS);
      return { id, ok: false, kind: 'result', text, line: 0 };
    }
  };

  Atomics.store(flag, 1, 1); // ready
  Atomics.notify(flag, 1);

  port.on('message', (req: SandboxRequest) => {
    let reply: SandboxReply;
    try {
      reply = run(req);
    } catch (err) {
      reply = { id: req.id, ok: false, kind: 'runtime', text: String(err), line: 0 };
    }
    port.postMessage(reply);
    Atomics.store(flag, 0, req.id);
    Atomics.notify(flag, 0);
  });
}

interface Sandbox {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** [0]: id of the last answered request; [1]: 1 once the worker is ready. */
  readonly flag: Int32Array;
}

let sandbox: Sandbox | null = null;
let nextId = 1;

/** Start a worker and wait until it is ready; null if it did not start in time. */
function startSandbox(): Sandbox | null {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(`(${String(sandboxWorkerMain)})()`, {
    eval: true,
    workerData: { port: port2, flag, prelude: PRELUDE },
    transferList: [port2],
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    stdout: false,
    stderr: false,
  });
  worker.unref();
  // A dead worker is noticed by the next call (it never answers); errors must not become unhandled.
  worker.on('error', () => undefined);
  const started: Sandbox = { worker, port: port1, flag };
  Atomics.wait(flag, 1, 0, WORKER_START_MS);
  if (Atomics.load(flag, 1) === 1) return started;
  stopSandbox(started);
  return null;
}

function stopSandbox(s: Sandbox): void {
  if (sandbox === s) sandbox = null;
  s.port.close();
  void s.worker.terminate().catch(() => undefined);
}

/** Run `source` in the sandbox worker, blocking until it answers; null when the worker did not answer. */
export function runInSandbox(source: string, inputJson: string, timeoutMs: number): SandboxReply | null {
  sandbox ??= startSandbox();
  const s = sandbox;
  if (s === null) return null;
  const id = nextId++;
  if (nextId > 0x7fffffff) nextId = 1;
  Atomics.store(s.flag, 0, 0);
  s.port.postMessage({ id, source, inputJson, timeoutMs } satisfies SandboxRequest);
  // The wait is bounded by Atomics.wait itself, so a faked clock (test timers) cannot make it spin.
  let budget = timeoutMs + WORKER_GRACE_MS;
  for (;;) {
    const received = receiveMessageOnPort(s.port);
    if (received !== undefined) {
      const reply = received.message as SandboxReply;
      if (reply.id === id) return reply;
      continue; // a stale answer from an abandoned call
    }
    if (budget <= 0) break;
    const started = Date.now();
    const outcome = Atomics.wait(s.flag, 0, 0, budget);
    budget = outcome === 'timed-out' ? 0 : budget - Math.max(0, Date.now() - started);
    const signalled = Atomics.load(s.flag, 0);
    if (signalled !== 0 && signalled !== id) Atomics.store(s.flag, 0, 0);
  }
  stopSandbox(s);
  return null;
}

/** Stop the sandbox worker (engine shutdown, tests); the next script starts a new one. */
export async function closeScriptSandbox(): Promise<void> {
  const s = sandbox;
  sandbox = null;
  if (s === null) return;
  s.port.close();
  await s.worker.terminate();
}
