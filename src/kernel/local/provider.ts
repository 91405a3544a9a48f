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
import {
  livenessWith,
  type KernelLiveness,
  type KernelProvider,
  type KernelSpecSummary,
  type StartKernelOptions,
} from '../provider';
import type { LocalKernelSession, LocalSessionTimings } from './session';
import { startLocalKernel, transportFor, type TransportPreference } from './start';
import { abortedError, onAbort } from '../wait';

export interface LocalKernelProviderOptions extends Omit<KernelSpecSearchOptions, 'logger'> {
  /** Environment for kernel processes (the caller decides what of process.env to pass on). */
  baseEnv: Readonly<Record<string, string>>;
  logger: Logger;
  /** Directory for connection files (default: the OS temp dir). */
  runtimeDir?: string;
  /** Heartbeat period, silence that counts as death, shutdown budget (see KernelLiveness). */
  liveness?: Partial<KernelLiveness>;
  /** Start-up handshake retry period (default 1000 ms). */
  kernelInfoRetryMs?: number;
  /** Start attempts when a kernel loses a port race (default 4). */
  maxStartAttempts?: number;
  /** Unix sockets or TCP (default `auto`: Unix sockets for ipykernel, TCP for other kernels). */
  transport?: TransportPreference;
}

export interface LocalKernelProvider extends KernelProvider {
  readonly kind: 'local';
  startKernel(options: StartKernelOptions): Promise<LocalKernelSession>;
}

export function createLocalKernelProvider(options: LocalKernelProviderOptions): LocalKernelProvider {
  const discovery: KernelSpecSearchOptions = { ...options, logger: options.logger };
  const timings: LocalSessionTimings = {
    ...livenessWith(options.liveness),
    kernelInfoRetryMs: options.kernelInfoRetryMs ?? 1000,
  };
  const sessions = new Set<LocalKernelSession>();
  /** Aborted by dispose(): starts under way then reject E_ABORTED and leave nothing running. */
  const disposing = new AbortController();
  let disposed: Promise<void> | undefined;

  return {
    kind: 'local',

    async startKernel(start: StartKernelOptions): Promise<LocalKernelSession> {
      const what = `start of kernel "${start.kernelName}"`;
      if (disposed) throw abortedError(what, disposing.signal);
      const spec = await getKernelSpec(start.kernelName, discovery);
      // One signal for both reasons to stop: the caller's, and dispose().
      const controller = new AbortController();
      const stopOn = (signal: AbortSignal): (() => void) =>
        onAbort(signal, () => controller.abort(signal.reason));
      const unsubscribe = [stopOn(disposing.signal), ...(start.signal ? [stopOn(start.signal)] : [])];
      try {
        const signal = controller.signal;
        if (signal.aborted) throw abortedError(what, signal);
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
          signal,
          logger: start.logger.child({ kernel: spec.name }),
          timings,
          runtimeDir: options.runtimeDir,
          transport: transportFor(spec, options.transport ?? 'auto'),
          maxAttempts: options.maxStartAttempts ?? 4,
          onReleased: (released) => sessions.delete(released),
          onLaunched: start.onLaunched,
        });
        if (signal.aborted) {
          // Became ready just as dispose() ran (which did not see it): nobody would ever stop it.
          await session.shutdown();
          throw abortedError(what, signal);
        }
        sessions.add(session);
        return session;
      } finally {
        for (const off of unsubscribe) off();
      }
    },

    async listKernelSpecs(): Promise<KernelSpecSummary[]> {
      const specs = await findKernelSpecs(discovery);
      return [...specs.values()].map(summarizeKernelSpec);
    },

    dispose(): Promise<void> {
      disposed ??= (async () => {
        disposing.abort(new Error('the kernel provider was disposed'));
        await Promise.all([...sessions].map((s) => s.shutdown()));
        sessions.clear();
      })();
      return disposed;
    },
  };
}
