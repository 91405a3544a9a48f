/**
 * What both kernel sessions share: the state machine (starting → ready → dead | closed), the `died`
 * promise, and the errors the contract in provider.ts promises for each state. Keeping them here is what
 * keeps the providers from drifting (one once reported a shut-down kernel as dead, the other as aborted).
 */
import { NbcError, type ErrorDetails } from '../errors';
import type { KernelDeath } from './provider';
import { formatDuration } from './wait';

export type SessionState = 'starting' | 'ready' | 'dead' | 'closed';

export interface LifecycleOptions {
  kernelName: string;
  /** How messages name this kernel, e.g. `kernel "python3" (pid 123)`. */
  label: () => string;
  /** Appended to the death message (the local kernel's last stderr lines). */
  deathContext?: () => string;
  /** Extra error details (kernelId, …). */
  details?: () => ErrorDetails;
}

export class SessionLifecycle {
  readonly died: Promise<KernelDeath>;
  private current: SessionState = 'starting';
  private deathInfo: KernelDeath | undefined;
  private resolveDied: (death: KernelDeath) => void = () => undefined;

  constructor(private readonly options: LifecycleOptions) {
    this.died = new Promise<KernelDeath>((resolve) => (this.resolveDied = resolve));
  }

  get state(): SessionState {
    return this.current;
  }

  /** True from a successful start until death or the first shutdown() call. */
  get alive(): boolean {
    return this.current === 'ready';
  }

  get death(): KernelDeath | undefined {
    return this.deathInfo;
  }

  /** The start-up handshake succeeded. */
  markReady(): boolean {
    if (this.current !== 'starting') return false;
    this.current = 'ready';
    return true;
  }

  /**
   * The kernel died (while starting or running). Returns false when there is nothing to report: it had
   * already died, or shutdown() had begun (an orderly shutdown is never a death).
   */
  markDead(death: KernelDeath): boolean {
    if (this.current === 'dead' || this.current === 'closed') return false;
    this.current = 'dead';
    this.deathInfo = death;
    this.resolveDied(death);
    return true;
  }

  /** shutdown() began. Returns false if the kernel had already died or been closed. */
  markClosed(): boolean {
    if (this.current === 'dead' || this.current === 'closed') return false;
    this.current = 'closed';
    return true;
  }

  /**
   * Why a request cannot run, or was cut short: E_KERNEL_DIED after a death (CLI exit 138), E_ABORTED
   * after shutdown() (exit 130: it was our decision, not the kernel's failure).
   */
  notAliveError(): NbcError {
    const o = this.options;
    const details = { kernelName: o.kernelName, ...(o.details?.() ?? {}) };
    if (this.current === 'dead') {
      const death = this.deathInfo ?? { reason: 'unknown reason' };
      return new NbcError('E_KERNEL_DIED', `${o.label()} died: ${death.reason}${o.deathContext?.() ?? ''}`, {
        ...details,
        ...(death.exitCode !== undefined ? { exitCode: death.exitCode } : {}),
        ...(death.signal !== undefined ? { signal: death.signal } : {}),
      });
    }
    if (this.current === 'closed')
      return new NbcError('E_ABORTED', `${o.label()} has been shut down`, details);
    return new NbcError('E_INTERNAL', `${o.label()} is not ready yet`, details);
  }
}

/** The start-up timeout, worded the same by both providers. */
export function startTimeoutError(
  kernelName: string,
  timeoutMs: number,
  detail: string,
  details: ErrorDetails = {},
  context = '',
): NbcError {
  return new NbcError(
    'E_KERNEL_START',
    `kernel "${kernelName}" did not become ready within ${formatDuration(timeoutMs)} (${detail})${context}`,
    { kernelName, timeoutMs, ...details },
  );
}
