/** A request's iopub messages, as the kernel tests look at them. */
import type { JupyterMessage } from '../../src/kernel/messages';

/** Collects a request's iopub messages, and resolves `seen(type)` when a message of that type arrives. */
export class IOPubLog {
  readonly messages: JupyterMessage[] = [];
  private readonly waiters: { pred: (m: JupyterMessage) => boolean; resolve: () => void }[] = [];

  readonly onIOPub = (msg: JupyterMessage): void => {
    this.messages.push(msg);
    for (const w of [...this.waiters]) {
      if (w.pred(msg)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };

  types(): string[] {
    return this.messages.map((m) => m.header.msg_type);
  }

  /** Resolves when a matching message has arrived (or already had). */
  until(pred: (m: JupyterMessage) => boolean): Promise<void> {
    if (this.messages.some(pred)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  stdout(): string {
    return this.messages
      .filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stdout')
      .map((m) => String(m.content.text))
      .join('');
  }
}
