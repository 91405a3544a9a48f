/**
 * The notebook_run worker assembled from the configuration: the Conductor client first (a wrong URL or
 * key fails in seconds, before any kernel starts), then storage, one kernel provider (at most one
 * Jupyter Server) and its pool of pre-started kernels, then the SDK's polling. `nbconductor worker` and
 * `up` call this; the CLI only parses flags.
 */
import { outputFileMode, type Config } from '../config';
import { coerceError } from '../errors';
import { createKernelProviderFromConfig } from '../kernel/from-config';
import { observeKernelStarts } from '../kernel/observed-provider';
import { createKernelPool, type KernelPool } from '../kernel/pool';
import type { KernelProvider } from '../kernel/provider';
import type { Logger } from '../log';
import type { WorkerMetrics } from '../metrics';
import { startMetricsEndpoint } from '../metrics/endpoint';
import { packageVersion } from '../paths';
import { createStorage, type Storage } from '../storage';
import { conductorTarget, connectConductor, type ConductorTarget } from './conductor-client';
import { startNotebookWorker, type NotebookWorker } from './worker';

export interface RunningWorker {
  worker: NotebookWorker;
  pool: KernelPool;
  /** Stop the worker (drain, then interrupt) and release kernels, the Jupyter Server and storage. */
  stop(): Promise<void>;
}

export interface WorkerRuntimeOptions {
  /** The Conductor to poll (default: from the configuration, see `conductorTarget`). */
  conductor?: ConductorTarget;
  /** Working directory for relative paths and local kernels. */
  cwd: string;
  /** A provider or storage owned by the caller (not disposed on stop). */
  provider?: KernelProvider;
  storage?: Storage;
  /** Records the worker's metrics (tasks, notebook durations, kernel pool, leases, polls). */
  metrics?: WorkerMetrics;
}

export async function startWorkerRuntime(
  config: Config,
  logger: Logger,
  options: WorkerRuntimeOptions,
): Promise<RunningWorker> {
  const { metrics } = options;
  const connection = await connectConductor(options.conductor ?? conductorTarget(config), logger);
  const cleanups: (() => Promise<void>)[] = [async () => connection.client.stopBackgroundRefresh?.()];
  const cleanUp = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const storage =
      options.storage ??
      createStorage({ cwd: options.cwd, s3: config.s3, logger, fileMode: outputFileMode(config) });
    if (!options.storage) cleanups.push(() => storage.close());
    // One kernel provider (and at most one Jupyter Server) per worker, shared by all tasks.
    const base =
      options.provider ?? (await createKernelProviderFromConfig(config, logger, { serverRootDir: '/' }));
    if (!options.provider) cleanups.push(() => base.dispose());
    const provider = metrics ? observeKernelStarts(base, (e) => metrics.kernelStarted(e)) : base;
    const poolSize = config.worker.kernelPoolSize;
    const pool = createKernelPool(provider, {
      sizes: poolSize > 0 ? { python3: poolSize } : {},
      startTimeoutMs: config.kernel.startTimeoutMs,
      logger,
      // Kernels on this machine (local, or a Jupyter Server we started) can chdir to a task's cwd in-kernel.
      chdirInKernel: config.kernel.jupyterUrl === null,
    });
    cleanups.push(() => pool.dispose());
    metrics?.watchKernelPool(() => pool.stats());
    void pool
      .warm()
      .catch((err: unknown) => logger.warn({ err: coerceError(err) }, 'could not pre-start kernels'));
    const worker = startNotebookWorker({
      connection,
      workerId: config.worker.workerId,
      domain: config.worker.domain,
      concurrency: config.worker.concurrency,
      pollIntervalMs: config.worker.pollIntervalMs,
      logger,
      observer: metrics,
      handler: {
        storage,
        acquireKernel: (name, o) => pool.acquire(name, o),
        outputRoot: config.worker.outputRoot,
        outputRoots: config.worker.outputRoots,
        allowedNotebookUrls: config.worker.allowedNotebookUrls,
        kernelCwd: config.kernel.jupyterUrl === null ? options.cwd : undefined,
        defaults: {
          startTimeoutMs: config.kernel.startTimeoutMs,
          cellTimeoutMs: config.execution.cellTimeoutMs,
          totalTimeoutMs: config.execution.totalTimeoutMs,
          autosaveCellEverySec: config.execution.autosaveCellEverySec,
        },
        version: packageVersion(),
        logger,
      },
    });
    return {
      worker,
      pool,
      async stop() {
        await worker.stop(config.worker.shutdownGraceMs);
        await cleanUp();
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** `nbconductor worker`: runs until `signal` aborts (SIGTERM/SIGINT), then drains and returns. */
export async function runWorker(
  config: Config,
  logger: Logger,
  cwd: string,
  signal: AbortSignal,
): Promise<void> {
  const metrics = await startMetricsEndpoint(config.metrics, logger);
  try {
    const runtime = await startWorkerRuntime(config, logger, {
      cwd,
      metrics: metrics?.worker(config.worker.workerId),
    });
    if (!signal.aborted)
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await runtime.stop();
  } finally {
    await metrics?.stop();
  }
}
