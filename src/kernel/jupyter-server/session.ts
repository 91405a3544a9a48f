/**
 * One kernel on a Jupyter Server, behind our `KernelSession` interface: a `KernelConnection` (websocket)
 * for messages, the REST API for interrupt and shutdown. Lifecycle and errors as the contract in
 * ../provider.ts says (SessionLifecycle).
 *
 * Two departures from the obvious use of @jupyterlab/services, both deliberate:
 * - iopub comes from the connection's `iopubMessage` signal filtered by parent msg_id, not from
 *   `future.onIOPub`: the library re-routes `update_display_data` to the future of the request that
 *   created the display and drops it when that future is gone, so a cell updating an earlier cell's
 *   display would lose the message. Completion is likewise ours: execute_reply + iopub idle.
 * - A server-side auto-restart is a death for us (the notebook's state is gone). The session rewrites the
 *   server's `restarting` status to `dead` before the library sees it, so the connection tears itself down
 *   instead of reconnecting; disposing a connection in the middle of that reconnect leaves an unhandled
 *   rejection inside the library.
 * - A dropped websocket gets `reconnectGraceMs` to come back (see reconnectAwareClient), and while a cell
 *   runs the REST API is asked every `livenessPollMs` whether the kernel still exists.
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';

import { coerceError, NbcError } from '../../errors';
import { SessionLifecycle, startTimeoutError } from '../lifecycle';
import type { Logger } from '../../log';
import type {
  ExecuteReplyContent,
  ExecuteRequestContent,
  InputRequestContent,
  JupyterMessage,
  KernelInfoReplyContent,
} from '../messages';
import type { ExecuteHandlers, KernelDeath, KernelLiveness, KernelSession } from '../provider';
import { abortable, abortedError, every, withDeadline } from '../wait';
import { routeConnectionConsole, withLibraryConsole } from './console';
import { executeContent, toJupyterMessage } from './convert';
import {
  deleteKernel,
  displayUrl,
  loadServices,
  makeServerSettings,
  reconnectAwareClient,
  restFailure,
  type ServerEndpoint,
  type ServerSettings,
} from './services';

export interface SessionOptions {
  endpoint: ServerEndpoint;
  model: Kernel.IModel;
  logger: Logger;
  /**
   * `unreachableMs`: how long a dropped websocket may try to reconnect before the kernel counts as lost.
   * `checkIntervalMs`: while an execute is pending, how often to ask the REST API whether the kernel
   * still exists (a kernel shut down by another client, or culled, is otherwise invisible: jupyter_server
   * keeps its websocket open). `shutdownGraceMs`: how long to retry a refused DELETE.
   */
  liveness: KernelLiveness;
  /** Called once the session is shut down (the provider forgets it). */
  onClosed?: () => void;
}

interface PendingExecute {
  msgId: string;
  fail(err: Error): void;
}

const DELETE_RETRY_MS = 250;

export class JupyterServerKernelSession implements KernelSession {
  readonly id: string;
  readonly kernelName: string;
  readonly died: Promise<KernelDeath>;
  private infoContent: KernelInfoReplyContent | undefined;
  private readonly life: SessionLifecycle;
  private readonly conn: Kernel.IKernelConnection;
  /** Settings for REST calls (no interceptor). */
  private readonly restSettings: ServerSettings;
  private readonly log: Logger;
  private readonly pending = new Set<PendingExecute>();
  /** Rejects a pending waitReady() when shutdown() comes first. */
  private abandonStart: ((err: Error) => void) | undefined;
  private deathReason: string | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private stopProbe: (() => void) | undefined;
  private shuttingDown: Promise<void> | undefined;

  constructor(private readonly options: SessionOptions) {
    const { KernelConnection } = loadServices();
    this.id = options.model.id;
    this.kernelName = options.model.name;
    this.log = options.logger.child({ kernelId: this.id, kernel: this.kernelName });
    this.life = new SessionLifecycle({
      kernelName: this.kernelName,
      label: () => `kernel "${this.kernelName}" (${this.id})`,
      details: () => ({ kernelId: this.id }),
    });
    this.died = this.life.died;
    this.restSettings = makeServerSettings(options.endpoint);
    const serverSettings = makeServerSettings(options.endpoint, (msg) => this.intercept(msg));
    // The library prints from the constructor (and from three methods, routed below): see console.ts.
    this.conn = withLibraryConsole(
      this.log,
      () =>
        new KernelConnection({
          model: options.model,
          serverSettings,
          handleComms: false,
          kernelAPIClient: reconnectAwareClient(serverSettings, (reason) => (this.deathReason ??= reason)),
        }),
    );
    const unrouted = routeConnectionConsole(this.conn, this.log);
    if (unrouted.length > 0)
      this.log.debug({ methods: unrouted }, '@jupyterlab/services changed: its console lines are not routed');
    this.conn.statusChanged.connect((_sender, status) => this.onStatus(status));
    this.conn.connectionStatusChanged.connect((_sender, status) => this.onConnectionStatus(status));
  }

