/**
 * The history rule (each schedule keeps its newest `historyPerSchedule` execution records, and none older
 * than `historyMaxAgeMs`), applied in short steps between slots. A round starts at most once a minute and
 * goes schedule by schedule through the indexes, so its cost follows what it deletes, not the size of the
 * history: one statement over every record (1,000 schedules keeping 1,000 records each is a million) would
 * hold the firing loop for seconds.
 */
import { performance } from 'node:perf_hooks';

import type { EngineContext } from '../context';
import type { SchedulerOptions } from './options';
import type { ScheduleStore } from './store';

const ROUND_EVERY_MS = 60_000;
/** Records dropped by one age-rule statement (then the time budget is checked again). */
const AGE_CHUNK = 500;

interface Round {
  names: string[];
  next: number;
  /** Records of slots before this go (null: the age rule is done for this round, or off). */
  before: number | null;
}

export class HistoryPruner {
  private round: Round | undefined;
  private lastRound = -Infinity;

  constructor(
    private readonly ctx: EngineContext,
    private readonly store: ScheduleStore,
    private readonly options: SchedulerOptions,
  ) {}

  /**
   * Prunes for about `budgetMs` (at least one schedule), starting a round if the last one began a minute ago
   * or more. Returns true when there is more to do.
   */
  step(now: number, budgetMs: number): boolean {
    if (!this.round) {
      if (now - this.lastRound < ROUND_EVERY_MS) return false;
      this.lastRound = now;
      const { historyMaxAgeMs } = this.options;
      this.round = {
        names: this.store.scheduleNames(),
        next: 0,
        before: historyMaxAgeMs > 0 ? now - historyMaxAgeMs : null,
      };
    }
    const round = this.round;
    const until = performance.now() + budgetMs;
    try {
      this.ctx.tx.run(() => {
        while (round.before !== null && performance.now() < until)
          if (this.store.pruneOlderThan(round.before, AGE_CHUNK) < AGE_CHUNK) round.before = null;
        do {
          const name = round.names[round.next];
          if (name === undefined) break;
          this.store.pruneSchedule(name, this.options.historyPerSchedule);
          round.next += 1;
        } while (performance.now() < until);
      });
    } catch (err) {
      this.ctx.logger.error({ err }, 'scheduler: pruning execution history failed');
      this.round = undefined;
      return false;
    }
    if (round.before === null && round.next >= round.names.length) this.round = undefined;
    return this.round !== undefined;
  }
}
