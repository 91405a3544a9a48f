/**
 * Task-to-domain routing (`setTaskDomains` / `getActiveDomain`): `taskToDomain` maps a task type (or `*`)
 * to a comma-separated domain list; the first domain with a worker polling within the activeness window
 * wins, else the last one (`NO_DOMAIN` meaning the plain queue). System tasks are never routed.
 */
import type { EngineContext } from '../context';
import { isSystemTask } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';

export function getActiveDomain(ctx: EngineContext, taskType: string, domains: string[]): string | undefined {
  if (domains.length === 0) return undefined;
  const now = ctx.clock();
  for (const raw of domains) {
    const domain = raw.trim();
    if (domain.toUpperCase() === 'NO_DOMAIN') continue;
    const poll = ctx.logs.pollDataForDomain(taskType, domain);
    if (poll && now - poll.lastPollTime < ctx.options.activeWorkerLastPollMs) return domain;
  }
  const last = (domains[domains.length - 1] as string).trim();
  return last.toUpperCase() === 'NO_DOMAIN' ? undefined : last;
}

export function setTaskDomains(ctx: EngineContext, tasks: TaskModel[], wf: WorkflowModel): void {
  const map = wf.taskToDomain;
  if (!map || Object.keys(map).length === 0) return;
  const all = map['*'];
  for (const task of tasks) {
    if (isSystemTask(task.taskType)) continue;
    if (all && all.trim() !== '') task.domain = getActiveDomain(ctx, task.taskType, all.split(','));
    const specific = map[task.taskType];
    if (specific !== undefined) task.domain = getActiveDomain(ctx, task.taskType, specific.split(','));
  }
}
