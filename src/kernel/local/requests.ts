/**
 * Routing of kernel messages to the request that caused them, by `parent_header.msg_id`. A request that
 * waits for idle completes only once both its reply and the iopub `status: idle` have arrived, because
 * outputs can still arrive on iopub after the shell reply.
 */
import { coerceError } from '../../errors';
import type { Logger } from '../../log';
import type { ExecuteHandlers } from '../provider';
import type { InputRequestContent, JupyterMessage } from '../messages';

interface Pending {
  waitIdle: boolean;
  handlers: ExecuteHandlers | undefined;
  onReply: (() => void) | undefined;
  reply: JupyterMessage | undefined;
  idle: boolean;
  resolve(reply: JupyterMessage): void;
  reject(err: Error): void;
}

export interface TrackOptions {
  /** Complete only after the iopub idle for this request too (shell requests). */
  waitIdle: boolean;
  handlers?: ExecuteHandlers;
  /** Called when the reply arrives, possibly before the request completes (start-up probing). */
  onReply?: () => void;
}

export class RequestRouter {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly logger: Logger) {}

  get size(): number {
    return this.pending.size;
  }

  /** Register a request before sending it; the promise settles with its reply. */
  track(msgId: string, options: TrackOptions): Promise<JupyterMessage> {
    return new Promise<JupyterMessage>((resolve, reject) => {
      this.pending.set(msgId, {
        waitIdle: options.waitIdle,
        handlers: options.handlers,
        onReply: options.onReply,
        reply: undefined,
        idle: false,
        resolve,
        reject,
      });
    });
  }

  /** Stop tracking one request and reject it (abort, send failure). No-op if already settled. */
  cancel(msgId: string, err: Error): void {
    const p = this.pending.get(msgId);
    if (!p) return;
    this.pending.delete(msgId);
    p.reject(err);
  }

  /** Forget a request without settling it (a superseded start-up probe). */
  forget(msgId: string): void {
    this.pending.delete(msgId);
  }

  rejectAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  dispatch(msg: JupyterMessage): void {
    const parentId = msg.parent_header.msg_id;
    const p = parentId === undefined ? undefined : this.pending.get(parentId);
    if (!p || parentId === undefined) {
      this.logger.trace(
        { channel: msg.channel, msgType: msg.header.msg_type, parentId },
        'kernel message for no pending request',
      );
      return;
    }
    switch (msg.channel) {
      case 'iopub':
        if (!this.callHandler(parentId, () => p.handlers?.onIOPub?.(msg))) return;
        if (msg.header.msg_type === 'status' && msg.content.execution_state === 'idle') p.idle = true;
        break;
      case 'stdin':
        if (msg.header.msg_type === 'input_request') {
          this.callHandler(parentId, () =>
            p.handlers?.onInputRequest?.(msg as unknown as JupyterMessage<InputRequestContent>),
          );
        }
        return;
      case 'shell':
      case 'control':
        p.reply = msg;
        if (p.onReply) this.callHandler(parentId, p.onReply);
        break;
    }
    if (p.reply && (p.idle || !p.waitIdle)) {
      this.pending.delete(parentId);
      p.resolve(p.reply);
    }
  }

  /**
   * A throwing handler fails its own request with that error (the provider contract) and must not break
   * message routing for everyone else. Returns false when the request was failed.
   */
  private callHandler(msgId: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.logger.debug({ err }, 'kernel message handler threw; failing its request');
      this.cancel(msgId, coerceError(err));
      return false;
    }
  }
}
