/** `nbconductor worker`: the notebook_run worker against any Conductor (embedded or real). */
import { outputFileMode, type Config } from '../config';
import { createKernelPool, type KernelPool } from '../kernel/pool';
import type { KernelProvider } from '../kernel/provider';
import type { Logger } from '../log';
import { packageVersion } from '../paths';
import { createStorage, type Storage } from '../storage';
import { conductorTarget, type ConductorTarget } from '../worker/conductor-client';
import { startNotebookWorker, type NotebookWorker } from '../worker/worker';
import { createKernelProviderFromConfig } from './kernels';

export interface RunningWorker {
  worker: NotebookWorker;
  pool: KernelPool;
  /** Stop the worker (drain, then interrupt) and release kernels, the Jupyter Server and storage. */
  stop(): Promise<void>;
}

export async function startWorkerRuntime(
  config: Config,
  logger: Logger,
  options: { conductor?: ConductorTarget; cwd: string; provider?: KernelProvider; storage?: Storage },
): Promise<RunningWorker> {
  const storage =
    options.storage ??
    createStorage({ cwd: options.cwd, s3: config.s3, logger, fileMode: outputFileMode(config) });
  // One kernel provider (and at most one Jupyter Server) per worker, shared by all tasks.
  const provider =
    options.provider ?? (await createKernelProviderFromConfig(config, logger, { serverRootDir: '/' }));
  const poolSize = config.worker.kernelPoolSize;
  const pool = createKernelPool(provider, {
    sizes: poolSize > 0 ? { python3: poolSize } : {},
    startTimeoutMs: config.kernel.startTimeoutMs,
    logger,
    // Kernels on this machine (local, or a Jupyter Server we started) can chdir to a task's cwd in-kernel.
    chdirInKernel: config.kernel.jupyterUrl === null,
  });
  void pool.warm().catch((err: unknown) => logger.warn({ err: String(err) }, 'could not pre-start kernels'));
  const worker = await startNotebookWorker({
    conductor: options.conductor ?? conductorTarget(config),
    workerId: config.worker.workerId,
    domain: config.worker.domain,
    concurrency: config.worker.concurrency,
    pollIntervalMs: config.worker.pollIntervalMs,
    logger,
    handler: {
      storage,
      acquireKernel: (name, o) => pool.acquire(name, o),
      outputRoot: config.worker.outputRoot,
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
  const runtime = await startWorkerRuntime(config, logger, { cwd });
  if (!signal.aborted)
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await runtime.stop();
}
