/**
 * The one kernel-provider interface. Two providers implement it: `local` (launch the kernelspec's command
 * and speak ZeroMQ, like nbclient) and `jupyter-server` (a Jupyter Server, local or remote, through
 * @jupyterlab/services). Everything above this line (execute/, worker/) is provider-agnostic.
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
}

export interface ExecuteHandlers {
  /** Every iopub message whose parent is this request, in arrival order (status/execute_input included). */
  onIOPub?(msg: JupyterMessage): void;
  /** The kernel asked for input on the stdin channel. The executor decides what to do (we never answer). */
  onInputRequest?(msg: JupyterMessage<InputRequestContent>): void;
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
  /** False once the kernel has died or been shut down. */
  readonly alive: boolean;
  /** Resolves if the kernel dies unexpectedly; never resolves after an orderly shutdown. */
  readonly died: Promise<KernelDeath>;

  /**
   * Send an execute_request and resolve with its execute_reply once BOTH the reply and the iopub
   * `status: idle` for this request have arrived (outputs can trail the reply).
   * Rejects with NbcError E_KERNEL_DIED if the kernel dies first, E_ABORTED if `signal` aborts.
   * A reply with status "error" resolves (it is the caller's business).
   */
  execute(
    content: ExecuteRequestContent,
    handlers?: ExecuteHandlers,
    signal?: AbortSignal,
  ): Promise<JupyterMessage<ExecuteReplyContent>>;

  /** Interrupt the running execution (signal for local kernels, REST/control for server kernels). */
  interrupt(): Promise<void>;

  /** Orderly shutdown with a kill fallback. Idempotent; safe after death. */
  shutdown(): Promise<void>;
}

export interface KernelProvider {
  readonly kind: KernelProviderKind;
  startKernel(options: StartKernelOptions): Promise<KernelSession>;
  listKernelSpecs(): Promise<KernelSpecSummary[]>;
  /** Release provider resources (e.g. stop a Jupyter Server this provider started). Idempotent. */
  dispose(): Promise<void>;
}
