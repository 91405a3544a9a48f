/**
 * Keeps one consumer running per external queue that an active event handler listens on (Conductor's
 * `DefaultEventQueueManager`): the set of active handlers' `event` strings is reconciled at start and
 * then every `refreshMs` (Conductor: 60 s), each split at the first `:` into a queue type and a queue
 * name. `conductor:` events are served by the in-process inbox, not here.
 */
import type { EngineContext } from '../../context';
import type { EventProcessor } from '../processor';
import { messageSink } from './ingest';
import type { EventQueueProvider } from './provider';

/** What to tell a user whose handler listens on a queue type that is not switched on. */
const ENABLE_HINTS: Record<string, string> = {
  sqs: 'set sqs.enabled to true (NBCONDUCTOR_SQS_ENABLED=true) to consume sqs: queues',
};

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export class EventQueueManager {
  private readonly providers: Map<string, EventQueueProvider>;
  private readonly running = new Map<string, Running>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly warned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly processor: EventProcessor,
    providers: readonly EventQueueProvider[],
    private readonly refreshMs: number,
  ) {
    this.providers = new Map(providers.map((p) => [p.type, p]));
  }

  start(): void {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  /** The events being consumed now (for tests and logs). */
  get consumed(): string[] {
    return [...this.running.keys()].sort();
  }

  refresh(): void {
    if (this.stopped) return;
    let events: string[];
    try {
      events = this.ctx.events.activeEvents();
    } catch (err) {
      this.ctx.logger.error({ err }, 'engine: cannot list event handlers to subscribe to their queues');
      return;
    }
    const wanted = new Set<string>();
    for (const event of events) {
      const colon = event.indexOf(':');
      const type = colon < 0 ? '' : event.slice(0, colon);
      const name = event.slice(colon + 1);
      if (type === 'conductor' || colon < 0) continue;
      const provider = this.providers.get(type);
      if (!provider || name === '') {
        this.warnOnce(event, type);
        continue;
      }
      wanted.add(event);
      if (!this.running.has(event)) this.startConsumer(event, provider, name);
    }
    for (const [event, r] of this.running) {
      if (wanted.has(event)) continue;
      this.ctx.logger.info({ event }, 'engine: no active handler listens on this queue any more; stopping');
      this.running.delete(event);
      this.stopConsumer(r);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const r of this.running.values()) this.stopConsumer(r);
    this.running.clear();
    await Promise.all([...this.stopping]);
  }

  private startConsumer(event: string, provider: EventQueueProvider, name: string): void {
    const controller = new AbortController();
    const sink = messageSink(this.ctx, this.processor, event);
    this.ctx.logger.info({ event }, 'engine: consuming event queue');
    const done = provider.consume(name, sink, controller.signal).catch((err: unknown) => {
      this.ctx.logger.error({ err, event }, 'engine: event queue consumer stopped on an error');
      // Dropped from `running`, so the next refresh starts it again.
      if (this.running.get(event)?.done === done) this.running.delete(event);
    });
    this.running.set(event, { controller, done });
  }

  private stopConsumer(r: Running): void {
    r.controller.abort();
    this.stopping.add(r.done);
    void r.done.finally(() => this.stopping.delete(r.done));
  }

  private warnOnce(event: string, type: string): void {
    if (this.warned.has(event)) return;
    this.warned.add(event);
    // info, not warn: `nbconductor up` registers the shipped sqs: example on every machine.
    this.ctx.logger.info(
      { event, hint: ENABLE_HINTS[type] },
      `engine: event handlers on ${event} are not served: no event queue of type "${type}" is enabled`,
    );
  }
}
