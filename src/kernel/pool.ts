/**
 * Kernels started ahead of need: per kernel name, a few fresh kernels are kept ready so a task does not
 * wait for kernel start-up. A kernel is handed out once and never comes back (the caller shuts it down);
 * each hand-out starts a replacement in the background.
 *
 * Nothing starts until `warm()` or the first `acquire()` of a name. Names not in `sizes` are started on
 * demand. A background start that fails is logged and retried with exponential backoff (an unknown kernel
 * name waits the longest delay), so a bad name never spins; while a name is backing off, `acquire` makes
 * one start attempt of its own and hands its error to the caller.
 *
 * Pooled kernels start with no particular working directory. `acquire(name, {cwd})` moves a pooled
 * Python kernel there with a silent `os.chdir` (no execution count, nothing in the notebook); other
 * languages, and kernels whose paths are not this machine's (see `chdirInKernel`), are started fresh with
 * that cwd instead.
 */
import { NbcError, errorMessage, isNbcError } from '../errors';
import type { Logger } from '../log';
import { translatorById } from '../notebook/translators';
import type { KernelProvider, KernelSession } from './provider';

export interface KernelPoolOptions {
  /** Idle kernels to keep ready, per kernel name. */
  sizes: Readonly<Record<string, number>>;
  startTimeoutMs: number;
  logger: Logger;
  /** Delay before retrying a failed background start (default 1 s); doubles per failure. */
  retryBaseMs?: number;
  /** Longest retry delay, also used at once for an unknown kernel name (default 60 s). */
  retryMaxMs?: number;
  /**
   * Whether a requested cwd may be applied to a pooled Python kernel with `os.chdir`, i.e. the kernel
   * sees this machine's paths. Default: true for the local provider, false otherwise (a remote Jupyter
   * Server takes server-relative paths, so only a fresh start with that cwd is right). Set it for a
   * Jupyter Server this process spawned on this machine.
   */
  chdirInKernel?: boolean;
}

export interface AcquireOptions {
  /** Working directory for the kernel (see the module docs for how pooled kernels get it). */
  cwd?: string;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface KernelLaneStats {
  /** Idle kernels kept ready for this name (0: started on demand). */
  target: number;
  idle: number;
  starting: number;
  /** acquire() calls waiting for a kernel that is starting. */
  waiting: number;
  handedOut: number;
  /** Of those, how many came ready from the pool (the rest were started on demand). */
  fromPool: number;
  /** Kernels that started successfully (background and on-demand). */
  started: number;
  /** Consecutive failed background starts (0 after a success). */
  failures: number;
  /** When the next background start is due after a failure (ms since epoch), or null. */
  retryAt: number | null;
  lastError: string | null;
  /** language_info.name of the kernels of this name, once one has started. */
  language: string | null;
}

export interface KernelPoolStats {
  disposed: boolean;
  kernels: Record<string, KernelLaneStats>;
}

export interface KernelPool {
  /**
   * A fresh kernel: a ready one from the pool, else the first of (one already starting, one started now).
   * Rejects with the start error (E_KERNEL_NOT_FOUND, E_KERNEL_START), or E_ABORTED on `signal`/dispose.
   */
  acquire(kernelName: string, options?: AcquireOptions): Promise<KernelSession>;
  /** Start what is missing now (ignoring backoff); resolves when every pooled name is full or failed. */
  warm(): Promise<void>;
  stats(): KernelPoolStats;
  /** Stop refilling, reject waiting acquires and shut idle kernels down. Handed-out kernels are untouched. */
  dispose(): Promise<void>;
}

interface Waiter {
  resolve(session: KernelSession): void;
  reject(err: Error): void;
}

interface PendingStart {
  controller: AbortController;
  /** Settles (never rejects) once the start has been dealt with. */
  done: Promise<void>;
}

class Lane {
  readonly idle: KernelSession[] = [];
  readonly starting = new Set<PendingStart>();
  readonly waiters: Waiter[] = [];
  /** Refilling is on once warm() or acquire() touched this name. */
  active = false;
  handedOut = 0;
  fromPool = 0;
  started = 0;
  failures = 0;
  /** Monotonic count of failed background starts (warm() watches it). */
  failedStarts = 0;
  retryTimer: NodeJS.Timeout | undefined;
  retryAt: number | null = null;
  lastError: string | null = null;
  language: string | null = null;

