/** Between @jupyterlab/services' message shapes and ours (src/kernel/messages.ts). */
import type { KernelMessage } from '@jupyterlab/services';

import type { JsonObject } from '../../json';
import type { Channel, ExecuteRequestContent, JupyterMessage, MessageHeader } from '../messages';

/** Our message shape from the library's (same fields; buffers as ArrayBuffers). No copy of the content. */
export function toJupyterMessage<C = JsonObject>(msg: KernelMessage.IMessage): JupyterMessage<C> {
  const out: JupyterMessage<C> = {
    channel: msg.channel as Channel,
    header: msg.header as unknown as MessageHeader,
    parent_header: msg.parent_header as Partial<MessageHeader>,
    metadata: msg.metadata as JsonObject,
    content: msg.content as unknown as C,
  };
  if (msg.buffers && msg.buffers.length > 0) {
    out.buffers = msg.buffers.map((b) =>
      b instanceof ArrayBuffer
        ? b
        : (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer),
    );
  }
  return out;
}

/**
 * Defaults as the `local` provider has them, not the library's (stop_on_error false, allow_stdin true):
 * a kernel asking for input that nobody will answer would wait forever.
 */
export function executeContent(content: ExecuteRequestContent): KernelMessage.IExecuteRequestMsg['content'] {
  return {
    code: content.code,
    silent: content.silent ?? false,
    store_history: content.store_history ?? true,
    // name → expression text (strings), so our JSON type (which admits bigints) fits theirs
    user_expressions: (content.user_expressions ??
      {}) as KernelMessage.IExecuteRequestMsg['content']['user_expressions'],
    allow_stdin: content.allow_stdin ?? false,
    stop_on_error: content.stop_on_error ?? true,
  };
}
