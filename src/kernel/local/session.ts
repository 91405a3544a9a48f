/**
 * One locally launched kernel: its process, its channels and the requests in flight. Lifecycle and errors
 * as the contract in ../provider.ts says (SessionLifecycle): death (the process exited, or stopped
 * answering heartbeats and was killed) rejects everything pending at once and resolves `died`; an orderly
 * shutdown never does.
 */
import { randomUUID } from 'node:crypto';

import { NbcError } from '../../errors';
import type { Logger } from '../../log';
import type { KernelSpec } from '../kernelspec';
import type {
  ExecuteReplyContent,
  ExecuteRequestContent,
  JupyterMessage,
  KernelInfoReplyContent,
} from '../messages';
import { SessionLifecycle } from '../lifecycle';
import type { ExecuteHandlers, KernelDeath, KernelLiveness, KernelSession } from '../provider';
import { KernelChannels } from './channels';
import { removeConnectionFile, type ConnectionFile } from './connection';
import { HeartbeatMonitor } from './heartbeat';
import { describeExit, stderrSection, type KernelProcess, type ProcessExit } from './process';
import { RequestRouter } from './requests';
import { abortedError, formatDuration, onAbort, TIMED_OUT, Waker, withTimeout } from '../wait';
import { MessageFactory, Signer } from './wire';

export interface LocalSessionTimings extends KernelLiveness {
  /** Start-up: repeat kernel_info_request this often until reply and iopub idle both arrive. */
  kernelInfoRetryMs: number;
}

export interface LocalSessionParams {
  kernelName: string;
  spec: KernelSpec;
  connection: ConnectionFile;
  process: KernelProcess;
  timings: LocalSessionTimings;
  logger: Logger;
  /** Called once the session has released its sockets and connection file. */
  onReleased?: (session: LocalKernelSession) => void;
}

export type ReadyOutcome =
  | { ok: true }
  | { ok: false; kind: 'exited'; exit: ProcessExit }
  | { ok: false; kind: 'timeout' }
  | { ok: false; kind: 'aborted' };

const EXECUTE_DEFAULTS: Required<Omit<ExecuteRequestContent, 'code'>> = {
  silent: false,
  store_history: true,
  user_expressions: {},
  allow_stdin: false,
  stop_on_error: true,
};
const INTERRUPT_REPLY_MS = 5000;
const HEARTBEAT_FIRST_PONG_MS = 1000;
/** A probe answered on shell but its idle has not come: give iopub this long, then probe again. */
const REPROBE_AFTER_REPLY_MS = 50;

export class LocalKernelSession implements KernelSession {
  readonly id = randomUUID();
  readonly kernelName: string;
  readonly died: Promise<KernelDeath>;
  private readonly life: SessionLifecycle;
  private infoValue: KernelInfoReplyContent | undefined;
  private heartbeatLost: string | undefined;
  private releasing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private onWelcome: (() => void) | undefined;
  private readonly factory = new MessageFactory();
  private readonly router: RequestRouter;
  private readonly channels: KernelChannels;
  private readonly heartbeat: HeartbeatMonitor;
  private readonly proc: KernelProcess;
  private readonly log: Logger;

  constructor(private readonly params: LocalSessionParams) {
    this.kernelName = params.kernelName;
    this.proc = params.process;
    this.log = params.logger;
    this.life = new SessionLifecycle({
      kernelName: params.kernelName,
      label: () => `kernel "${params.kernelName}" (pid ${this.proc.pid ?? 'none'})`,
      deathContext: () => stderrSection(this.proc.stderrText()),
    });
    this.died = this.life.died;
    this.router = new RequestRouter(this.log);
    this.heartbeat = new HeartbeatMonitor({
      intervalMs: params.timings.checkIntervalMs,
      timeoutMs: params.timings.unreachableMs,
      ping: () => this.channels.ping(),
      onLost: (ms) => this.onHeartbeatLost(ms),
      onNeverAnswered: () =>
        this.log.warn(
          { hbPort: params.connection.info.hb_port },
          'kernel never answered a heartbeat; relying on process exit to detect its death',
        ),
    });
    this.channels = new KernelChannels(
      params.connection.info,
      this.factory.session,
      new Signer(params.connection.info.key),
      {
        onMessage: (msg) => {
          if (msg.channel === 'iopub' && msg.header.msg_type === 'iopub_welcome') this.onWelcome?.();
          this.router.dispatch(msg);
        },
        onDropped: (channel, reason) =>
          this.log.warn({ channel, reason }, 'dropped an invalid kernel message'),
        onHeartbeat: () => this.heartbeat.pong(),
        onSocketError: (channel, err) => this.log.error({ channel, err }, 'kernel socket failed'),
      },
    );
    void this.proc.exited.then((exit) => this.onProcessExit(exit));
  }

