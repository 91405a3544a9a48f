/**
 * Consumes the event inbox (`DefaultEventProcessor.handle`): for each pending message, in order, the
 * active handlers whose `event` equals the message's queue are evaluated (condition false → SKIPPED
 * execution) and each action runs in its own savepoint, recorded as an execution keyed by queue + message
 * id + handler + action index, so a message delivered twice never repeats an action.
 *
 * Conditions are scripts evaluated outside the transaction (see `tasks/scripts.ts`): a message waits,
 * and the messages after it with it, until every handler's condition has its outcome.
 */
import { parseJsonExact, type JsonObject } from '../../json';
import { coalescedKick } from '../coalesce';
import type { EngineContext } from '../context';
import { expandInlineJson, isTruthy } from '../expressions';
import type { WorkflowExecutor } from '../executor/executor';
import type { EventHandler } from '../model/types';
import type { EventExecution, EventMessage } from '../store/events';
import { evaluate, PENDING, type ScriptSite } from '../tasks/scripts';
import { runAction } from './actions';

const BATCH = 50;
const KEEP_PROCESSED_MS = 24 * 3600 * 1000;

function parsePayload(text: string): unknown {
  try {
    return parseJsonExact(text);
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
      // A queue whose message waits for a condition keeps its order; other queues go on.
      const waiting = new Set<string>();
      let handled = 0;
      for (const msg of batch) {
        if (waiting.has(msg.queue)) continue;
        try {
          // The script runner wakes this processor when the condition's outcome is in.
          if (this.ctx.tx.run(() => this.process(msg)) === PENDING) {
            waiting.add(msg.queue);
            continue;
          }
        } catch (err) {
          this.ctx.logger.error(
            { err, messageId: msg.id, queue: msg.queue },
            'engine: event processing failed',
          );
          this.ctx.tx.run(() => this.ctx.events.markProcessed(msg));
        }
        handled++;
      }
      if (handled === 0) return;
    }
    this.kick();
  }

  /** Whether the handler's condition holds (with the error when it could not be evaluated), or PENDING. */
  private condition(handler: EventHandler, msg: EventMessage, payload: unknown): Verdict | typeof PENDING {
    const condition = handler.condition;
    if (!condition || condition.trim() === '') return { holds: true };
    const type = handler.evaluatorType && handler.evaluatorType !== '' ? handler.evaluatorType : 'javascript';
    const input = expandInlineJson(payload);
    try {
      const result = evaluate(
        this.ctx,
        conditionSite(msg, handler),
        type,
        condition,
        (input ?? {}) as JsonObject,
      );
      return result === PENDING ? PENDING : { holds: isTruthy(result) };
    } catch (err) {
      this.ctx.logger.warn({ err, handler: handler.name }, 'engine: event handler condition failed');
      return { holds: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * Runs the active handlers for one stored message and marks it processed (call inside a transaction), or
   * returns PENDING while a handler's condition script is being evaluated (the message stays in the inbox).
   */
  process(msg: EventMessage): typeof PENDING | undefined {
    const payload = parsePayload(msg.payload);
    const now = this.ctx.clock();
    const handlers = this.ctx.events.handlersForEvent(msg.queue, true);
    // Every condition is known before any action runs, so a message is handled in one transaction.
    const verdicts = handlers.map((h) => this.condition(h, msg, payload));
    if (verdicts.includes(PENDING)) return PENDING;
    handlers.forEach((handler, index) => {
      const verdict = verdicts[index] as Verdict;
      const site = conditionSite(msg, handler);
      this.ctx.scripts.delete(site.owner, site.site);
      if (!verdict.holds) {
        const output: JsonObject = { msg: msg.payload };
        if (handler.condition !== undefined) output.condition = handler.condition;
        if (verdict.error !== undefined) output.error = verdict.error;
        this.ctx.events.addExecution(
          {
            id: `${msg.id}_0`,
            messageId: msg.id,
            name: handler.name,
            event: handler.event,
            created: now,
            status: 'SKIPPED',
            output,
          },
          0,
        );
        return;
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
        if (!this.ctx.events.addExecution(execution, i)) return;
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
        this.ctx.events.updateExecution(execution, i);
      });
    });
    this.ctx.events.markProcessed(msg);
    if (msg.seq % 500 === 0)
      this.ctx.db
        .prepare("DELETE FROM event_messages WHERE status = 'PROCESSED' AND created < ?")
        .run(now - KEEP_PROCESSED_MS);
    return undefined;
  }
}

interface Verdict {
  holds: boolean;
  error?: string;
}

/** Where a handler's condition for a message is evaluated (kept until the message is handled). */
function conditionSite(msg: EventMessage, handler: EventHandler): ScriptSite {
  const site = JSON.stringify([msg.id, handler.name]);
  return { owner: `event:${msg.queue}`, site, kind: 'event', keep: true };
}
