/**
 * The one kernel-provider interface. Two providers implement it: `local` (launch the kernelspec's command
 * and speak ZeroMQ, like nbclient) and `jupyter-server` (a Jupyter Server, local or remote, through
 * @jupyterlab/services). Everything above this line (execute/, worker/) is provider-agnostic.
 *
 * THE CONTRACT (test/kernel/provider-contract.test.ts runs every clause on both providers)
 *
 * Lifecycle: starting → ready → dead | closed. A session is handed out only once ready; `alive` is true
 * from then until it dies or `shutdown()` is called (false at once, before shutdown completes).
 *
 * Failures, and the error each one raises (codes from src/errors.ts; CLI exit code in brackets):
 * - no such kernelspec: startKernel rejects E_KERNEL_NOT_FOUND [2], naming the available kernels.
 * - cannot start, or not ready within `startTimeoutMs` (no kernel_info reply), or died while starting:
 *   startKernel rejects E_KERNEL_START [1]. Never E_KERNEL_DIED: a kernel that never ran did not die.
 * - `signal` aborted, or the provider disposed, during start: startKernel rejects E_ABORTED [130].
 *   A rejected start leaves nothing running.
 * - the kernel dies after start (process exit or kill, heartbeat silent or websocket gone for
 *   `unreachableMs`, the server reports it dead, restarted or gone): `alive` turns false, `died`
 *   resolves once with the reason, every pending request rejects E_KERNEL_DIED [138], and so does
 *   every later execute.
 * - `shutdown()` (ours: orderly): every pending request rejects E_ABORTED [130], and so does every later
 *   execute ("has been shut down"). `died` never resolves because of a shutdown.
 * - `execute`'s own `signal` aborts: that request rejects E_ABORTED [130]; the kernel keeps running
 *   the code (interrupting it is the caller's decision) and stays usable.
 * - an execute handler throws: that request rejects with the handler's error; the session stays usable.
 * - a request cannot be sent, or an interrupt cannot be delivered: E_KERNEL_PROTOCOL [1].
 * Cell errors are not failures here: an execute_reply with status "error" resolves.
 * Timeouts for cells and notebooks belong to the executor (it interrupts, then shuts down).
 */
import type { Logger } from '../log';
import type {
  ExecuteReplyContent,
  ExecuteRequestContent,
  InputRequestContent,
  JupyterMessage,
  KernelInfoReplyContent,
} from './messages';

export type KernelProviderKind = 'local' | 'jupyter-server';

export interface KernelSpecSummary {
  name: string;
  displayName: string;
  language: string;
  /** Where the spec came from: a directory (local) or the server URL (jupyter-server). */
  source: string;
}

export interface StartKernelOptions {
  kernelName: string;
  /** Working directory of the kernel process (local) or server-relative path (jupyter-server). */
  cwd?: string;
  /** Extra environment for the kernel process (merged over the provider's base environment). */
  env?: Readonly<Record<string, string>>;
  /** Kernel start → ready (kernel_info reply and iopub subscribed) budget. */
  startTimeoutMs: number;
  signal?: AbortSignal;
  logger: Logger;
  /**
   * Called once, when the start stops needing this process's CPU for a while: local, once the kernel
   * process is spawned; jupyter-server, at once (its start is requests to the server). The caller's own work
   * then overlaps the kernel's boot instead of delaying its launch. Not called if the start fails before.
   */
  onLaunched?: () => void;
}

export interface ExecuteHandlers {
  /** Every iopub message whose parent is this request, in arrival order (status/execute_input included). */
  onIOPub?(msg: JupyterMessage): void;
  /** The kernel asked for input on the stdin channel. The executor decides what to do (we never answer). */
  onInputRequest?(msg: JupyterMessage<InputRequestContent>): void;
}

/**
 * How both providers watch a kernel and stop it (same meaning, same defaults: `DEFAULT_LIVENESS`).
 * local: the heartbeat is pinged every `checkIntervalMs`; silence for `unreachableMs` kills the kernel
 * and reports it dead (process exit is seen at once). jupyter-server: while a request runs, the REST API
 * is asked every `checkIntervalMs` whether the kernel still exists; a websocket that cannot reconnect
 * for `unreachableMs` is a death. `shutdownGraceMs`: how long an orderly shutdown may take before the
 * process group is killed (local) or the server's refusals stop being retried (jupyter-server).
 */
export interface KernelLiveness {
  /** 0 turns the periodic check off (deaths are still seen through process exit / the websocket). */
  checkIntervalMs: number;
  unreachableMs: number;
  shutdownGraceMs: number;
}

export const DEFAULT_LIVENESS: Readonly<KernelLiveness> = Object.freeze({
  checkIntervalMs: 2000,
  unreachableMs: 10_000,
  shutdownGraceMs: 5000,
});

export function livenessWith(overrides: Partial<KernelLiveness> = {}): KernelLiveness {
  return { ...DEFAULT_LIVENESS, ...overrides };
}

export interface KernelDeath {
  /** Human-readable reason: exit code/signal for a local process, status for a server kernel. */
  reason: string;
  exitCode?: number | null;
  signal?: string | null;
}

export interface KernelSession {
  /** Kernel id: the server's kernel id, or a generated id for a local kernel. */
  readonly id: string;
  readonly kernelName: string;
  /** The kernel_info reply received during start-up. */
  readonly info: KernelInfoReplyContent;
  /** True from a successful start until the kernel dies or shutdown() is called. */
  readonly alive: boolean;
  /** Resolves once if the kernel dies after start; never because of shutdown(). */
  readonly died: Promise<KernelDeath>;

  /**
   * Send an execute_request and resolve with its execute_reply once BOTH the reply and the iopub
   * `status: idle` for this request have arrived (outputs can trail the reply). Handlers see only this
   * request's messages. A reply with status "error" resolves (it is the caller's business).
   * Rejects E_KERNEL_DIED (death), E_ABORTED (shutdown, or `signal`), a handler's own error, or
   * E_KERNEL_PROTOCOL (could not send): see the contract above.
   */
  execute(
    content: ExecuteRequestContent,
    handlers?: ExecuteHandlers,
    signal?: AbortSignal,
  ): Promise<JupyterMessage<ExecuteReplyContent>>;

  /**
   * Interrupt the running execution (SIGINT or interrupt_request for local kernels, the REST API for
   * server kernels); resolves once delivered. A no-op when the kernel is not alive. Rejects
   * E_KERNEL_PROTOCOL if it could not be delivered, E_KERNEL_DIED if that showed the kernel is gone.
   */
  interrupt(): Promise<void>;

  /**
   * Orderly shutdown with a kill fallback; resolves once the kernel is gone. Never rejects, idempotent,
   * safe after death and while requests are pending (they reject E_ABORTED).
   */
  shutdown(): Promise<void>;
}

export interface KernelProvider {
  readonly kind: KernelProviderKind;
  /** A ready kernel, or a rejection as the contract above says (nothing left running). */
  startKernel(options: StartKernelOptions): Promise<KernelSession>;
  listKernelSpecs(): Promise<KernelSpecSummary[]>;
  /**
   * Shut down every kernel this provider started and release its resources (e.g. stop a Jupyter Server
   * it started); starts still under way reject E_ABORTED. Idempotent.
   */
  dispose(): Promise<void>;
}
