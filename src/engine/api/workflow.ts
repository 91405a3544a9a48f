/** `/api/workflow`: start, read, search and operate on executions (`WorkflowResource`). */
import { isPlainObject, type JsonObject } from '../../json';
import { BadRequestError, NotFoundError, VALIDATION_FAILED, type ValidationError } from '../api-errors';
import type { Engine } from '../engine';
import * as admin from '../executor/admin';
import { rerun } from '../executor/rerun';
import { normalizeWorkflowDef } from '../model/defaults';
import { toApiTask, toApiWorkflow, toWorkflowSummary } from '../model/serialize';
import { isTerminal, isWorkflowTerminal } from '../model/status';
import type { StartWorkflowInput, WorkflowModel } from '../model/types';
import type { Router } from '../http/router';
import { validateWorkflowDef } from '../validation/workflow-def';
import { buildSearch, searchRequest } from './search';
import { bodyObject, noContent, ok, param, queryBool, queryInt, queryString, text } from './util';

function validatePriority(p: unknown, errors: ValidationError[]): number | undefined {
  if (p === undefined || p === null) return undefined;
  if (typeof p !== 'number' || !Number.isInteger(p))
    errors.push({ path: 'priority', message: 'priority must be an integer', invalidValue: p });
  else if (p < 0)
    errors.push({ path: 'priority', message: `priority: ${p} should be minimum 0`, invalidValue: p });
  else if (p > 99)
    errors.push({ path: 'priority', message: `priority: ${p} should be maximum 99`, invalidValue: p });
  return typeof p === 'number' ? p : undefined;
}

/** A StartWorkflowRequest body turned into engine input, with every problem reported. */
export function parseStartRequest(engine: Engine, body: Record<string, unknown>): StartWorkflowInput {
  const errors: ValidationError[] = [];
  const inline = body.workflowDef;
  if (typeof body.name !== 'string' || body.name === '') {
    if (!(isPlainObject(inline) && typeof inline.name === 'string' && inline.name !== '')) {
      errors.push({ path: 'name', message: 'Workflow name cannot be null or empty' });
    }
  }
  const priority = validatePriority(body.priority, errors);
  if (inline !== undefined && inline !== null) {
    errors.push(
      ...validateWorkflowDef(
        inline,
        { getTaskDef: (n) => engine.ctx.defs.getTaskDef(n), env: engine.ctx.options.env },
        'workflowDef.',
      ),
    );
  }
  if (body.input !== undefined && body.input !== null && !isPlainObject(body.input)) {
    errors.push({ path: 'input', message: 'input must be a JSON object', invalidValue: body.input });
  }
  if (body.taskToDomain !== undefined && body.taskToDomain !== null && !isPlainObject(body.taskToDomain)) {
    errors.push({
      path: 'taskToDomain',
      message: 'taskToDomain must be a map of strings',
      invalidValue: body.taskToDomain,
    });
  }
  if (errors.length > 0) throw new BadRequestError(VALIDATION_FAILED, errors);
  const def = isPlainObject(inline) ? normalizeWorkflowDef(inline) : undefined;
  return {
    name: typeof body.name === 'string' && body.name !== '' ? body.name : def?.name,
    version: typeof body.version === 'number' ? body.version : undefined,
    workflowDefinition: def,
    input: body.input === undefined ? {} : (body.input as JsonObject | null),
    correlationId: typeof body.correlationId === 'string' ? body.correlationId : undefined,
    priority,
    taskToDomain: isPlainObject(body.taskToDomain)
      ? (body.taskToDomain as Record<string, string>)
      : undefined,
    createdBy: typeof body.createdBy === 'string' ? body.createdBy : undefined,
    externalInputPayloadStoragePath:
      typeof body.externalInputPayloadStoragePath === 'string'
        ? body.externalInputPayloadStoragePath
        : undefined,
  };
}

function getOr404(engine: Engine, workflowId: string, includeTasks: boolean): WorkflowModel {
  const wf = engine.exec.store.loadWorkflow(workflowId, includeTasks);
  if (!wf) throw new NotFoundError(`Workflow with id: ${workflowId} not found.`);
  return wf;
}

