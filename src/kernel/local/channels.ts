/**
 * The five ZeroMQ sockets of one kernel client: shell/control/stdin as Dealers sharing the session id as
 * routing id (the kernel routes stdin requests to the identity of the shell request), iopub as a
 * Subscriber to everything, and the heartbeat echo.
 *
 * zeromq.js allows one pending send per socket, so sends on each socket are chained.
 */
import type * as zmqTypes from 'zeromq';

import type { Channel, JupyterMessage } from '../messages';
import { endpoint, type ConnectionInfo } from './connection';
import { decodeMessage, encodeMessage, type Signer } from './wire';

type Zmq = typeof zmqTypes;
let zmqModule: Zmq | undefined;

/** Loaded on first use: the native addon is only needed when a kernel is actually started. */
function zmq(): Zmq {
  zmqModule ??= require('zeromq') as Zmq;
  return zmqModule;
}

export type SendChannel = 'shell' | 'control' | 'stdin';

/** How soon a refused connect is retried (the kernel binds its ports a few hundred ms after launch). */
const RECONNECT_MS = 10;
/**
 * Reading a busy socket: when messages keep arriving (the previous wake-up was less than HOT_GAP_MS ago, as
 * for a cell printing line after line), pause BATCH_PAUSE_MS before waiting again, so that one wake-up reads
 * several queued messages instead of one wake-up (and two poll re-arms) per message. Messages wait at most
 * that long; a quiet socket is read the moment a message arrives.
 */
const HOT_GAP_MS = 2;
const BATCH_PAUSE_MS = 1;

export interface ChannelEvents {
  onMessage(msg: JupyterMessage): void;
  /** A frame set that failed to decode or verify; it has been dropped. */
  onDropped(channel: Channel, reason: string): void;
  onHeartbeat(): void;
  /** A socket failed outside of an orderly close. */
  onSocketError(channel: Channel | 'hb', err: unknown): void;
}

type ReadableSocket = zmqTypes.Dealer | zmqTypes.Subscriber;

export class KernelChannels {
  private readonly dealers: Record<SendChannel, zmqTypes.Dealer>;
  private readonly iopub: zmqTypes.Subscriber;
  private readonly hb: zmqTypes.Dealer;
  private readonly sendChains = new Map<SendChannel | 'hb', Promise<void>>();
  private hbPending = false;
  private closedFlag = false;

  constructor(
    info: ConnectionInfo,
    session: string,
    private readonly signer: Signer,
    private readonly events: ChannelEvents,
  ) {
    const z = zmq();
    // linger 0: never let queued messages to a dead kernel hold up close or process exit.
    // reconnectInterval: our sockets connect before the kernel has bound its ports; ZeroMQ retries a
    // refused connection after 100 ms by default, which the kernel's start-up would wait for.
    const common = { linger: 0, reconnectInterval: RECONNECT_MS };
    const dealer = (port: number): zmqTypes.Dealer => {
      const s = new z.Dealer({ ...common, routingId: session });
      s.connect(endpoint(info, port));
      return s;
    };
    this.dealers = {
      shell: dealer(info.shell_port),
      control: dealer(info.control_port),
      stdin: dealer(info.stdin_port),
    };
    // No receive limit on iopub: a SUB socket silently drops messages beyond its high-water mark.
    this.iopub = new z.Subscriber({ ...common, receiveHighWaterMark: 0 });
    this.iopub.subscribe();
    this.iopub.connect(endpoint(info, info.iopub_port));
    this.hb = new z.Dealer({ ...common, sendTimeout: 0 });
    this.hb.connect(endpoint(info, info.hb_port));

    void this.pump(this.dealers.shell, 'shell');
    void this.pump(this.dealers.control, 'control');
    void this.pump(this.dealers.stdin, 'stdin');
    void this.pump(this.iopub, 'iopub');
    void this.pumpHeartbeat();
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  send(channel: SendChannel, msg: JupyterMessage<unknown>): Promise<void> {
    if (this.closedFlag) return Promise.reject(new Error(`${channel} channel is closed`));
    const frames = encodeMessage(msg, this.signer);
    const socket = this.dealers[channel];
    const previous = this.sendChains.get(channel) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => socket.send(frames));
    this.sendChains.set(channel, next);
    return next;
  }

  /** Send one heartbeat ping (skipped while the previous one is still being queued). */
  ping(): void {
    if (this.closedFlag || this.hbPending) return;
    this.hbPending = true;
    this.hb
      .send(Buffer.from('ping'))
      .catch(() => undefined) // EAGAIN at the high-water mark: the missing pong is what counts
      .finally(() => (this.hbPending = false));
  }

  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const s of [this.dealers.shell, this.dealers.control, this.dealers.stdin, this.iopub, this.hb])
      s.close();
  }

  /** Read `socket` until it is closed: everything already queued in one go, in batches while it is busy. */
  private async pump(socket: ReadableSocket, channel: Channel): Promise<void> {
    let lastWake = -Infinity;
    try {
      while (!this.closedFlag) {
        this.deliver(await socket.receive(), channel);
        while (!this.closedFlag && socket.readable) this.deliver(await socket.receive(), channel);
        const now = performance.now();
        const busy = now - lastWake < HOT_GAP_MS;
        lastWake = now;
        if (busy) await new Promise((resolve) => setTimeout(resolve, BATCH_PAUSE_MS));
      }
    } catch (err) {
      if (!this.closedFlag) this.events.onSocketError(channel, err);
    }
  }

  private deliver(frames: Buffer[], channel: Channel): void {
    const decoded = decodeMessage(frames, channel, this.signer);
    if (decoded.ok) this.events.onMessage(decoded.message);
    else this.events.onDropped(channel, decoded.reason);
  }

  private async pumpHeartbeat(): Promise<void> {
    try {
      for await (const _frames of this.hb) this.events.onHeartbeat();
    } catch (err) {
      if (!this.closedFlag) this.events.onSocketError('hb', err);
    }
  }
}
