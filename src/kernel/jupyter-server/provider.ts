/**
 * The `jupyter-server` kernel provider: kernels on a Jupyter Server through its REST + websocket API
 * (@jupyterlab/services' `KernelAPI` and `KernelConnection`; never `KernelManager`, whose poll timers
 * outlive `dispose()`). The server is either one that already runs (JupyterHub single-user server,
 * Enterprise Gateway, a lab server: `{ url, token }`) or a private one this provider starts from the venv
 * on first use and stops in `dispose()` (`{ spawn }`).
 *
 * Kernel environment: the server we start honours `env` in `POST /api/kernels` (our config adds it).
 * On other servers we still send it: Enterprise Gateway applies `KERNEL_*` and allow-listed names, while a
 * stock jupyter_server (2.x) ignores it, which is logged as a warning.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

import { NbcError } from '../../errors';
import type { Logger } from '../../log';
import { startTimeoutError } from '../lifecycle';
import {
  livenessWith,
  type KernelLiveness,
  type KernelProvider,
  type KernelSession,
  type KernelSpecSummary,
  type StartKernelOptions,
} from '../provider';
import { abortable, abortedError, withDeadline, withTimeout } from '../wait';
import { startJupyterServer, type JupyterServerProcess } from './server-process';
import {
  connectionError,
  deleteKernel,
  displayUrl,
  loadServices,
  makeServerSettings,
  parseServerUrl,
  restFailure,
  type ServerEndpoint,
} from './services';
import { JupyterServerKernelSession } from './session';

export interface JupyterServerSpawnOptions {
  /** The venv's `jupyter-server` executable; or give `python` (runs `python -m jupyter_server`). */
  jupyterServerBin?: string;
  python?: string;
  /** The server's root_dir; kernel `cwd`s must lie inside it. */
  rootDir: string;
  /** Environment of the server process (and so of its kernels). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** TCP_NODELAY on kernel websockets (default true; the benchmark turns it off to compare). */
  nodelay?: boolean;
  /** Spawn → ready budget (default 60 s). */
  readyTimeoutMs?: number;
  /** More server arguments, appended after ours. */
  extraArgs?: readonly string[];
}

interface CommonOptions {
  logger: Logger;
  /** REST check period while a cell runs, websocket reconnect budget, shutdown budget (KernelLiveness). */
  liveness?: Partial<KernelLiveness>;
}

export type JupyterServerProviderOptions =
  | (CommonOptions & { url: string; token?: string; spawn?: undefined })
  | (CommonOptions & { spawn: JupyterServerSpawnOptions; url?: undefined; token?: undefined });

export interface JupyterServerInfo {
  url: string;
  token: string;
  /** Set when this provider started the server. */
  pid?: number;
}

export interface JupyterServerKernelProvider extends KernelProvider {
  readonly kind: 'jupyter-server';
  /** The server this provider uses, starting it first when it is ours. */
  server(signal?: AbortSignal): Promise<JupyterServerInfo>;
}

interface ServerHandle {
  endpoint: ServerEndpoint;
  process?: JupyterServerProcess;
}