export function registerWorkflowRoutes(router: Router, engine: Engine): void {
  const { ctx, exec } = engine;
  const run = <T>(fn: () => T): T => ctx.tx.run(fn);

  router.post('/api/workflow', (req) => {
    const input = parseStartRequest(engine, bodyObject(req, 'StartWorkflowRequest'));
    return text(run(() => exec.startWorkflow(input)).workflowId);
  });

  router.post('/api/workflow/{name}', (req) => {
    const name = param(req, 'name');
    const version = queryInt(req, 'version');
    const errors: ValidationError[] = [];
    const priority = validatePriority(queryInt(req, 'priority', 0), errors);
    if (errors.length > 0) throw new BadRequestError(VALIDATION_FAILED, errors);
    if (req.body === undefined) throw new BadRequestError('Required request body is missing: workflow input');
    if (req.body !== null && !isPlainObject(req.body))
      throw new BadRequestError('Workflow input must be a JSON object');
    const id = run(() => {
      const def = ctx.defs.getWorkflowDef(name, version);
      if (!def)
        throw new NotFoundError(`No such workflow found by name: ${name}, version: ${version ?? 'null'}`);
      return exec.startWorkflow({
        name: def.name,
        version: def.version,
        correlationId: queryString(req, 'correlationId'),
        priority,
        input: req.body as JsonObject | null,
      }).workflowId;
    });
    return text(id);
  });

  // Synchronous start: waits (up to waitForSeconds, default 10) until the workflow ends, the task
  // `waitUntilTaskRef` finishes, or the workflow blocks on a WAIT/HUMAN task; answers the workflow.
  router.post('/api/workflow/execute/{name}/{version}', async (req) => {
    const body = isPlainObject(req.body) ? req.body : {};
    const version = Number(param(req, 'version'));
    const input = parseStartRequest(engine, {
      ...body,
      name: param(req, 'name'),
      version: Number.isInteger(version) ? version : undefined,
    });
    const id = run(() => exec.startWorkflow(input)).workflowId;
    const waitMs = Math.min(Math.max(0, queryInt(req, 'waitForSeconds', 10)), 300) * 1000;
    const untilRef = queryString(req, 'waitUntilTaskRef') ?? '';
    const deadline = ctx.clock() + waitMs;
    let wf = getOr404(engine, id, true);
    while (!settled(wf, untilRef) && ctx.clock() < deadline && !req.signal.aborted) {
      await new Promise((r) => setTimeout(r, 10));
      wf = getOr404(engine, id, true);
    }
    return ok({
      ...toApiWorkflow(wf, true, ctx.clock()),
      responseType: 'TARGET_WORKFLOW',
      targetWorkflowId: id,
      targetWorkflowStatus: wf.status,
      requestId: queryString(req, 'requestId') ?? null,
    });
  });

  router.get('/api/workflow/search', (req) => search(engine, req.query, false));
  router.get('/api/workflow/search-v2', (req) => search(engine, req.query, true));

  router.get('/api/workflow/running/{name}', (req) => {
    const name = param(req, 'name');
    const version = queryInt(req, 'version', 1);
    const from = queryInt(req, 'startTime', 0);
    const to = queryInt(req, 'endTime', Number.MAX_SAFE_INTEGER);
    return ok(ctx.workflows.runningIds(name, version, from, to));
  });

  router.get('/api/workflow/{name}/correlated/{correlationId}', (req) => {
    const includeClosed = queryBool(req, 'includeClosed', false);
    const includeTasks = queryBool(req, 'includeTasks', false);
    return ok(
      correlated(engine, param(req, 'name'), param(req, 'correlationId'), includeClosed, includeTasks),
    );
  });

  router.post('/api/workflow/{name}/correlated', (req) => {
    const ids = Array.isArray(req.body) ? req.body.map(String) : [];
    const includeClosed = queryBool(req, 'includeClosed', false);
    const includeTasks = queryBool(req, 'includeTasks', false);
    const out: Record<string, unknown> = {};
    for (const c of ids) out[c] = correlated(engine, param(req, 'name'), c, includeClosed, includeTasks);
    return ok(out);
  });

  router.get('/api/workflow/{workflowId}', (req) => {
    const includeTasks = queryBool(req, 'includeTasks', true);
    return ok(
      toApiWorkflow(getOr404(engine, param(req, 'workflowId'), includeTasks), includeTasks, ctx.clock()),
    );
  });

  router.get('/api/workflow/{workflowId}/status', (req) => {
    const wf = getOr404(engine, param(req, 'workflowId'), false);
    const out: JsonObject = { workflowId: wf.workflowId, status: wf.status };
    if (wf.correlationId !== undefined) out.correlationId = wf.correlationId;
    if (queryBool(req, 'includeOutput', false)) out.output = wf.output;
    if (queryBool(req, 'includeVariables', false)) out.variables = wf.variables;
    return ok(out);
  });

  router.get('/api/workflow/{workflowId}/tasks', (req) => {
    const wf = getOr404(engine, param(req, 'workflowId'), true);
    const start = queryInt(req, 'start', 0);
    const count = queryInt(req, 'count', 15);
    const statuses = req.query
      .getAll('status')
      .flatMap((s) => s.split(','))
      .filter((s) => s !== '');
    const tasks = wf.tasks.filter((t) => statuses.length === 0 || statuses.includes(t.status));
    return ok({
      totalHits: tasks.length,
      results: tasks.slice(start, start + count).map((t) => toApiTask(t, ctx.clock())),
    });
  });

  router.delete('/api/workflow/{workflowId}', (req) => {
    run(() => admin.terminateById(exec, param(req, 'workflowId'), queryString(req, 'reason')));
    return ok();
  });

  router.delete('/api/workflow/{workflowId}/remove', (req) => {
    run(() => admin.removeWorkflow(exec, param(req, 'workflowId')));
    return ok();
  });

  router.delete('/api/workflow/{workflowId}/terminate-remove', (req) => {
    run(() => admin.terminateAndRemove(exec, param(req, 'workflowId'), queryString(req, 'reason')));
    return ok();
  });

  router.put(
    '/api/workflow/{workflowId}/pause',
    (req) => {
      run(() => admin.pause(exec, param(req, 'workflowId')));
      return ok();
    },
    { body: 'none' },
  );

  router.put(
    '/api/workflow/{workflowId}/resume',
    (req) => {
      run(() => admin.resume(exec, param(req, 'workflowId')));
      return ok();
    },
    { body: 'none' },
  );

  router.put(
    '/api/workflow/decide/{workflowId}',
    (req) => {
      run(() => exec.decide(param(req, 'workflowId')));
      return ok();
    },
    { body: 'none' },
  );

  router.put('/api/workflow/{workflowId}/skiptask/{taskReferenceName}', (req) => {
    const body = isPlainObject(req.body) ? req.body : {};
    const input = isPlainObject(body.taskInput) ? body.taskInput : undefined;
    const output = isPlainObject(body.taskOutput) ? body.taskOutput : undefined;
    run(() => admin.skipTask(exec, param(req, 'workflowId'), param(req, 'taskReferenceName'), input, output));
    return ok();
  });

  router.post(
    '/api/workflow/{workflowId}/retry',
    (req) => {
      run(() => admin.retry(exec, param(req, 'workflowId'), queryBool(req, 'resumeSubworkflowTasks', false)));
      return noContent();
    },
    { body: 'none' },
  );

  router.post(
    '/api/workflow/{workflowId}/restart',
    (req) => {
      run(() => admin.restart(exec, param(req, 'workflowId'), queryBool(req, 'useLatestDefinitions', false)));
      return noContent();
    },
    { body: 'none' },
  );

  router.post(
    '/api/workflow/{workflowId}/resetcallbacks',
    (req) => {
      run(() => admin.resetCallbacks(exec, param(req, 'workflowId')));
      return noContent();
    },
    { body: 'none' },
  );

  router.post('/api/workflow/{workflowId}/rerun', (req) => {
    const body = isPlainObject(req.body) ? req.body : {};
    const id = run(() =>
      rerun(exec, {
        reRunFromWorkflowId: param(req, 'workflowId'),
        reRunFromTaskId: typeof body.reRunFromTaskId === 'string' ? body.reRunFromTaskId : undefined,
        workflowInput: isPlainObject(body.workflowInput) ? body.workflowInput : undefined,
        taskInput: isPlainObject(body.taskInput) ? body.taskInput : undefined,
        correlationId: typeof body.correlationId === 'string' ? body.correlationId : undefined,
      }),
    );
    return text(id);
  });
}