  /** The kernel_info reply received during start-up. */
  get info(): KernelInfoReplyContent {
    if (!this.infoValue) throw new NbcError('E_INTERNAL', `kernel ${this.id} is not ready yet`);
    return this.infoValue;
  }

  get alive(): boolean {
    return this.life.alive;
  }

  /** The kernel's OS process id. */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  get connectionFile(): string {
    return this.params.connection.file;
  }

  /**
   * Start-up handshake. A SUB socket misses whatever the kernel publishes before our subscription reaches
   * it, so kernel_info_request is repeated until one request's reply AND its iopub idle have arrived:
   * only then is iopub known to be subscribed. While the kernel boots, probes are a second apart (the
   * first one waits in the queue anyway); once it answers, or says `iopub_welcome` (XPUB kernels,
   * JEP 65), a missed idle means only the subscription was late, so the next probe goes out at once.
   */
  async waitUntilReady(deadline: number, signal?: AbortSignal): Promise<ReadyOutcome> {
    let reply: JupyterMessage | undefined;
    let exit: ProcessExit | undefined;
    const waker = new Waker();
    const unsubscribe = onAbort(signal, () => waker.wake());
    void this.proc.exited.then((e) => {
      exit = e;
      waker.wake();
    });
    this.onWelcome = () => waker.wake();
    const probes: string[] = [];
    try {
      for (;;) {
        if (signal?.aborted) return { ok: false, kind: 'aborted' };
        const exited = exit ?? this.proc.exitStatus;
        if (exited) return { ok: false, kind: 'exited', exit: exited };
        if (reply) break;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return { ok: false, kind: 'timeout' };
        const probe = this.factory.create('shell', 'kernel_info_request', {});
        probes.push(probe.header.msg_id);
        this.router
          .track(probe.header.msg_id, { waitIdle: true, onReply: () => waker.wakeIn(REPROBE_AFTER_REPLY_MS) })
          .then(
            (msg) => {
              reply ??= msg;
              waker.wake();
            },
            () => undefined,
          );
        this.channels
          .send('shell', probe)
          .catch((err: unknown) => this.log.debug({ err }, 'kernel_info_request send failed'));
        await waker.sleep(Math.min(this.params.timings.kernelInfoRetryMs, remaining));
      }
    } finally {
      waker.cancel();
      unsubscribe();
      this.onWelcome = undefined;
      for (const id of probes) this.router.forget(id);
    }
    this.infoValue = reply.content as unknown as KernelInfoReplyContent;
    // Arm the heartbeat watchdog before anyone gets the session (one round trip, well under 1 ms).
    const pongBudget = Math.min(HEARTBEAT_FIRST_PONG_MS, Math.max(0, deadline - Date.now()));
    if (!(await this.heartbeat.awaitFirstPong(pongBudget)))
      this.log.debug('no heartbeat answer during start-up');
    return { ok: true };
  }

  /** Called once the handshake succeeded: from now on, death is reported through `died`. */
  markReady(): void {
    if (this.life.markReady()) this.heartbeat.start();
  }

  async execute(
    content: ExecuteRequestContent,
    handlers?: ExecuteHandlers,
    signal?: AbortSignal,
  ): Promise<JupyterMessage<ExecuteReplyContent>> {
    if (!this.life.alive) throw this.life.notAliveError();
    if (signal?.aborted) throw abortedError('execution', signal);
    const msg = this.factory.create('shell', 'execute_request', { ...EXECUTE_DEFAULTS, ...content });
    const msgId = msg.header.msg_id;
    const reply = this.router.track(msgId, { waitIdle: true, handlers });
    const unsubscribe = onAbort(signal, () => this.router.cancel(msgId, abortedError('execution', signal)));
    this.channels
      .send('shell', msg)
      .catch((err: unknown) =>
        this.router.cancel(msgId, this.life.alive ? sendError(err) : this.life.notAliveError()),
      );
    try {
      return (await reply) as unknown as JupyterMessage<ExecuteReplyContent>;
    } finally {
      unsubscribe();
    }
  }

