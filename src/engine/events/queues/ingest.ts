/**
 * Messages from external queues into the engine, exactly once per (queue, message id): the message is
 * stored in the event inbox and its handlers' actions run in the same transaction, so either all of it is
 * committed (and a redelivery finds the stored message and only acknowledges it) or none of it is (and a
 * redelivery runs it). When a handler's condition is a script still being evaluated, the stored message
 * waits in the inbox and the event processor runs it once the outcome is in: it is durable either way, so
 * the queue's copy can be deleted. The processor's per-action execution records dedupe within a message.
 */
import type { EngineContext } from '../../context';
import type { EventProcessor } from '../processor';
import type { IngestOutcome, MessageSink, ReceivedMessage } from './provider';

export function messageSink(ctx: EngineContext, processor: EventProcessor, event: string): MessageSink {
  return {
    ingest(message: ReceivedMessage): IngestOutcome {
      return ctx.tx.run(() => {
        if (ctx.events.getMessage(event, message.id)) return 'duplicate';
        ctx.events.addMessage(message.id, event, message.body, ctx.clock());
        const stored = ctx.events.getMessage(event, message.id);
        if (stored === undefined) throw new Error(`event message ${message.id} on ${event} was not stored`);
        if (ctx.events.handlersForEvent(event, true).length === 0)
          ctx.events.setNote(stored, `no active event handler listens on ${event}`);
        processor.process(stored);
        return 'processed';
      });
    },

    reject(message: ReceivedMessage, reason: string): void {
      ctx.tx.run(() => {
        if (ctx.events.getMessage(event, message.id)) return;
        ctx.events.addMessage(message.id, event, message.body, ctx.clock());
        const stored = ctx.events.getMessage(event, message.id);
        if (stored === undefined) return;
        ctx.events.markProcessed(stored);
        ctx.events.setNote(
          stored,
          `rejected after ${message.receiveCount} deliveries without being processed: ${reason}`,
        );
      });
    },
  };
}
