/**
 * Start one local kernel: connection file → process → channels → handshake. Free ports are found by
 * bind-and-close, which can race with other processes picking ports at the same moment; a kernel that
 * dies on "Address already in use" is retried with fresh ports while the start budget lasts.
 */
import { stat } from 'node:fs/promises';

import { NbcError } from '../../errors';
import type { Logger } from '../../log';
import { expandArgv, type KernelSpec } from '../kernelspec';
import { removeConnectionFile, writeConnectionFile, type KernelTransport } from './connection';
import { describeExit, KernelProcess, stderrSection } from './process';
import { LocalKernelSession, type LocalSessionTimings } from './session';
import { startTimeoutError } from '../lifecycle';
import { abortedError } from '../wait';

export interface StartLocalKernelParams {
  kernelName: string;
  spec: KernelSpec;
  cwd?: string;
  env: Readonly<Record<string, string>>;
  startTimeoutMs: number;
  signal?: AbortSignal;
  logger: Logger;
  timings: LocalSessionTimings;
  /** Where connection files go (default: the OS temp dir). */
  runtimeDir?: string;
  /** How the kernel's sockets are reached (see transportFor). */
  transport: KernelTransport;
  /** Attempts when the kernel dies of a port conflict. */
  maxAttempts: number;
  /** Called once a started session has released its resources (after death or shutdown). */
  onReleased?: (session: LocalKernelSession) => void;
  /** Called once, when the first kernel process is spawned. */
  onLaunched?: () => void;
}

const PORT_CONFLICT = /address already in use|EADDRINUSE/i;

/** `kernel.transport`: `auto` picks per kernelspec. */
export type TransportPreference = 'auto' | KernelTransport;

/**
 * The transport for a kernelspec. `auto`: Unix sockets (ipc) for ipykernel, which reads the connection
 * file's `transport` (it is also what jupyter_client uses for `transport="ipc"`), and TCP for every other
 * kernel: several (IRkernel, IJulia) build `host:port` endpoints whatever the transport says. Never ipc on
 * Windows.
 */
export function transportFor(spec: KernelSpec, preference: TransportPreference): KernelTransport {
  if (preference !== 'auto') return preference;
  if (process.platform === 'win32') return 'tcp';
  const m = spec.argv.indexOf('-m');
  const module = m >= 0 ? spec.argv[m + 1] : undefined;
  return module === 'ipykernel_launcher' || module === 'ipykernel' ? 'ipc' : 'tcp';
}

export async function startLocalKernel(params: StartLocalKernelParams): Promise<LocalKernelSession> {
  const started = Date.now();
  const deadline = started + params.startTimeoutMs;
  const { kernelName, logger } = params;
  if (params.cwd !== undefined && !(await isDirectory(params.cwd))) {
    // Otherwise spawn reports ENOENT as if the kernel's command were missing.
    throw new NbcError(
      'E_KERNEL_START',
      `working directory for kernel "${kernelName}" does not exist: ${params.cwd}`,
      {
        kernelName,
        field: 'cwd',
        uri: params.cwd,
      },
    );
  }
  for (let attempt = 1; ; attempt++) {
    if (params.signal?.aborted) throw abortedError(`start of kernel "${kernelName}"`, params.signal);
    const connection = await writeConnectionFile(kernelName, {
      runtimeDir: params.runtimeDir,
      transport: params.transport,
    });
    const argv = expandArgv(params.spec, connection.file);
    const details = { kernelName, argv, attempt, transport: connection.info.transport };
    let proc: KernelProcess;
    try {
      proc = new KernelProcess({ argv, cwd: params.cwd, env: params.env, logger });
    } catch (err) {
      await removeConnectionFile(connection);
      throw new NbcError('E_KERNEL_START', `cannot launch kernel "${kernelName}": ${String(err)}`, details, {
        cause: err,
      });
    }
    let session: LocalKernelSession;
    try {
      session = new LocalKernelSession({
        kernelName,
        spec: params.spec,
        connection,
        process: proc,
        timings: params.timings,
        logger: logger.child({ kernelPid: proc.pid }),
        onReleased: params.onReleased,
      });
    } catch (err) {
      await proc.kill();
      await removeConnectionFile(connection);
      throw new NbcError(
        'E_KERNEL_START',
        `cannot open ZeroMQ channels to kernel "${kernelName}": ${String(err)}`,
        details,
        {
          cause: err,
        },
      );
    }
    logger.debug({ ...details, kernelPid: proc.pid }, 'kernel process launched');
    if (attempt === 1) params.onLaunched?.();

    const outcome = await session.waitUntilReady(deadline, params.signal);
    if (outcome.ok) {
      session.markReady();
      logger.debug({ kernelName, kernelPid: proc.pid, ms: Date.now() - started, attempt }, 'kernel ready');
      return session;
    }
    await session.abandon();
    const stderr = proc.stderrText();
    switch (outcome.kind) {
      case 'aborted':
        throw abortedError(`start of kernel "${kernelName}"`, params.signal);
      case 'timeout':
        throw startTimeoutError(
          kernelName,
          params.startTimeoutMs,
          `no kernel_info reply; command: ${argv.join(' ')}`,
          details,
          stderrSection(stderr),
        );
      case 'exited': {
        if (PORT_CONFLICT.test(stderr) && attempt < params.maxAttempts && Date.now() < deadline) {
          logger.warn(
            { kernelName, attempt },
            'kernel lost a port race during start-up; retrying with new ports',
          );
          continue;
        }
        const { exit } = outcome;
        throw new NbcError(
          'E_KERNEL_START',
          `kernel "${kernelName}" ${describeExit(exit)} during start-up (command: ${argv.join(' ')})${stderrSection(stderr)}`,
          { ...details, exitCode: exit.code, signal: exit.signal },
        );
      }
    }
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  return stat(dir).then(
    (st) => st.isDirectory(),
    () => false,
  );
}