  async interrupt(): Promise<void> {
    if (!this.life.alive) return;
    if (this.params.spec.interruptMode === 'signal') {
      this.proc.signal('SIGINT');
      return;
    }
    const msg = this.factory.create('control', 'interrupt_request', {});
    const reply = this.router.track(msg.header.msg_id, { waitIdle: false }).catch(() => undefined);
    await this.channels.send('control', msg).catch(() => undefined);
    if ((await withTimeout(reply, INTERRUPT_REPLY_MS)) === TIMED_OUT) {
      this.router.forget(msg.header.msg_id);
      throw new NbcError(
        'E_KERNEL_PROTOCOL',
        `kernel "${this.kernelName}" did not answer interrupt_request within ${formatDuration(INTERRUPT_REPLY_MS)}`,
        { kernelName: this.kernelName },
      );
    }
  }

  /** Orderly shutdown (shutdown_request on control), SIGKILL after the grace period. Never rejects. */
  shutdown(): Promise<void> {
    this.closing ??= this.close(false);
    return this.closing;
  }

  /** Kill without ceremony (failed or aborted start-up). */
  abandon(): Promise<void> {
    this.closing ??= this.close(true);
    return this.closing;
  }

  private async close(kill: boolean): Promise<void> {
    try {
      const busy = this.router.size > 0;
      if (!this.life.markClosed()) return await this.release();
      this.heartbeat.stop();
      this.router.rejectAll(this.life.notAliveError());
      if (!this.proc.exitStatus) {
        // As jupyter_client does: a kernel busy in a cell answers shutdown_request only once interrupted.
        if (!kill && busy && this.params.spec.interruptMode === 'signal') this.proc.signal('SIGINT');
        if (!kill) await this.requestShutdown();
        if (!this.proc.exitStatus) {
          if (!kill)
            this.log.warn({ kernelPid: this.pid }, 'kernel did not exit after shutdown_request; killing it');
          this.proc.signal('SIGKILL');
          if ((await withTimeout(this.proc.exited, this.params.timings.shutdownGraceMs)) === TIMED_OUT) {
            this.log.error({ kernelPid: this.pid }, 'kernel process did not exit after SIGKILL');
          }
        }
      }
      await this.release();
    } catch (err) {
      this.log.error({ err }, 'error during kernel shutdown');
    }
  }

  private async requestShutdown(): Promise<void> {
    const msg = this.factory.create('control', 'shutdown_request', { restart: false });
    this.channels.send('control', msg).catch(() => undefined);
    await withTimeout(this.proc.exited, this.params.timings.shutdownGraceMs);
  }

  private release(): Promise<void> {
    this.releasing ??= (async () => {
      this.heartbeat.stop();
      this.channels.close();
      await removeConnectionFile(this.params.connection).catch((err: unknown) =>
        this.log.warn({ err, file: this.params.connection.file }, 'could not remove the connection file'),
      );
      this.params.onReleased?.(this);
    })();
    return this.releasing;
  }

  private onHeartbeatLost(silentMs: number): void {
    if (!this.life.alive || this.proc.exitStatus) return;
    this.heartbeatLost = `it stopped answering heartbeats for ${(silentMs / 1000).toFixed(1)} s and was killed`;
    this.log.warn({ kernelPid: this.pid, silentMs }, 'kernel heartbeat lost; killing the kernel');
    this.proc.signal('SIGKILL');
  }

  private onProcessExit(exit: ProcessExit): void {
    this.heartbeat.stop();
    // Start-up failures are reported by the starter; an orderly shutdown is not a death.
    if (!this.life.alive) return;
    const reason = this.heartbeatLost ?? `the kernel process ${describeExit(exit)}`;
    this.life.markDead({ reason, exitCode: exit.code, signal: exit.signal });
    this.log.warn(
      { kernelPid: this.pid, exitCode: exit.code, signal: exit.signal },
      `kernel died: ${reason}`,
    );
    this.router.rejectAll(this.life.notAliveError());
    void this.release();
  }
}

function sendError(err: unknown): NbcError {
  return new NbcError(
    'E_KERNEL_PROTOCOL',
    `could not send to the kernel: ${err instanceof Error ? err.message : String(err)}`,
    {},
    { cause: err },
  );
}
