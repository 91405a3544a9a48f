/**
 * Wires the engine together: database and stores, transaction runner, executor, long-poll waiters,
 * sweeper, async system-task runner and event processor, with the after-commit signals between them.
 */
import type { Logger } from '../log';
import { DEFAULT_OPTIONS, type EngineContext, type EngineOptions, type EngineOptionsInput } from './context';
import { EventProcessor } from './events/processor';
import { EventQueueManager } from './events/queues/manager';
import type { EventQueueProvider } from './events/queues/provider';
import { closeExpressionWorkers, ScriptPool } from './expressions';
import { newId } from './ids';
import { AsyncTaskRunner } from './executor/async-runner';
import { WorkflowExecutor } from './executor/executor';
import { RateLimiter } from './executor/poll';
import { ScriptRunner } from './executor/script-runner';
import { QueueWaiters } from './queue/waiters';
import { SchedulerService } from './scheduler/service';
import type { Db } from './store/db';
import { DefinitionStore } from './store/definitions';
import { EventStore } from './store/events';
import { JoinStore } from './store/joins';
import { LogStore } from './store/logs';
import { QueueStore } from './store/queues';
import { ScriptEvalStore } from './store/script-evals';
import { TaskStore } from './store/tasks';
import { Transactor } from './store/transactor';
import { WorkflowStore } from './store/workflows';
import { Sweeper } from './sweeper';

export interface EngineCoreOptions {
  db: Db;
  logger: Logger;
  clock?: () => number;
  options?: EngineOptionsInput;
  /** External event queues (e.g. `sqs`) consumed for the active handlers listening on them. */
  queueProviders?: readonly EventQueueProvider[];
}

export class Engine {
  readonly ctx: EngineContext;
  readonly exec: WorkflowExecutor;
  readonly waiters = new QueueWaiters();
  readonly limiter = new RateLimiter();
  readonly sweeper: Sweeper;
  readonly runner: AsyncTaskRunner;
  readonly events: EventProcessor;
  readonly scheduler: SchedulerService;
  readonly eventQueues: EventQueueManager;
  readonly scripts: ScriptRunner;
  private readonly scriptPool: ScriptPool;

  constructor(o: EngineCoreOptions) {
    const defs = new DefinitionStore(o.db);
    const workflows = new WorkflowStore(o.db);
    const options: EngineOptions = {
      ...DEFAULT_OPTIONS,
      ...o.options,
      scheduler: { ...DEFAULT_OPTIONS.scheduler, ...o.options?.scheduler },
    };
    // Signals are bound after the components exist; until then they are no-ops.
    const signals = {
      queueChanged: (_q: string): void => undefined,
      deciderQueueChanged: (_t: number): void => undefined,
      asyncSystemTaskQueued: (): void => undefined,
      eventPublished: (): void => undefined,
      scriptRequested: (): void => undefined,
      workflowEnded: (_id: string): void => undefined,
    };
    this.ctx = {
      db: o.db,
      tx: new Transactor(o.db, o.logger, () => {
        defs.invalidate();
        workflows.invalidate();
        // Assigned below; a rollback can only happen once the engine runs.
        this.scheduler?.store.invalidate();
      }),
      defs,
      workflows,
      tasks: new TaskStore(o.db, workflows),
      queues: new QueueStore(o.db),
      logs: new LogStore(o.db),
      events: new EventStore(o.db),
      joins: new JoinStore(o.db),
      scripts: new ScriptEvalStore(o.db),
      clock: o.clock ?? Date.now,
      logger: o.logger,
      options,
      params: { env: options.env },
      signals,
      newId: () => newId(),
    };
    this.exec = new WorkflowExecutor(this.ctx);
    this.sweeper = new Sweeper(this.ctx, this.exec);
    this.runner = new AsyncTaskRunner(this.ctx, this.exec);
    this.events = new EventProcessor(this.ctx, this.exec);
    this.scriptPool = new ScriptPool({
      processes: options.scriptProcesses,
      memoryMb: options.scriptMemoryMb,
      maxResultChars: options.scriptMaxResultChars,
      onSpawn: (pid) => o.logger.debug({ pid }, 'engine: script process started'),
    });
    this.scripts = new ScriptRunner(this.ctx, this.exec, this.scriptPool, options.scriptProcesses, () =>
      this.events.kick(),
    );
    this.scheduler = new SchedulerService(this.ctx, this.exec, options.scheduler);
    this.eventQueues = new EventQueueManager(
      this.ctx,
      this.events,
      o.queueProviders ?? [],
      options.eventQueueRefreshMs,
    );
    signals.queueChanged = (q) => this.waiters.notify(q);
    signals.deciderQueueChanged = (t) => this.sweeper.notify(t);
    signals.asyncSystemTaskQueued = () => this.runner.kick();
    signals.eventPublished = () => this.events.kick();
    signals.scriptRequested = () => this.scripts.kick();
    signals.workflowEnded = (id) => this.scripts.cancel(id);
  }

  /** Resumes timers, queued system tasks, pending events and schedules left by a previous run. */
  start(): void {
    this.scripts.recover();
    this.scripts.kick();
    this.sweeper.start();
    this.scheduler.loop.start();
    this.runner.kick();
    this.events.kick();
    this.eventQueues.start();
  }

  async stop(): Promise<void> {
    this.scheduler.loop.stop();
    this.sweeper.stop();
    await this.eventQueues.stop();
    this.events.stop();
    this.waiters.releaseAll();
    await Promise.all([this.runner.stop(), this.scripts.stop()]);
    await Promise.all([this.scriptPool.close(), closeExpressionWorkers()]);
  }
}