export function createJupyterServerKernelProvider(
  options: JupyterServerProviderOptions,
): JupyterServerKernelProvider {
  const log = options.logger.child({ provider: 'jupyter-server' });
  const liveness = livenessWith(options.liveness);
  const sessions = new Set<JupyterServerKernelSession>();
  let handle: Promise<ServerHandle> | undefined;
  let disposed: Promise<void> | undefined;
  let warnedEnv = false;

  const remote = options.url !== undefined ? parseServerUrl(options.url, options.token) : undefined;

  function server(): Promise<ServerHandle> {
    if (disposed)
      return Promise.reject(abortedError('using the jupyter-server kernel provider', 'it was disposed'));
    if (remote) return Promise.resolve({ endpoint: remote });
    const spawnOptions = options.spawn;
    if (!spawnOptions) {
      return Promise.reject(new NbcError('E_CONFIG', 'jupyter-server provider needs `url` or `spawn`'));
    }
    handle ??= startJupyterServer({ ...spawnOptions, logger: log }).then(
      (proc) => ({ endpoint: { url: proc.url, token: proc.token }, process: proc }),
      (err: unknown) => {
        handle = undefined; // a later call may try again
        throw err;
      },
    );
    return handle;
  }

  /** The kernel's cwd as an API path relative to the server's root_dir. */
  function kernelPath(cwd: string | undefined): string | undefined {
    if (cwd === undefined) return undefined;
    if (!options.spawn) return cwd.replace(/^\/+/, '');
    const root = path.resolve(options.spawn.rootDir);
    const abs = path.resolve(root, cwd);
    const rel = path.relative(root, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new NbcError('E_CONFIG', `kernel cwd ${abs} is outside the Jupyter Server root ${root}`, {
        field: 'cwd',
      });
    }
    // The server silently falls back to a parent directory when the path does not exist.
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      throw new NbcError('E_CONFIG', `kernel cwd ${abs} is not a directory`, { field: 'cwd', uri: abs });
    }
    return rel.split(path.sep).join('/');
  }

  async function specNames(endpoint: ServerEndpoint): Promise<string[] | undefined> {
    try {
      const specs = await loadServices().KernelSpecAPI.getSpecs(makeServerSettings(endpoint));
      return Object.keys(specs.kernelspecs).sort();
    } catch {
      return undefined;
    }
  }

  async function startError(err: unknown, h: ServerHandle, kernelName: string): Promise<NbcError> {
    if (err instanceof NbcError) return err;
    const failure = restFailure(err);
    const conn = connectionError(failure, h.endpoint, `starting kernel ${kernelName}`);
    if (conn) return conn;
    const where = displayUrl(h.endpoint.url);
    // jupyter_server answers an unknown name with a bare 500 ("Unhandled error"), gateways with 404/400.
    const names = failure.status >= 400 ? await specNames(h.endpoint) : undefined;
    if (names && !names.includes(kernelName)) {
      return new NbcError(
        'E_KERNEL_NOT_FOUND',
        `no kernel named ${JSON.stringify(kernelName)} on the Jupyter Server at ${where}; ` +
          `available: ${names.length > 0 ? names.join(', ') : '(none)'}`,
        { uri: where, field: 'kernel', kernelName, available: names },
      );
    }
    const tail = h.process?.stderrTail().split('\n').slice(-15).join('\n');
    return new NbcError(
      'E_KERNEL_START',
      `the Jupyter Server at ${where} failed to start kernel ${kernelName} ` +
        `(HTTP ${failure.status}: ${failure.message})${tail ? `\nserver stderr (last lines):\n${tail}` : ''}`,
      { uri: where, kernelName, status: failure.status },
    );
  }

  async function startKernel(start: StartKernelOptions): Promise<KernelSession> {
    start.onLaunched?.();
    const { kernelName, signal } = start;
    const what = `start of kernel "${kernelName}"`;
    const h = await abortable(server(), signal, what);
    const apiPath = kernelPath(start.cwd);
    const env = start.env && Object.keys(start.env).length > 0 ? { ...start.env } : undefined;
    if (env && !h.process && !warnedEnv) {
      warnedEnv = true;
      log.warn(
        { names: Object.keys(env) },
        'kernel env is sent with POST /api/kernels; a stock Jupyter Server ignores it (Enterprise Gateway applies KERNEL_* names)',
      );
    }
    const deadline = Date.now() + start.startTimeoutMs;
    const { KernelAPI } = loadServices();
    const body = {
      name: kernelName,
      ...(apiPath !== undefined ? { path: apiPath } : {}),
      ...(env ? { env } : {}),
    };
    const creating = KernelAPI.startNew(body as { name: string }, makeServerSettings(h.endpoint));
    let model;
    try {
      model = await abortable(
        withDeadline(creating, start.startTimeoutMs, () =>
          startTimeoutError(
            kernelName,
            start.startTimeoutMs,
            `the Jupyter Server at ${displayUrl(h.endpoint.url)} did not create it`,
          ),
        ),
        signal,
        what,
      );
    } catch (err) {
      // If the server creates it after all, do not leave it running. Waiting (up to the shutdown grace)
      // for the server's answer keeps the promise that a rejected start leaves nothing behind.
      const deleteLate = (m: { id: string }): Promise<void> =>
        deleteKernel(makeServerSettings(h.endpoint), m.id).then(
          (status) =>
            log.debug({ kernelId: m.id, status }, 'deleted a kernel created after its start was abandoned'),
          () => undefined,
        );
      // (Past the grace period the deletion still happens, in the background.)
      await withTimeout(
        creating.then(deleteLate, () => undefined),
        liveness.shutdownGraceMs,
      );
      throw await startError(err, h, kernelName);
    }
    start.logger.debug({ kernelId: model.id, kernel: kernelName }, 'kernel created on the Jupyter Server');
    const session: JupyterServerKernelSession = new JupyterServerKernelSession({
      endpoint: h.endpoint,
      model,
      logger: start.logger,
      liveness,
      onClosed: () => sessions.delete(session),
    });
    sessions.add(session);
    try {
      await session.waitReady(Math.max(0, deadline - Date.now()), signal);
      // dispose() ran meanwhile and did not see this session: do not hand out a kernel nobody will stop.
      if (disposed) throw abortedError(what, 'the kernel provider was disposed');
    } catch (err) {
      await session.shutdown();
      throw err;
    }
    return session;
  }

  async function listKernelSpecs(): Promise<KernelSpecSummary[]> {
    const h = await server();
    const where = displayUrl(h.endpoint.url);
    let specs;
    try {
      specs = await loadServices().KernelSpecAPI.getSpecs(makeServerSettings(h.endpoint));
    } catch (err) {
      const failure = restFailure(err);
      throw (
        connectionError(failure, h.endpoint, 'listing kernelspecs') ??
        new NbcError('E_KERNEL_PROTOCOL', `listing kernelspecs on ${where} failed: ${failure.message}`, {
          uri: where,
        })
      );
    }
    return Object.values(specs.kernelspecs)
      .filter((s) => s !== undefined)
      .map((s) => ({ name: s.name, displayName: s.display_name, language: s.language, source: where }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async function dispose(): Promise<void> {
    disposed ??= (async () => {
      await Promise.allSettled([...sessions].map((s) => s.shutdown()));
      const started = handle ? await handle.catch(() => undefined) : undefined;
      if (started?.process) {
        await started.process.stop();
        log.debug({ pid: started.process.pid }, 'Jupyter Server stopped');
      }
    })();
    return disposed;
  }

  return {
    kind: 'jupyter-server',
    startKernel,
    listKernelSpecs,
    dispose,
    async server(signal?: AbortSignal): Promise<JupyterServerInfo> {
      const h = await abortable(server(), signal, 'starting the Jupyter Server');
      return { ...h.endpoint, ...(h.process ? { pid: h.process.pid } : {}) };
    },
  };
}
