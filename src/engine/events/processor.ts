/**
 * Consumes the event inbox (`DefaultEventProcessor.handle`): for each pending message, in order, the
 * active handlers whose `event` equals the message's queue are evaluated (condition false → SKIPPED
 * execution) and each action runs in its own savepoint, recorded as an execution `<messageId>_<i>` so a
 * message processed twice (crash between commit and mark) never repeats an action.
 */
import { coalescedKick } from '../coalesce';
import type { EngineContext } from '../context';
import { expandInlineJson, isTruthy } from '../expressions';
import type { WorkflowExecutor } from '../executor/executor';
import type { EventHandler, JsonMap } from '../model/types';
import type { EventExecution, EventMessage } from '../store/events';
import { evaluate } from '../tasks/scripts';
import { runAction } from './actions';

const BATCH = 50;
const KEEP_PROCESSED_MS = 24 * 3600 * 1000;

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export class EventProcessor {
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly exec: WorkflowExecutor,
  ) {}

  /** Drain soon (calls before the next event-loop turn coalesce into one drain). */
  readonly kick = coalescedKick(
    () => this.drain(),
    () => this.stopped,
  );

  stop(): void {
    this.stopped = true;
  }

  private drain(): void {
    for (let round = 0; round < 20 && !this.stopped; round++) {
      const batch = this.ctx.events.pendingMessages(BATCH);
      if (batch.length === 0) return;
      for (const msg of batch) {
        try {
          this.ctx.tx.run(() => this.process(msg));
        } catch (err) {
          this.ctx.logger.error(
            { err, messageId: msg.id, queue: msg.queue },
            'engine: event processing failed',
          );
          this.ctx.tx.run(() => this.ctx.events.markProcessed(msg.id));
        }
      }
    }
    this.kick();
  }

  private conditionHolds(handler: EventHandler, payload: unknown): boolean {
    const condition = handler.condition;
    if (!condition || condition.trim() === '') return true;
    const type = handler.evaluatorType && handler.evaluatorType !== '' ? handler.evaluatorType : 'javascript';
    const input = expandInlineJson(payload);
    const result = evaluate(this.ctx, type, condition, (input ?? {}) as JsonMap);
    return isTruthy(result);
  }

  /** Runs the active handlers for one stored message and marks it processed; call inside a transaction. */
  process(msg: EventMessage): void {
    const payload = parsePayload(msg.payload);
    const now = this.ctx.clock();
    for (const handler of this.ctx.events.handlersForEvent(msg.queue, true)) {
      let holds: boolean;
      let conditionError: string | undefined;
      try {
        holds = this.conditionHolds(handler, payload);
      } catch (err) {
        this.ctx.logger.warn({ err, handler: handler.name }, 'engine: event handler condition failed');
        holds = false;
        conditionError = err instanceof Error ? err.message : String(err);
      }
      if (!holds) {
        this.ctx.events.addExecution({
          id: `${msg.id}_0`,
          messageId: msg.id,
          name: handler.name,
          event: handler.event,
          created: now,
          status: 'SKIPPED',
          output: {
            msg: msg.payload,
            condition: handler.condition,
            ...(conditionError !== undefined ? { error: conditionError } : {}),
          },
        });
        continue;
      }
      handler.actions.forEach((action, i) => {
        const execution: EventExecution = {
          id: `${msg.id}_${i}`,
          messageId: msg.id,
          name: handler.name,
          event: handler.event,
          created: now,
          status: 'IN_PROGRESS',
          action: action.action,
          output: {},
        };
        if (!this.ctx.events.addExecution(execution)) return;
        try {
          const output = this.ctx.tx.savepoint(() =>
            runAction(this.exec, action, payload, msg.queue, msg.id),
          );
          execution.output = output;
          execution.status = 'COMPLETED';
        } catch (err) {
          execution.status = 'FAILED';
          execution.output = { exception: err instanceof Error ? err.message : String(err) };
          this.ctx.logger.warn(
            { err, handler: handler.name, action: action.action },
            'engine: event action failed',
          );
        }
        this.ctx.events.updateExecution(execution);
      });
    }
    this.ctx.events.markProcessed(msg.id);
    if (msg.seq % 500 === 0)
      this.ctx.db
        .prepare("DELETE FROM event_messages WHERE status = 'PROCESSED' AND created < ?")
        .run(now - KEEP_PROCESSED_MS);
  }
}
