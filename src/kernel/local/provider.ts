/**
 * The `local` kernel provider: no server. Launch the kernelspec's command with a connection file and
 * speak the Jupyter protocol over ZeroMQ, as nbclient/papermill do.
 */
import {
  getKernelSpec,
  expandSpecEnv,
  findKernelSpecs,
  summarizeKernelSpec,
  type KernelSpecSearchOptions,
} from '../kernelspec';
import type { Logger } from '../../log';
import type { KernelProvider, KernelSpecSummary, StartKernelOptions } from '../provider';
import type { LocalKernelSession, LocalSessionTimings } from './session';
import { startLocalKernel } from './start';
import { abortedError } from './wait';

export interface LocalKernelProviderOptions extends Omit<KernelSpecSearchOptions, 'logger'> {
  /** Environment for kernel processes (the caller decides what of process.env to pass on). */
  baseEnv: Readonly<Record<string, string>>;
  logger: Logger;
  /** Directory for connection files (default: the OS temp dir). */
  runtimeDir?: string;
  /** Heartbeat ping period (default 1500 ms; 0 disables the watchdog). */
  heartbeatIntervalMs?: number;
  /** Silence on the heartbeat after which a live kernel is killed and reported dead (default 8000 ms). */
  heartbeatTimeoutMs?: number;
  /** Orderly shutdown budget before SIGKILL (default 5000 ms). */
  shutdownGraceMs?: number;
  /** Start-up handshake retry period (default 1000 ms). */
  kernelInfoRetryMs?: number;
  /** Start attempts when a kernel loses a port race (default 4). */
  maxStartAttempts?: number;
}

export interface LocalKernelProvider extends KernelProvider {
  readonly kind: 'local';
  startKernel(options: StartKernelOptions): Promise<LocalKernelSession>;
}

export function createLocalKernelProvider(options: LocalKernelProviderOptions): LocalKernelProvider {
  const discovery: KernelSpecSearchOptions = { ...options, logger: options.logger };
  const timings: LocalSessionTimings = {
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 1500,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 8000,
    shutdownGraceMs: options.shutdownGraceMs ?? 5000,
    kernelInfoRetryMs: options.kernelInfoRetryMs ?? 1000,
  };
  const sessions = new Set<LocalKernelSession>();

  return {
    kind: 'local',

    async startKernel(start: StartKernelOptions): Promise<LocalKernelSession> {
      const spec = await getKernelSpec(start.kernelName, discovery);
      if (start.signal?.aborted) throw abortedError(`start of kernel "${spec.name}"`, start.signal);
      const env: Record<string, string> = {
        ...options.baseEnv,
        ...expandSpecEnv(spec, options.baseEnv),
        ...start.env,
        // ipykernel polls its parent pid and exits when we go away, even if we are SIGKILLed.
        JPY_PARENT_PID: String(process.pid),
        PYDEVD_DISABLE_FILE_VALIDATION: '1',
      };
      const session = await startLocalKernel({
        kernelName: spec.name,
        spec,
        cwd: start.cwd,
        env,
        startTimeoutMs: start.startTimeoutMs,
        signal: start.signal,
        logger: start.logger.child({ kernel: spec.name }),
        timings,
        runtimeDir: options.runtimeDir,
        maxAttempts: options.maxStartAttempts ?? 4,
        onReleased: (released) => sessions.delete(released),
      });
      sessions.add(session);
      return session;
    },

    async listKernelSpecs(): Promise<KernelSpecSummary[]> {
      const specs = await findKernelSpecs(discovery);
      return [...specs.values()].map(summarizeKernelSpec);
    },

    async dispose(): Promise<void> {
      await Promise.all([...sessions].map((s) => s.shutdown()));
      sessions.clear();
    },
  };
}
