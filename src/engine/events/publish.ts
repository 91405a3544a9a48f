/**
 * Publishing a message on an event queue: stored durably in the `event_messages` inbox inside the current
 * transaction, then the event processor is woken after the commit.
 */
import { stringifyJsonExact, type JsonObject } from '../../json';
import type { EngineContext } from '../context';

/**
 * Stores the message; returns its id. A message id already on that queue is either a redelivery of that
 * message (`duplicate: 'redelivery'`: a client resending, handled once) or a distinct message the engine
 * itself publishes again (`'distinct'`, e.g. a rerun EVENT task: stored under `<id>.<uuid>`).
 */
export function publishMessage(
  ctx: EngineContext,
  queue: string,
  messageId: string,
  payload: JsonObject | string,
  duplicate: 'redelivery' | 'distinct' = 'distinct',
): string {
  const text = typeof payload === 'string' ? payload : (stringifyJsonExact(payload) ?? '{}');
  let id = messageId;
  if (!ctx.events.addMessage(id, queue, text, ctx.clock())) {
    if (duplicate === 'redelivery') return id;
    id = `${messageId}.${ctx.newId()}`;
    ctx.events.addMessage(id, queue, text, ctx.clock());
  }
  ctx.tx.afterCommit(() => ctx.signals.eventPublished());
  return id;
}
