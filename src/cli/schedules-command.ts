/**
 * `nbconductor schedules`: every schedule on a Conductor (embedded or real) with its crons, its next run
 * and its last result, through the SDK's SchedulerClient. A real Conductor OSS does not return
 * `nextRunTime`, so it is computed here from the crons and bounds when missing.
 */
import { NbcError, errorMessage } from '../errors';
import type { Logger } from '../log';
import { connectConductor, type ConductorTarget } from '../worker/conductor-client';

export interface ScheduleLine {
  name: string;
  workflow: string;
  /** `<cron> <zone>` of each cron. */
  crons: string[];
  paused: boolean;
  pausedReason?: string;
  nextRunTime?: number;
  last?: { state: string; scheduledTime: number; workflowId?: string; reason?: string };
}

type Schedule = {
  name?: string;
  cronExpression?: string;
  zoneId?: string;
  cronSchedules?: { cronExpression?: string; zoneId?: string }[];
  paused?: boolean;
  pausedReason?: string;
  nextRunTime?: number;
  scheduleStartTime?: number;
  scheduleEndTime?: number;
  startWorkflowRequest?: { name?: string };
};

function cronsOf(s: Schedule): { cronExpression: string; zoneId: string }[] {
  const list = s.cronSchedules && s.cronSchedules.length > 0 ? s.cronSchedules : [s];
  return list.map((c) => ({ cronExpression: c.cronExpression ?? '', zoneId: c.zoneId ?? 'UTC' }));
}

/** The earliest next slot of the schedule's crons after now, within its bounds (undefined if none). */
function computeNextRun(s: Schedule, now: number): number | undefined {
  const { parseCron } =
    require('../engine/scheduler/cron-parse') as typeof import('../engine/scheduler/cron-parse');
  const { nextSlots, zoneFor } =
    require('../engine/scheduler/cron-next') as typeof import('../engine/scheduler/cron-next');
  let best: number | undefined;
  for (const c of cronsOf(s)) {
    const zone = zoneFor(c.zoneId);
    if (!zone) continue;
    try {
      const [next] = nextSlots(parseCron(c.cronExpression), zone, now, 1, {
        start: s.scheduleStartTime || undefined,
        end: s.scheduleEndTime || undefined,
      });
      if (next !== undefined && (best === undefined || next < best)) best = next;
    } catch {
      // A cron a real Conductor stored without checking: no next run.
    }
  }
  return best;
}

export async function listSchedules(
  target: ConductorTarget,
  logger: Logger,
  now = Date.now(),
): Promise<ScheduleLine[]> {
  const { sdk, client } = await connectConductor(target, logger);
  const scheduler = new sdk.SchedulerClient(client);
  try {
    const all = (await scheduler.getAllSchedules().catch((err: unknown) => {
      throw new NbcError('E_CONDUCTOR', `listing schedules: ${errorMessage(err)}`, {}, { cause: err });
    })) as Schedule[];
    const lines: ScheduleLine[] = [];
    for (const s of [...all].sort((a, b) => String(a.name).localeCompare(String(b.name)))) {
      const name = s.name ?? '';
      const line: ScheduleLine = {
        name,
        workflow: s.startWorkflowRequest?.name ?? '',
        crons: cronsOf(s).map((c) => `${c.cronExpression} ${c.zoneId}`),
        paused: s.paused === true,
      };
      if (s.pausedReason) line.pausedReason = s.pausedReason;
      const next = line.paused ? undefined : (s.nextRunTime ?? computeNextRun(s, now));
      if (next !== undefined) line.nextRunTime = next;
      const found = await scheduler
        .search(0, 1, 'scheduledTime:DESC', '*', `scheduleName IN (${name})`)
        .catch(() => undefined);
      const last = found?.results?.[0];
      if (last?.state !== undefined && last.scheduledTime !== undefined) {
        line.last = { state: last.state, scheduledTime: last.scheduledTime };
        if (last.workflowId) line.last.workflowId = last.workflowId;
        if (last.reason) line.last.reason = last.reason;
      }
      lines.push(line);
    }
    return lines;
  } finally {
    client.stopBackgroundRefresh?.();
  }
}

function when(t: number | undefined): string {
  return t === undefined ? '-' : new Date(t).toISOString().replace('.000Z', 'Z').replace('T', ' ');
}

/** A plain-text table: name, workflow, crons, next run (UTC), last result. */
export function formatSchedules(lines: ScheduleLine[]): string {
  if (lines.length === 0) return 'no schedules\n';
  const rows = lines.map((l) => [
    l.name,
    l.workflow,
    l.crons.join(' | '),
    l.paused ? `paused${l.pausedReason ? ` (${l.pausedReason})` : ''}` : when(l.nextRunTime),
    l.last
      ? `${l.last.state} ${when(l.last.scheduledTime)}${l.last.workflowId ? ` ${l.last.workflowId}` : ''}${l.last.reason ? `: ${l.last.reason}` : ''}`
      : 'never ran',
  ]);
  const header = ['SCHEDULE', 'WORKFLOW', 'CRON ZONE', 'NEXT RUN (UTC)', 'LAST RESULT (SLOT, UTC)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const fmt = (r: string[]): string =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return `${[fmt(header), ...rows.map(fmt)].join('\n')}\n`;
}
