/**
 * A private Jupyter Server process: spawned from the project's venv on 127.0.0.1 with a free port and a
 * random token, configured by a generated config file (see server-config.ts), polled until
 * `GET /api/status` answers 200, and stopped with SIGTERM (the server shuts its kernels down) and a
 * SIGKILL of the whole process group as the fallback.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { NbcError } from '../../errors';
import type { Logger } from '../../log';
import { CONFIG_LOG_MARKER, renderServerConfig } from './server-config';

export interface JupyterServerLaunchOptions {
  /** The venv's `jupyter-server` executable. One of `jupyterServerBin` and `python` is required. */
  jupyterServerBin?: string;
  /** The venv's Python; runs `python -m jupyter_server` (one interpreter start fewer than `jupyter server`). */
  python?: string;
  /** The server's root_dir: kernels' cwd paths are relative to it. */
  rootDir: string;
  /** The server process environment (the caller's env; we never read process.env). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Enable TCP_NODELAY on kernel websockets (default true; false exists for the benchmark). */
  nodelay?: boolean;
  /** How often the server checks that kernels are alive, in seconds (default 0.5). */
  deathPollSeconds?: number;
  /** Let the server restart dead kernels as stock servers do (default false: report them dead). */
  autorestart?: boolean;
  /** More server arguments (e.g. `--ServerApp.some_trait=value`), appended after ours. */
  extraArgs?: readonly string[];
  /** Spawn → `/api/status` 200 budget (default 60 s). */
  readyTimeoutMs?: number;
  /** SIGTERM → exit grace before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
}

export interface JupyterServerProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  readonly token: string;
  readonly pid: number;
  readonly rootDir: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ServerExit>;
  /** The last lines of the server's stderr (token redacted), for diagnostics. */
  stderrTail(): string;
  /** SIGTERM, SIGKILL after the grace period, then remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const STATUS_POLL_MS = 50;
const TAIL_LINES = 60;
const MAX_PORT_ATTEMPTS = 3;

/** Listen on port 0 and close: the kernel picks a free port (a small race remains; we retry on EADDRINUSE). */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly redact: (line: string) => string,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      if (raw.trim() === '') continue;
      const line = this.redact(raw);
      this.onLine(line);
      this.lines.push(line);
      if (this.lines.length > TAIL_LINES) this.lines.shift();
    }
  }

  text(): string {
    return [...this.lines, ...(this.partial.trim() ? [this.redact(this.partial)] : [])].join('\n');
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function abortError(what: string): NbcError {
  return new NbcError('E_ABORTED', `${what} was aborted`);
}

/** One `GET /api/status`; resolves with the HTTP status (0 when the connection failed). */
function statusProbe(port: number, token: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/api/status',
        headers: { Authorization: `token ${token}` },
        agent: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.setTimeout(2000, () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

interface Attempt {
  child: ChildProcess;
  exited: Promise<ServerExit>;
  tail: StderrTail;
  port: number;
}

function spawnServer(
  options: JupyterServerLaunchOptions,
  port: number,
  configFile: string,
  runtimeDir: string,
  token: string,
): Attempt {
  const args = [
    '--ip=127.0.0.1',
    `--port=${port}`,
    '--no-browser',
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${options.rootDir}`,
    `--config=${configFile}`,
  ];
  if (isRoot()) args.push('--allow-root');
  args.push(...(options.extraArgs ?? []));
  let command: string;
  if (options.jupyterServerBin) command = options.jupyterServerBin;
  else if (options.python) {
    command = options.python;
    args.unshift('-m', 'jupyter_server');
  } else {
    throw new NbcError('E_CONFIG', 'jupyter-server provider: spawn needs `jupyterServerBin` or `python`', {
      field: 'spawn',
    });
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.baseEnv)) if (v !== undefined) env[k] = v;
  // Keep connection files and the cookie secret of this private server out of the user's runtime dir.
  env.JUPYTER_RUNTIME_DIR ??= runtimeDir;

  const log = options.logger;
  const redact = (line: string): string => line.split(token).join('[redacted]');
  const tail = new StderrTail(redact, (line) => {
    if (line.includes(`${CONFIG_LOG_MARKER} warning`)) log.warn({ server: 'jupyter' }, line);
    else log.debug({ server: 'jupyter' }, line);
  });
  log.debug({ command, args, port }, 'starting Jupyter Server');
  // Own process group: a terminal Ctrl-C reaches us, not the server behind our back. (Kernels run in
  // their own sessions, so only the server's orderly SIGTERM shutdown stops them.)
  const child = spawn(command, args, {
    cwd: options.rootDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => tail.push(chunk));
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => tail.push(chunk));
  const exited = new Promise<ServerExit>((resolve) => {
    child.once('error', (err) => resolve({ code: null, signal: null, spawnError: err }));
    // 'close' (not 'exit'): stderr is fully drained by then, so the tail is complete.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, exited, tail, port };
}

function describeExit(exit: ServerExit): string {
  if (exit.spawnError) return `could not be started (${exit.spawnError.message})`;
  if (exit.signal) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function terminate(attempt: Attempt, graceMs: number): Promise<void> {
  const { child } = attempt;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    await attempt.exited;
    return;
  }
  try {
    child.kill('SIGTERM');
  } catch {
    // already gone
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    attempt.exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
  ]);
  clearTimeout(timer);
  // Helpers the server left in its group (not kernels: those have their own sessions).
  killGroup(child, 'SIGKILL');
  if (timedOut) await attempt.exited;
}

type ReadyResult = { ok: true } | { ok: false; exit: ServerExit } | { ok: false; timeout: true };

async function waitReady(
  attempt: Attempt,
  token: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ReadyResult> {
  const deadline = Date.now() + timeoutMs;
  let exit: ServerExit | undefined;
  void attempt.exited.then((e) => (exit = e));
  for (;;) {
    if (signal?.aborted) throw abortError('starting the Jupyter Server');
    if (exit) return { ok: false, exit };
    if ((await statusProbe(attempt.port, token)) === 200) return { ok: true };
    if (exit) return { ok: false, exit };
    if (Date.now() >= deadline) return { ok: false, timeout: true };
    await new Promise((r) => setTimeout(r, STATUS_POLL_MS));
  }
}

/** Start a private Jupyter Server and wait until it answers `/api/status`. */
export async function startJupyterServer(options: JupyterServerLaunchOptions): Promise<JupyterServerProcess> {
  const log = options.logger;
  if (options.signal?.aborted) throw abortError('starting the Jupyter Server');
  const rootStat = await stat(options.rootDir).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw new NbcError('E_CONFIG', `Jupyter Server root_dir ${options.rootDir} is not a directory`, {
      field: 'jupyter.rootDir',
      uri: options.rootDir,
    });
  }
  const token = randomBytes(24).toString('hex');
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'nbc-jupyter-'));
  const configFile = path.join(tempDir, 'jupyter_server_config.py');
  const runtimeDir = path.join(tempDir, 'runtime');
  const removeTemp = (): Promise<void> =>
    rm(tempDir, { recursive: true, force: true }).catch(() => undefined);
  await writeFile(
    configFile,
    renderServerConfig({
      token,
      nodelay: options.nodelay ?? true,
      kernelEnv: true,
      deathPollSeconds: options.deathPollSeconds ?? 0.5,
      autorestart: options.autorestart ?? false,
      parentPid: process.pid,
    }),
    { mode: 0o600 },
  );

  const started = Date.now();
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const graceMs = options.stopTimeoutMs ?? 5_000;
  for (let attemptNo = 1; ; attemptNo++) {
    const port = await findFreePort();
    let attempt: Attempt;
    try {
      attempt = spawnServer(options, port, configFile, runtimeDir, token);
    } catch (err) {
      await removeTemp();
      throw err;
    }
    let ready: ReadyResult;
    try {
      ready = await waitReady(attempt, token, Math.max(0, started + timeoutMs - Date.now()), options.signal);
    } catch (err) {
      await terminate(attempt, graceMs);
      await removeTemp();
      throw err;
    }
    if (ready.ok) {
      log.debug({ port, ms: Date.now() - started }, 'Jupyter Server ready');
      return running(attempt, token, options.rootDir, graceMs, removeTemp);
    }
    await terminate(attempt, graceMs);
    const tail = attempt.tail.text();
    if ('exit' in ready && /address already in use|errno 98/i.test(tail) && attemptNo < MAX_PORT_ATTEMPTS) {
      log.debug({ port }, 'port taken between pick and bind; retrying with another port');
      continue;
    }
    await removeTemp();
    const what =
      'exit' in ready
        ? `Jupyter Server ${describeExit(ready.exit)} before it was ready`
        : `Jupyter Server did not answer /api/status within ${timeoutMs} ms`;
    const section = tail ? `\nserver stderr (last lines):\n${tail.split('\n').slice(-20).join('\n')}` : '';
    throw new NbcError('E_KERNEL_START', `${what} (127.0.0.1:${port}, root ${options.rootDir})${section}`, {
      field: 'jupyter.spawn',
    });
  }
}

function running(
  attempt: Attempt,
  token: string,
  rootDir: string,
  graceMs: number,
  removeTemp: () => Promise<void>,
): JupyterServerProcess {
  const { child } = attempt;
  // If our process exits without stop() (crash, process.exit), do not leave the server behind.
  const onExit = (): void => killGroup(child, 'SIGTERM');
  process.once('exit', onExit);
  let stopping: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${attempt.port}/`,
    token,
    pid: child.pid ?? -1,
    rootDir,
    exited: attempt.exited,
    stderrTail: () => attempt.tail.text(),
    stop(): Promise<void> {
      stopping ??= (async () => {
        await terminate(attempt, graceMs);
        process.removeListener('exit', onExit);
        await removeTemp();
      })();
      return stopping;
    },
  };
}
