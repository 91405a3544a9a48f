/**
 * One locally launched kernel: its process, its channels and the requests in flight. Lifecycle:
 * starting → ready → (dead | closed). Death (the process exited, or stopped answering heartbeats and was
 * killed) rejects everything pending at once and resolves `died`; an orderly shutdown never does.
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
import type { ExecuteHandlers, KernelDeath, KernelSession } from '../provider';
import { KernelChannels } from './channels';
import { removeConnectionFile, type ConnectionFile } from './connection';
import { HeartbeatMonitor } from './heartbeat';
import { describeExit, stderrSection, type KernelProcess, type ProcessExit } from './process';
import { RequestRouter } from './requests';
import { abortedError, onAbort, TIMED_OUT, Waker, withTimeout } from './wait';
import { MessageFactory, Signer } from './wire';

export interface LocalSessionTimings {
  /** Heartbeat ping period; 0 turns the watchdog off. */
  heartbeatIntervalMs: number;
  /** A live process silent on the heartbeat for this long is killed and reported dead. */
  heartbeatTimeoutMs: number;
  /** How long an orderly shutdown may take before the process group is killed. */
  shutdownGraceMs: number;
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

type State = 'starting' | 'ready' | 'dead' | 'closed';

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
  private resolveDied: (death: KernelDeath) => void = () => undefined;
  private infoValue: KernelInfoReplyContent | undefined;
  private state: State = 'starting';
  private death: KernelDeath | undefined;
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
    this.died = new Promise<KernelDeath>((resolve) => (this.resolveDied = resolve));
    this.router = new RequestRouter(this.log);
    this.heartbeat = new HeartbeatMonitor({
      intervalMs: params.timings.heartbeatIntervalMs,
      timeoutMs: params.timings.heartbeatTimeoutMs,
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
    return this.state === 'ready';
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
    if (this.state !== 'starting') return;
    this.state = 'ready';
    this.heartbeat.start();
  }

  async execute(
    content: ExecuteRequestContent,
    handlers?: ExecuteHandlers,
    signal?: AbortSignal,
  ): Promise<JupyterMessage<ExecuteReplyContent>> {
    if (this.state !== 'ready') throw this.notAliveError();
    if (signal?.aborted) throw abortedError('execution', signal);
    const msg = this.factory.create('shell', 'execute_request', { ...EXECUTE_DEFAULTS, ...content });
    const msgId = msg.header.msg_id;
    const reply = this.router.track(msgId, { waitIdle: true, handlers });
    const unsubscribe = onAbort(signal, () => this.router.cancel(msgId, abortedError('execution', signal)));
    this.channels
      .send('shell', msg)
      .catch((err: unknown) =>
        this.router.cancel(msgId, this.state === 'ready' ? sendError(err) : this.notAliveError()),
      );
    try {
      return (await reply) as unknown as JupyterMessage<ExecuteReplyContent>;
    } finally {
      unsubscribe();
    }
  }

  async interrupt(): Promise<void> {
    if (this.state !== 'ready') return;
    if (this.params.spec.interruptMode === 'signal') {
      this.proc.signal('SIGINT');
      return;
    }
    const msg = this.factory.create('control', 'interrupt_request', {});
    const reply = this.router.track(msg.header.msg_id, { waitIdle: false }).catch(() => undefined);
    await this.channels.send('control', msg).catch(() => undefined);
    if ((await withTimeout(reply, INTERRUPT_REPLY_MS)) === TIMED_OUT) {
      this.router.forget(msg.header.msg_id);
      this.log.warn('kernel did not answer interrupt_request');
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
      if (this.state === 'dead') return await this.release();
      this.state = 'closed';
      this.heartbeat.stop();
      this.router.rejectAll(new NbcError('E_ABORTED', `kernel "${this.kernelName}" was shut down`));
      if (!this.proc.exitStatus) {
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
    if (this.state !== 'ready' || this.proc.exitStatus) return;
    this.heartbeatLost = `it stopped answering heartbeats for ${(silentMs / 1000).toFixed(1)} s and was killed`;
    this.log.warn({ kernelPid: this.pid, silentMs }, 'kernel heartbeat lost; killing the kernel');
    this.proc.signal('SIGKILL');
  }

  private onProcessExit(exit: ProcessExit): void {
    this.heartbeat.stop();
    // Start-up failures are reported by the starter; an orderly shutdown is not a death.
    if (this.state !== 'ready') return;
    this.state = 'dead';
    const reason = this.heartbeatLost ?? `the kernel process ${describeExit(exit)}`;
    this.death = { reason, exitCode: exit.code, signal: exit.signal };
    this.log.warn(
      { kernelPid: this.pid, exitCode: exit.code, signal: exit.signal },
      `kernel died: ${reason}`,
    );
    this.router.rejectAll(this.notAliveError());
    this.resolveDied(this.death);
    void this.release();
  }

  private notAliveError(): NbcError {
    if (this.state === 'dead' && this.death) {
      return new NbcError(
        'E_KERNEL_DIED',
        `kernel "${this.kernelName}" died: ${this.death.reason}${stderrSection(this.proc.stderrText())}`,
        { kernelName: this.kernelName, exitCode: this.death.exitCode, signal: this.death.signal },
      );
    }
    if (this.state === 'closed')
      return new NbcError('E_ABORTED', `kernel "${this.kernelName}" has been shut down`);
    return new NbcError('E_INTERNAL', `kernel "${this.kernelName}" is not ready`);
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
