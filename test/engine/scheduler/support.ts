/** Shared setup for scheduler tests: the SDK's SchedulerClient, a small workflow, execution lookups. */
import { SchedulerClient } from '@io-orkes/conductor-javascript';

import { harness, raw, waitFor, type Harness, type Json } from '../support';
import type { TestEngineOptions } from '../../helpers/engine';

export interface SchedulerHarness extends Harness {
  schedules: SchedulerClient;
}

export const WF = 'wf_sched';

export async function schedulerHarness(
  opts: TestEngineOptions = { memory: true },
): Promise<SchedulerHarness> {
  const h = await harness(opts);
  await h.metadata.registerWorkflowDef({
    name: WF,
    version: 1,
    tasks: [{ name: 'sched_task', taskReferenceName: 't', type: 'SIMPLE' }],
  } as never);
  return Object.assign(h, { schedules: new SchedulerClient(h.client) });
}

export async function executions(url: string, query: string, extra = ''): Promise<Json[]> {
  const r = await raw(
    url,
    'GET',
    `/api/scheduler/search/executions?size=1000&sort=scheduledTime:ASC&query=${encodeURIComponent(query)}${extra}`,
  );
  if (r.status !== 200) throw new Error(`search/executions: ${r.status} ${r.text}`);
  return (r.json as Json).results as Json[];
}

/** Waits until `schedule` has at least `n` execution records matching `states`. */
export async function waitForExecutions(
  url: string,
  schedule: string,
  n: number,
  states = 'EXECUTED',
  timeoutMs = 20_000,
): Promise<Json[]> {
  return waitFor(
    `${n} ${states} executions of ${schedule}`,
    async () => {
      const list = await executions(url, `scheduleName IN (${schedule}) AND state IN (${states})`);
      return list.length >= n ? list : undefined;
    },
    timeoutMs,
  );
}

/** Workflows started by `schedule`, oldest slot first. */
export async function scheduledRuns(url: string, schedule: string): Promise<Json[]> {
  const ids = (await executions(url, `scheduleName IN (${schedule}) AND state IN (EXECUTED)`)).map(
    (e) => e.workflowId as string,
  );
  const runs = await Promise.all(
    ids.map(async (id) => (await raw(url, 'GET', `/api/workflow/${id}`)).json as Json),
  );
  return runs;
}

/** Resolves once the wall clock has passed `t` (time itself is what the test waits for). */
export async function untilClockPasses(t: number): Promise<void> {
  await waitFor(
    `the clock to pass ${new Date(t).toISOString()}`,
    async () => Date.now() > t,
    t - Date.now() + 10_000,
  );
}

/** A 6-field cron matching only the local wall-clock second of instant `t` in `zone`. */
export function cronAt(t: number, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      day: 'numeric',
      month: 'numeric',
    })
      .formatToParts(new Date(t))
      .map((p) => [p.type, p.value]),
  );
  return `${Number(parts.second)} ${Number(parts.minute)} ${Number(parts.hour)} ${Number(parts.day)} ${Number(parts.month)} *`;
}

export { raw, waitFor, type Json };
