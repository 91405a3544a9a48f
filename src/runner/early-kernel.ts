/**
 * Starting the kernel as soon as its name is known (right after the input is parsed as JSON), so kernel
 * boot overlaps validation, parameterization and output preparation. `launched` says when preparing no
 * longer delays the kernel's launch (the provider's onLaunched, or the start settled). If preparation
 * fails, the kernel is aborted or shut down: bad input still leaves nothing behind.
 */
import type { KernelSession } from '../kernel/provider';
import type { Logger } from '../log';

export type StartKernel = (
  kernelName: string,
  options: {
    cwd?: string;
    startTimeoutMs: number;
    signal?: AbortSignal;
    logger: Logger;
    /** See StartKernelOptions.onLaunched. A starter that never calls it makes `launched` wait for the start. */
    onLaunched?: () => void;
  },
) => Promise<KernelSession>;

export interface KernelStartOptions {
  cwd?: string;
  startTimeoutMs: number;
  signal?: AbortSignal;
  logger: Logger;
}

const noop = (): void => undefined;

export class EarlyKernel {
  private readonly controller = new AbortController();
  private readonly pending: Promise<KernelSession> | null;
  private taken = false;
  /** Resolves when the kernel has been launched, or its start has settled (or nothing was started). */
  readonly launched: Promise<void>;

  private constructor(
    private readonly start: StartKernel,
    private readonly name: string | undefined,
    private readonly options: KernelStartOptions,
  ) {
    const outer = options.signal;
    if (outer) outer.addEventListener('abort', () => this.controller.abort(outer.reason), { once: true });
    let onLaunched = (): void => undefined;
    const launched = new Promise<void>((resolve) => (onLaunched = resolve));
    this.pending =
      name === undefined ? null : start(name, { ...options, signal: this.controller.signal, onLaunched });
    // Errors surface in take(); this also keeps a start nobody takes from being an unhandled rejection.
    const settled = this.pending ? this.pending.then(noop, noop) : Promise.resolve();
    this.launched = Promise.race([launched, settled]);
  }

  /** Begin starting `name` now (nothing starts when the name is not known yet). */
  static begin(start: StartKernel, name: string | undefined, options: KernelStartOptions): EarlyKernel {
    return new EarlyKernel(start, name, options);
  }

  /** The session for `kernelName`: the early one if it is that kernel, else a fresh start. */
  async take(kernelName: string): Promise<KernelSession> {
    this.taken = true;
    if (this.pending && this.name === kernelName) return this.pending;
    await this.discard();
    return this.start(kernelName, this.options);
  }

  /** Preparation failed: stop the early kernel (abort its start, or shut it down). */
  async release(): Promise<void> {
    if (this.taken) return;
    this.taken = true;
    await this.discard();
  }

  private async discard(): Promise<void> {
    if (!this.pending) return;
    this.controller.abort(new Error('kernel not needed'));
    const session = await this.pending.catch(() => null);
    await session?.shutdown().catch(() => undefined);
  }
}