function settled(wf: WorkflowModel, untilRef: string): boolean {
  if (isWorkflowTerminal(wf.status)) return true;
  return wf.tasks.some(
    (t) =>
      (untilRef !== '' && t.referenceTaskName === untilRef && isTerminal(t.status)) ||
      ((t.taskType === 'WAIT' || t.taskType === 'HUMAN') && !isTerminal(t.status)),
  );
}

function correlated(
  engine: Engine,
  name: string,
  correlationId: string,
  includeClosed: boolean,
  includeTasks: boolean,
): JsonObject[] {
  const now = engine.ctx.clock();
  return engine.ctx.workflows
    .byCorrelation(name, correlationId)
    .filter((r) => includeClosed || !isWorkflowTerminal(r.status))
    .map((r) => engine.exec.store.loadWorkflow(r.workflowId, includeTasks))
    .filter((w): w is WorkflowModel => w !== undefined)
    .map((w) => toApiWorkflow(w, includeTasks, now));
}

function search(engine: Engine, query: URLSearchParams, full: boolean): { status: number; json: unknown } {
  const r = searchRequest(query);
  const sql = buildSearch(r.query, r.freeText, r.sort);
  const { ids, total } = engine.ctx.workflows.search(sql.where, sql.params, sql.orderBy, r.size, r.start);
  return { status: 200, json: { totalHits: total, results: workflowResults(engine, ids, full) } };
}

/** The workflows with these ids, in order: full (`Workflow`) or as `WorkflowSummary`. */
export function workflowResults(
  engine: Engine,
  ids: string[],
  full: boolean,
  withTasks = full,
): JsonObject[] {
  const now = engine.ctx.clock();
  return ids
    .map((id) => engine.exec.store.loadWorkflow(id, full && withTasks))
    .filter((w): w is WorkflowModel => w !== undefined)
    .map((w) => (full ? toApiWorkflow(w, withTasks, now) : toWorkflowSummary(w)));
}
