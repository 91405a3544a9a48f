/**
 * Routing of kernel messages to the request that caused them, by `parent_header.msg_id`. A request that
 * waits for idle completes only once both its reply and the iopub `status: idle` have arrived, because
 * outputs can still arrive on iopub after the shell reply.
 */
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
        this.callHandler(() => p.handlers?.onIOPub?.(msg));
        if (msg.header.msg_type === 'status' && msg.content.execution_state === 'idle') p.idle = true;
        break;
      case 'stdin':
        if (msg.header.msg_type === 'input_request') {
          this.callHandler(() =>
            p.handlers?.onInputRequest?.(msg as unknown as JupyterMessage<InputRequestContent>),
          );
        }
        return;
      case 'shell':
      case 'control':
        p.reply = msg;
        if (p.onReply) this.callHandler(p.onReply);
        break;
    }
    if (p.reply && (p.idle || !p.waitIdle)) {
      this.pending.delete(parentId);
      p.resolve(p.reply);
    }
  }

  /** A throwing handler must not break message routing for everyone else. */
  private callHandler(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ err }, 'kernel message handler threw');
    }
  }
}