  get info(): KernelInfoReplyContent {
    if (!this.infoContent)
      throw new NbcError('E_INTERNAL', `kernel ${this.id}: info read before the kernel was ready`);
    return this.infoContent;
  }

  get alive(): boolean {
    return this.life.alive;
  }

  /** Starting or ready: a death now is news (after death or shutdown it is not). */
  private get active(): boolean {
    return this.life.state === 'starting' || this.life.state === 'ready';
  }

  /** Wait for the kernel_info reply over the websocket. Rejects E_KERNEL_START or E_ABORTED. */
  async waitReady(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const name = this.kernelName;
    const abandoned = new Promise<never>((_resolve, reject) => (this.abandonStart = reject));
    const diedWhileStarting = this.died.then((death): never => {
      throw new NbcError('E_KERNEL_START', `kernel "${name}" died while starting: ${death.reason}`, {
        kernelName: name,
        kernelId: this.id,
      });
    });
    try {
      const info = await abortable(
        withDeadline(Promise.race([this.conn.info, diedWhileStarting, abandoned]), timeoutMs, () =>
          startTimeoutError(
            name,
            timeoutMs,
            `no kernel_info reply from ${this.id} on ${displayUrl(this.options.endpoint.url)}`,
            { kernelId: this.id },
          ),
        ),
        signal,
        `start of kernel "${name}"`,
      );
      this.infoContent = info as unknown as KernelInfoReplyContent;
      this.life.markReady();
    } catch (err) {
      if (typeof err === 'string') throw new NbcError('E_KERNEL_START', `kernel "${name}": ${err}`);
      throw err;
    } finally {
      this.abandonStart = undefined;
    }
  }

  execute(
    content: ExecuteRequestContent,
    handlers: ExecuteHandlers = {},
    signal?: AbortSignal,
  ): Promise<JupyterMessage<ExecuteReplyContent>> {
    if (!this.alive) return Promise.reject(this.life.notAliveError());
    if (signal?.aborted) return Promise.reject(abortedError('execution', signal));
    let future: Kernel.IShellFuture<KernelMessage.IExecuteRequestMsg, KernelMessage.IExecuteReplyMsg>;
    try {
      future = this.conn.requestExecute(executeContent(content), false);
    } catch (err) {
      // The connection already knows the kernel is dead (or is disposed).
      this.markDead(`cannot send execute_request: ${err instanceof Error ? err.message : String(err)}`);
      return Promise.reject(this.life.notAliveError());
    }
    return new Promise((resolve, reject) => {
      const msgId = future.msg.header.msg_id;
      let reply: KernelMessage.IExecuteReplyMsg | undefined;
      let idle = false;
      let settled = false;

      const onIOPub = (_sender: unknown, msg: KernelMessage.IIOPubMessage): void => {
        if (settled || msg.parent_header.msg_id !== msgId) return;
        if (!callHandler(() => handlers.onIOPub?.(toJupyterMessage(msg)))) return;
        if (
          msg.header.msg_type === 'status' &&
          (msg.content as { execution_state?: string }).execution_state === 'idle'
        ) {
          idle = true;
          maybeFinish();
        }
      };
      const cleanup = (): void => {
        settled = true;
        this.pending.delete(entry);
        this.updateProbe();
        this.conn.iopubMessage.disconnect(onIOPub);
        signal?.removeEventListener('abort', onAbort);
        future.dispose();
      };
      const maybeFinish = (): void => {
        if (settled || !reply || !idle) return;
        const done = reply;
        cleanup();
        resolve(toJupyterMessage<ExecuteReplyContent>(done));
      };
      const entry: PendingExecute = {
        msgId,
        fail: (err) => {
          if (settled) return;
          cleanup();
          reject(err);
        },
      };
      const onAbort = (): void => entry.fail(abortedError('execution', signal));
      // A throwing handler fails this execute (the library would only console.error it and carry on).
      const callHandler = (call: () => void): boolean => {
        try {
          call();
          return true;
        } catch (err) {
          entry.fail(coerceError(err));
          return false;
        }
      };

      future.onReply = (msg) => {
        reply = msg;
        maybeFinish();
      };
      future.onStdin = (msg) => {
        if (!settled && msg.header.msg_type === 'input_request') {
          callHandler(() => handlers.onInputRequest?.(toJupyterMessage<InputRequestContent>(msg)));
        }
      };
      this.conn.iopubMessage.connect(onIOPub);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(entry);
      this.updateProbe();
    });
  }

  async interrupt(): Promise<void> {
    if (!this.alive) return;
    const { KernelAPI } = loadServices();
    try {
      await KernelAPI.interruptKernel(this.id, this.restSettings);
    } catch (err) {
      const failure = restFailure(err);
      if (failure.status === 404) {
        this.markDead('the kernel no longer exists on the server');
        throw this.life.notAliveError();
      }
      throw new NbcError('E_KERNEL_PROTOCOL', `interrupting kernel ${this.id} failed: ${failure.message}`, {
        kernelId: this.id,
        status: failure.status,
      });
    }
  }

