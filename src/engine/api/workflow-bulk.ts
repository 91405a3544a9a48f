/**
 * `/api/workflow/bulk/*` (`WorkflowBulkResource`): one operation over up to 1,000 workflow ids, each in
 * its own transaction, answering `{bulkSuccessfulResults: [ids], bulkErrorResults: {id: message}}`.
 */
import type { JsonObject } from '../../json';
import { BadRequestError, VALIDATION_FAILED } from '../api-errors';
import type { Engine } from '../engine';
import * as admin from '../executor/admin';
import type { ApiRequest, Router } from '../http/router';
import { toApiWorkflow } from '../model/serialize';
import { ok, queryBool, queryString } from './util';

const MAX_REQUEST_ITEMS = 1000;

function workflowIds(req: ApiRequest): string[] {
  const body = req.body;
  const problem = (message: string): BadRequestError =>
    new BadRequestError(VALIDATION_FAILED, [{ path: 'workflowIds', message, invalidValue: body }]);
  if (!Array.isArray(body) || body.length === 0) throw problem('WorkflowIds list cannot be null.');
  if (body.length > MAX_REQUEST_ITEMS) {
    throw problem(`Cannot process more than ${MAX_REQUEST_ITEMS} workflows. Please use multiple requests.`);
  }
  if (!body.every((id) => typeof id === 'string')) throw problem('WorkflowIds must be strings.');
  return body as string[];
}

export function registerWorkflowBulkRoutes(router: Router, engine: Engine): void {
  const { ctx, exec } = engine;

  /** Runs `op` for each id in its own transaction; a failure is recorded and the others go on. */
  const bulk = <T>(ids: string[], op: (id: string) => T) => {
    const bulkSuccessfulResults: T[] = [];
    const bulkErrorResults: Record<string, string> = {};
    for (const id of ids) {
      try {
        bulkSuccessfulResults.push(ctx.tx.run(() => op(id)));
      } catch (err) {
        bulkErrorResults[id] = err instanceof Error ? err.message : String(err);
      }
    }
    return ok({ bulkErrorResults, bulkSuccessfulResults });
  };
  const each = (op: (id: string, req: ApiRequest) => void) => (req: ApiRequest) =>
    bulk(workflowIds(req), (id) => {
      op(id, req);
      return id;
    });

  router.put(
    '/api/workflow/bulk/pause',
    each((id) => admin.pause(exec, id)),
  );
  router.put(
    '/api/workflow/bulk/resume',
    each((id) => admin.resume(exec, id)),
  );
  router.post(
    '/api/workflow/bulk/restart',
    each((id, req) => admin.restart(exec, id, queryBool(req, 'useLatestDefinitions', false))),
  );
  router.post(
    '/api/workflow/bulk/retry',
    each((id) => admin.retry(exec, id, false)),
  );
  router.post(
    '/api/workflow/bulk/terminate',
    each((id, req) => admin.terminateById(exec, id, queryString(req, 'reason'))),
  );
  router.delete(
    '/api/workflow/bulk/remove',
    each((id) => admin.removeWorkflow(exec, id)),
    { body: 'json' },
  );
  router.delete(
    '/api/workflow/bulk/terminate-remove',
    each((id, req) => admin.terminateAndRemove(exec, id, queryString(req, 'reason'))),
    { body: 'json' },
  );
  router.post('/api/workflow/bulk/search', (req) => {
    const withTasks = queryBool(req, 'includeTasks', true);
    const now = ctx.clock();
    return bulk(workflowIds(req), (id): JsonObject => {
      return toApiWorkflow(admin.loadOr404(exec, id, withTasks), withTasks, now);
    });
  });
}
