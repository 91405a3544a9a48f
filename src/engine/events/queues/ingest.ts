/**
 * Messages from external queues into the engine, exactly once per (queue, message id): the message is
 * stored in the event inbox and its handlers' actions run in the same transaction, so either all of it is
 * committed (and a redelivery finds the stored message and only acknowledges it) or none of it is (and a
 * redelivery runs it). The processor's per-action execution records dedupe the same way within it.
 */
import type { EngineContext } from '../../context';
import type { EventMessage } from '../../store/events';
import type { EventProcessor } from '../processor';
import type { IngestOutcome, MessageSink, ReceivedMessage } from './provider';

/**
 * The inbox id of a message: the queue's own id (it becomes the handlers' `conductor.event.messageId`,
 * as in Conductor), or, if another queue's message already holds that id, `<id>@<queue>`.
 */
function storedMessage(ctx: EngineContext, queue: string, id: string): EventMessage | undefined {
  return [id, `${id}@${queue}`].map((c) => ctx.events.getMessage(c)).find((m) => m?.queue === queue);
}

function freeId(ctx: EngineContext, id: string, queue: string): string {
  return ctx.events.getMessage(id) === undefined ? id : `${id}@${queue}`;
}

export function messageSink(ctx: EngineContext, processor: EventProcessor, event: string): MessageSink {
  return {
    ingest(message: ReceivedMessage): IngestOutcome {
      return ctx.tx.run(() => {
        if (storedMessage(ctx, event, message.id)) return 'duplicate';
        const id = freeId(ctx, message.id, event);
        ctx.events.addMessage(id, event, message.body, ctx.clock());
        const stored = ctx.events.getMessage(id) as EventMessage;
        if (ctx.events.handlersForEvent(event, true).length === 0)
          ctx.events.setNote(id, `no active event handler listens on ${event}`);
        processor.process(stored);
        return 'processed';
      });
    },

    reject(message: ReceivedMessage, reason: string): void {
      ctx.tx.run(() => {
        if (storedMessage(ctx, event, message.id)) return;
        const id = freeId(ctx, message.id, event);
        ctx.events.addMessage(id, event, message.body, ctx.clock());
        ctx.events.markProcessed(id);
        ctx.events.setNote(
          id,
          `rejected after ${message.receiveCount} deliveries without being processed: ${reason}`,
        );
      });
    },
  };
}
