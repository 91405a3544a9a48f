/**
 * Publishing a message on an event queue: stored durably in the `event_messages` inbox inside the current
 * transaction, then the event processor is woken after the commit.
 */
import type { EngineContext } from '../context';
import type { JsonMap } from '../model/types';

export function publishMessage(
  ctx: EngineContext,
  queue: string,
  messageId: string,
  payload: JsonMap | string,
): string {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  let id = messageId;
  if (!ctx.events.addMessage(id, queue, text, ctx.clock())) {
    id = `${messageId}.${ctx.newId()}`;
    ctx.events.addMessage(id, queue, text, ctx.clock());
  }
  ctx.tx.afterCommit(() => ctx.signals.eventPublished());
  return id;
}
