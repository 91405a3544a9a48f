/**
 * Searches over tasks (`TaskResource.search` / `search-v2`, `WorkflowResource.searchWorkflowsByTasks` /
 * `-v2`): the query grammar of workflow search over task fields (taskId, taskType, taskDefName, status,
 * referenceTaskName, workflowId, workflowType, correlationId, scheduled/start/end/updateTime).
 * Results: `TaskSummary` or `Task`; by tasks: each matching workflow once, as `WorkflowSummary` or
 * `Workflow` (without its tasks).
 */
import type { Engine } from '../engine';
import type { Router } from '../http/router';
import { toApiTask, toTaskSummary } from '../model/serialize';
import type { TaskModel } from '../model/types';
import { buildSearch, searchRequest, TASK_FIELDS, type SearchOptions } from './search';
import { ok } from './util';
import { workflowResults } from './workflow';

const OVER_TASKS: SearchOptions = { fields: TASK_FIELDS, text: 't.json', defaultOrder: 't.rowid' };
const BY_TASKS: SearchOptions = { ...OVER_TASKS, defaultOrder: 'MIN(t.rowid)', aggregate: 'MIN' };

export function registerTaskSearchRoutes(router: Router, engine: Engine): void {
  const { ctx } = engine;

  const tasks = (query: URLSearchParams, full: boolean) => {
    const r = searchRequest(query);
    const sql = buildSearch(r.query, r.freeText, r.sort, OVER_TASKS);
    const { ids, total } = ctx.tasks.search(sql.where, sql.params, sql.orderBy, r.size, r.start);
    const now = ctx.clock();
    const results = ids
      .map((id) => ctx.tasks.get(id))
      .filter((t): t is TaskModel => t !== undefined)
      .map((t) => (full ? toApiTask(t, now) : toTaskSummary(t, now)));
    return ok({ totalHits: total, results });
  };
  router.get('/api/tasks/search', (req) => tasks(req.query, false));
  router.get('/api/tasks/search-v2', (req) => tasks(req.query, true));

  const byTasks = (query: URLSearchParams, full: boolean) => {
    const r = searchRequest(query);
    const sql = buildSearch(r.query, r.freeText, r.sort, BY_TASKS);
    const { ids, total } = ctx.tasks.searchWorkflows(sql.where, sql.params, sql.orderBy, r.size, r.start);
    return ok({ totalHits: total, results: workflowResults(engine, ids, full, false) });
  };
  router.get('/api/workflow/search-by-tasks', (req) => byTasks(req.query, false));
  router.get('/api/workflow/search-by-tasks-v2', (req) => byTasks(req.query, true));
}