  constructor(
    readonly name: string,
    readonly target: number,
  ) {}
}

const DEFAULT_RETRY_BASE_MS = 1000;
const DEFAULT_RETRY_MAX_MS = 60_000;

function laneKey(name: string): string {
  // kernelspec names are case-insensitive (jupyter_client lower-cases them)
  return name.toLowerCase();
}

function poolDisposedError(name: string): NbcError {
  return new NbcError('E_ABORTED', `the kernel pool was shut down while waiting for a "${name}" kernel`);
}

export function createKernelPool(provider: KernelProvider, options: KernelPoolOptions): KernelPool {
  const log = options.logger.child({ component: 'kernel-pool' });
  const retryBase = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
  const retryMax = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  const chdirInKernel = options.chdirInKernel ?? provider.kind === 'local';
  const lanes = new Map<string, Lane>();
  let disposed = false;

  for (const [name, size] of Object.entries(options.sizes)) {
    if (!Number.isInteger(size) || size < 0) {
      throw new NbcError(
        'E_CONFIG',
        `kernel pool size for "${name}" must be a whole number ≥ 0, got ${size}`,
        {
          field: `sizes.${name}`,
        },
      );
    }
    lanes.set(laneKey(name), new Lane(name, size));
  }

  function laneFor(name: string): Lane {
    let lane = lanes.get(laneKey(name));
    if (!lane) {
      lane = new Lane(name, 0);
      lanes.set(laneKey(name), lane);
    }
    return lane;
  }

  function clearRetry(lane: Lane): void {
    if (lane.retryTimer) clearTimeout(lane.retryTimer);
    lane.retryTimer = undefined;
    lane.retryAt = null;
  }

  /** Start as many kernels as the idle target plus the waiting acquires need, minus those on the way. */
  function fill(lane: Lane): void {
    if (disposed || lane.retryTimer) return;
    const wanted = (lane.active ? lane.target : 0) + lane.waiters.length;
    for (let have = lane.idle.length + lane.starting.size; have < wanted; have++) startInBackground(lane);
  }

  function startInBackground(lane: Lane): void {
    const controller = new AbortController();
    const pending: PendingStart = { controller, done: Promise.resolve() };
    lane.starting.add(pending);
    pending.done = provider
      .startKernel({
        kernelName: lane.name,
        startTimeoutMs: options.startTimeoutMs,
        signal: controller.signal,
        logger: log,
      })
      .then(
        (session) => {
          lane.starting.delete(pending);
          return onReady(lane, session);
        },
        (err: unknown) => {
          lane.starting.delete(pending);
          onFailure(lane, err);
        },
      );
  }

  function learned(lane: Lane, session: KernelSession): void {
    lane.started += 1;
    lane.failures = 0;
    lane.lastError = null;
    lane.language = session.info.language_info.name;
  }

  async function onReady(lane: Lane, session: KernelSession): Promise<void> {
    learned(lane, session);
    if (disposed) return session.shutdown();
    offer(lane, session);
  }

  /** A ready, unclaimed kernel: to the oldest waiter, else idle (up to the target), else shut down. */
  function offer(lane: Lane, session: KernelSession): void {
    if (!session.alive) {
      fill(lane);
      return;
    }
    const waiter = lane.waiters.shift();
    if (waiter) {
      waiter.resolve(session);
    } else if (lane.active && lane.idle.length < lane.target && !disposed) {
      lane.idle.push(session);
      void session.died.then((death) => {
        const i = lane.idle.indexOf(session);
        if (i < 0) return;
        lane.idle.splice(i, 1);
        log.warn({ kernel: lane.name, reason: death.reason }, 'an idle pooled kernel died; replacing it');
        fill(lane);
      });
    } else {
      void session.shutdown();
    }
    fill(lane);
  }

  function onFailure(lane: Lane, err: unknown): void {
    if (disposed) return;
    lane.failures += 1;
    lane.failedStarts += 1;
    lane.lastError = errorMessage(err);
    const notFound = isNbcError(err, 'E_KERNEL_NOT_FOUND');
    const delay = notFound ? retryMax : Math.min(retryMax, retryBase * 2 ** (lane.failures - 1));
    log.error(
      { kernel: lane.name, err: lane.lastError, failures: lane.failures, retryInMs: delay },
      'starting a pooled kernel failed; retrying later',
    );
    // Waiters no start in flight can serve get this error now (newest first; the oldest keep their turn).
    const error = err instanceof Error ? err : new NbcError('E_KERNEL_START', lane.lastError);
    while (lane.waiters.length > lane.starting.size) lane.waiters.pop()?.reject(error);
    clearRetry(lane);
    lane.retryAt = Date.now() + delay;
    lane.retryTimer = setTimeout(() => {
      lane.retryTimer = undefined;
      lane.retryAt = null;
      fill(lane);
    }, delay);
    lane.retryTimer.unref();
  }

  /** An idle kernel now, or a place in the queue for the next one to become ready. */
  function take(lane: Lane, signal: AbortSignal | undefined): Promise<KernelSession> {
    while (lane.idle.length > 0) {
      const session = lane.idle.shift() as KernelSession;
      if (session.alive) {
        fill(lane);
        return Promise.resolve(session);
      }
    }
    return new Promise<KernelSession>((resolve, reject) => {
      const onAbort = (): void => {
        const i = lane.waiters.indexOf(waiter);
        if (i >= 0) lane.waiters.splice(i, 1);
        reject(new NbcError('E_ABORTED', `waiting for a "${lane.name}" kernel was cancelled`));
      };
      const waiter: Waiter = {
        resolve: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      lane.waiters.push(waiter);
      fill(lane);
    });
  }

  /** A kernel started for this caller alone (its cwd, signal and logger); errors are the caller's. */
  async function startDirect(lane: Lane, kernelName: string, opts: AcquireOptions): Promise<KernelSession> {
    const session = await provider.startKernel({
      kernelName,
      cwd: opts.cwd,
      startTimeoutMs: options.startTimeoutMs,
      signal: opts.signal,
      logger: opts.logger ?? log,
    });
    learned(lane, session);
    if (lane.retryTimer) {
      // The kernel starts again: stop backing off and refill now.
      clearRetry(lane);
      fill(lane);
    }
    return session;
  }

  /** Move a pooled Python kernel to `cwd` (silent: no execution count, nothing in the notebook). */
  async function chdir(session: KernelSession, cwd: string, opts: AcquireOptions): Promise<void> {
    const code = `__import__('os').chdir(${translatorById('python').renderValue(cwd)})`;
    try {
      const reply = await session.execute(
        {
          code,
          silent: true,
          store_history: false,
          user_expressions: {},
          allow_stdin: false,
          stop_on_error: false,
        },
        {},
        opts.signal,
      );
      if (reply.content.status !== 'ok') {
        throw new NbcError(
          'E_KERNEL_START',
          `working directory for kernel "${session.kernelName}" cannot be used: ${cwd}: ` +
            `${reply.content.ename ?? 'Error'}: ${reply.content.evalue ?? ''}`,
          { field: 'cwd', uri: cwd },
        );
      }
    } catch (err) {
      await session.shutdown();
      throw err;
    }
  }

  function checkOpen(kernelName: string, signal?: AbortSignal): void {
    if (disposed) throw poolDisposedError(kernelName);
    if (signal?.aborted) throw new NbcError('E_ABORTED', `acquiring a "${kernelName}" kernel was cancelled`);
  }

  async function acquire(kernelName: string, opts: AcquireOptions = {}): Promise<KernelSession> {
    checkOpen(kernelName, opts.signal);
    const lane = laneFor(kernelName);
    lane.active = true;
    const direct = async (): Promise<KernelSession> => {
      const session = await startDirect(lane, kernelName, opts);
      lane.handedOut += 1;
      return session;
    };
    const wantsCwd = opts.cwd !== undefined;
    // Remote server kernels take a server-relative cwd: only a fresh start can apply it. Known
    // non-Python kernels have no portable chdir. On-demand names start with the cwd directly anyway.
    if (wantsCwd && (!chdirInKernel || (lane.language !== null && lane.language !== 'python'))) {
      return direct();
    }
    if (lane.idle.length === 0 && (lane.target === 0 || lane.retryTimer !== undefined)) {
      if (lane.starting.size <= lane.waiters.length) return direct();
    }
    const session = await take(lane, opts.signal);
    if (opts.cwd !== undefined) {
      if (session.info.language_info.name !== 'python') {
        offer(lane, session); // unused and still fresh: back to the pool
        return direct();
      }
      await chdir(session, opts.cwd, opts);
    }
    lane.handedOut += 1;
    lane.fromPool += 1;
    (opts.logger ?? log).debug({ kernel: lane.name, kernelId: session.id }, 'kernel taken from the pool');
    return session;
  }

  async function warm(): Promise<void> {
    if (disposed) return;
    const pooled = [...lanes.values()].filter((l) => l.target > 0);
    for (const lane of pooled) {
      lane.active = true;
      clearRetry(lane);
      fill(lane);
    }
    await Promise.all(
      pooled.map(async (lane) => {
        const failedBefore = lane.failedStarts;
        while (
          !disposed &&
          lane.idle.length < lane.target &&
          lane.starting.size > 0 &&
          lane.failedStarts === failedBefore
        ) {
          await Promise.race([...lane.starting].map((p) => p.done));
        }
      }),
    );
  }

  function stats(): KernelPoolStats {
    const kernels: Record<string, KernelLaneStats> = {};
    for (const lane of lanes.values()) {
      kernels[lane.name] = {
        target: lane.target,
        idle: lane.idle.length,
        starting: lane.starting.size,
        waiting: lane.waiters.length,
        handedOut: lane.handedOut,
        fromPool: lane.fromPool,
        started: lane.started,
        failures: lane.failures,
        retryAt: lane.retryAt,
        lastError: lane.lastError,
        language: lane.language,
      };
    }
    return { disposed, kernels };
  }

  async function dispose(): Promise<void> {
    if (disposed) return;
    disposed = true;
    const pending: Promise<void>[] = [];
    for (const lane of lanes.values()) {
      clearRetry(lane);
      for (const waiter of lane.waiters.splice(0)) waiter.reject(poolDisposedError(lane.name));
      for (const start of lane.starting) {
        start.controller.abort();
        pending.push(start.done);
      }
      for (const session of lane.idle.splice(0)) pending.push(session.shutdown());
    }
    await Promise.all(pending);
    log.debug('kernel pool disposed');
  }

  return { acquire, warm, stats, dispose };
}
