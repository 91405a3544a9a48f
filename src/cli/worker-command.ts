/** `nbconductor worker`: the notebook_run worker against any Conductor (embedded or real). */
import type { Config } from '../config';
import { observeKernelStarts } from '../kernel/observed-provider';
import { coerceError } from '../errors';
import { createKernelPool, type KernelPool } from '../kernel/pool';
import type { KernelProvider } from '../kernel/provider';
import type { Logger } from '../log';
import type { WorkerMetrics } from '../metrics';
import { packageVersion } from '../paths';
import { createStorage, type Storage } from '../storage';
import { startNotebookWorker, type NotebookWorker } from '../worker/worker';
import { createKernelProviderFromConfig } from './kernels';
import { startMetricsEndpoint } from './metrics';

export interface RunningWorker {
  worker: NotebookWorker;
  pool: KernelPool;
  /** Stop the worker (drain, then interrupt) and release kernels, the Jupyter Server and storage. */
  stop(): Promise<void>;
}

export async function startWorkerRuntime(
  config: Config,
  logger: Logger,
  options: {
    conductorUrl?: string;
    cwd: string;
    provider?: KernelProvider;
    storage?: Storage;
    metrics?: WorkerMetrics;
  },
): Promise<RunningWorker> {
  const { metrics } = options;
  const storage = options.storage ?? createStorage({ cwd: options.cwd, s3: config.s3, logger });
  // One kernel provider (and at most one Jupyter Server) per worker, shared by all tasks.
  const base =
    options.provider ?? (await createKernelProviderFromConfig(config, logger, { serverRootDir: '/' }));
  const provider = metrics ? observeKernelStarts(base, (e) => metrics.kernelStarted(e)) : base;
  const poolSize = config.worker.kernelPoolSize;
  const pool = createKernelPool(provider, {
    sizes: poolSize > 0 ? { python3: poolSize } : {},
    startTimeoutMs: config.kernel.startTimeoutMs,
    logger,
    // Kernels on this machine (local, or a Jupyter Server we started) can chdir to a task's cwd in-kernel.
    chdirInKernel: config.kernel.jupyterUrl === null,
  });
  metrics?.watchKernelPool(() => pool.stats());
  void pool
    .warm()
    .catch((err: unknown) => logger.warn({ err: coerceError(err) }, 'could not pre-start kernels'));
  const worker = await startNotebookWorker({
    conductor: { ...config.conductor, serverUrl: options.conductorUrl ?? config.conductor.serverUrl },
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
      await pool.dispose();
      if (!options.provider) await provider.dispose();
      if (!options.storage) await storage.close();
    },
  };
}

/** Runs until `signal` aborts (SIGTERM/SIGINT), then drains and exits cleanly. */
export async function runWorkerCommand(
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
