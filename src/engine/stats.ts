/**
 * Counts for monitoring, read from the store when asked (a scrape), so they are exact and survive
 * restarts: messages waiting per task queue, and workflows per name and status.
 */
import type { EngineContext } from './context';

export interface EngineStats {
  /** Messages per queue (a task type, `domain:taskType`, or a system-task queue). */
  queues: Record<string, number>;
  workflows: { name: string; status: string; count: number }[];
}

export function engineStatsReader(ctx: EngineContext): () => EngineStats {
  // The (name, status) index answers this without reading workflow rows.
  const byNameAndStatus = ctx.db.prepare(
    'SELECT name, status, COUNT(*) AS count FROM workflows GROUP BY name, status ORDER BY name, status',
  );
  return () => ({
    queues: ctx.queues.all(),
    workflows: byNameAndStatus.all() as EngineStats['workflows'],
  });
}