  shutdown(): Promise<void> {
    this.shuttingDown ??= this.doShutdown();
    return this.shuttingDown;
  }

  private async doShutdown(): Promise<void> {
    const wasAlive = this.alive;
    this.life.markClosed();
    this.clearGrace();
    this.updateProbe();
    this.abandonStart?.(
      new NbcError('E_ABORTED', `start of kernel "${this.kernelName}" was aborted: it was shut down`, {
        kernelId: this.id,
      }),
    );
    const err = this.life.notAliveError();
    for (const p of [...this.pending]) p.fail(err);
    // Close our websocket first, so the server's teardown of the kernel is not seen as a connection loss.
    if (!this.conn.isDisposed) this.conn.dispose();
    await this.deleteOnServer(wasAlive);
    this.options.onClosed?.();
  }

  /**
   * `DELETE /api/kernels/<id>`, retried on 5xx for the shutdown grace period: jupyter_server answers 500
   * to a DELETE that arrives while it is auto-restarting the kernel.
   */
  private async deleteOnServer(wasAlive: boolean): Promise<void> {
    const deadline = Date.now() + this.options.liveness.shutdownGraceMs;
    for (let attempt = 1; ; attempt++) {
      let status: number;
      try {
        status = await deleteKernel(this.restSettings, this.id);
      } catch (err) {
        // The server may be gone already (it takes its kernels with it).
        this.log.debug({ err: restFailure(err).message, wasAlive }, 'kernel shutdown request failed');
        return;
      }
      if (status === 204 || status === 404) return;
      if (status < 500 || Date.now() + DELETE_RETRY_MS > deadline) {
        this.log.warn({ status, attempts: attempt }, 'Jupyter Server refused to shut the kernel down');
        return;
      }
      await new Promise((r) => setTimeout(r, DELETE_RETRY_MS));
    }
  }

  private updateProbe(): void {
    const interval = this.options.liveness.checkIntervalMs;
    const wanted = this.alive && this.pending.size > 0 && interval > 0;
    if (wanted && !this.stopProbe) {
      this.stopProbe = every(interval, () => this.probe());
    } else if (!wanted && this.stopProbe) {
      this.stopProbe();
      this.stopProbe = undefined;
    }
  }

  private async probe(): Promise<void> {
    if (!this.alive) return;
    try {
      const model = await loadServices().KernelAPI.getKernelModel(this.id, this.restSettings);
      if (!model)
        this.markDead('the kernel no longer exists on the server (shut down by another client, or culled)');
      else if (model.execution_state === 'dead') this.markDead('the server reports the kernel dead');
    } catch {
      // An unreachable server shows up on the websocket; nothing to add here.
    }
  }

  /** Runs on every decoded websocket message, before the library's handling (see the file comment). */
  private intercept(msg: KernelMessage.IMessage): void {
    if (msg.channel !== 'iopub' || msg.header.msg_type !== 'status' || this.life.state === 'closed') return;
    const content = msg.content as { execution_state?: string };
    if (content.execution_state === 'restarting') {
      this.deathReason ??= 'the kernel process died (the server restarted it; its state is lost)';
      content.execution_state = 'dead';
    } else if (content.execution_state === 'dead') {
      this.deathReason ??= 'the kernel process died';
    }
  }

  private onStatus(status: KernelMessage.Status): void {
    if (status === 'dead' || status === 'restarting' || status === 'autorestarting') {
      this.markDead(this.deathReason ?? `the server reports the kernel ${status}`);
    }
  }

  private onConnectionStatus(status: Kernel.ConnectionStatus): void {
    if (!this.active) return;
    if (status === 'connected') {
      this.clearGrace();
    } else if (status === 'disconnected') {
      this.markDead(`the websocket to ${displayUrl(this.options.endpoint.url)} closed`);
    } else if (!this.graceTimer) {
      // The library reconnects for minutes; a batch run wants to know much sooner.
      this.log.debug('kernel websocket lost; reconnecting');
      this.graceTimer = setTimeout(() => {
        this.graceTimer = undefined;
        this.markDead(
          `lost the websocket to ${displayUrl(this.options.endpoint.url)} for ${this.options.liveness.unreachableMs} ms`,
        );
      }, this.options.liveness.unreachableMs);
    }
  }

  private clearGrace(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private markDead(reason: string): void {
    if (!this.life.markDead({ reason })) return;
    this.deathReason = reason;
    this.clearGrace();
    this.updateProbe();
    this.log.warn({ reason }, 'kernel died');
    const err = this.life.notAliveError();
    for (const p of [...this.pending]) p.fail(err);
    // Stop any reconnecting; not synchronously, as we may be inside one of the connection's signals.
    setImmediate(() => {
      if (!this.conn.isDisposed) this.conn.dispose();
    });
  }
}
