/** `/api/tasks`: the worker protocol (poll, update, logs) and queue inspection (`TaskResource`). */
import { isPlainObject, type JsonObject } from '../../json';
import { BadRequestError, NotFoundError, VALIDATION_FAILED } from '../api-errors';
import type { Engine } from '../engine';
import { poll } from '../executor/poll';
import { pendingTaskByRef, signalTask, updateTask, updateTaskByRef } from '../executor/update';
import { queueNameFor } from '../context';
import { toApiTask, toApiWorkflow } from '../model/serialize';
import { isTaskStatus, isTerminal } from '../model/status';
import type { TaskResult, TaskStatus } from '../model/types';
import type { ApiRequest, Router } from '../http/router';
import { validateTaskResult } from '../validation/others';
import { noContent, ok, param, queryInt, queryString, text } from './util';

const RESULT_STATUSES = ['IN_PROGRESS', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'COMPLETED', 'CANCELED'];

function taskResultFrom(req: ApiRequest): TaskResult {
  const errors = validateTaskResult(req.body, true);
  if (errors.length > 0) throw new BadRequestError(VALIDATION_FAILED, errors);
  return req.body as unknown as TaskResult; // validated just above
}

function statusParam(req: ApiRequest): TaskStatus {
  const s = param(req, 'status');
  if (!isTaskStatus(s) || !RESULT_STATUSES.includes(s)) {
    throw new BadRequestError(`Invalid task status: ${s} (expected one of ${RESULT_STATUSES.join(', ')})`);
  }
  return s;
}

function outputBody(req: ApiRequest): JsonObject {
  if (req.body === undefined || req.body === null) return {};
  if (!isPlainObject(req.body)) throw new BadRequestError('Task output must be a JSON object');
  return req.body;
}

export function registerTaskRoutes(router: Router, engine: Engine): void {
  const { ctx, exec } = engine;
  const run = <T>(fn: () => T): T => ctx.tx.run(fn);
  const doPoll = (req: ApiRequest, count: number, timeoutMs: number): Promise<JsonObject[]> =>
    poll(exec, engine.limiter, engine.waiters, {
      taskType: param(req, 'tasktype'),
      workerId: queryString(req, 'workerid'),
      domain: queryString(req, 'domain') || undefined,
      count,
      timeoutMs,
      signal: req.signal,
    });

  router.get('/api/tasks/poll/{tasktype}', async (req) => {
    const tasks = await doPoll(req, 1, 100);
    return tasks.length > 0 ? ok(tasks[0]) : noContent();
  });

  router.get('/api/tasks/poll/batch/{tasktype}', async (req) => {
    const count = queryInt(req, 'count', 1);
    const timeout = queryInt(req, 'timeout', 100);
    if (count < 1) throw new BadRequestError('count must be at least 1');
    return ok(await doPoll(req, count, Math.max(0, timeout)));
  });

  router.post('/api/tasks', (req) => {
    const result = taskResultFrom(req);
    run(() => updateTask(exec, result));
    return text(result.taskId);
  });

  router.post('/api/tasks/update-v2', async (req) => {
    const result = taskResultFrom(req);
    const updated = run(() => updateTask(exec, result));
    if (!updated || !isTerminal(updated.status)) return noContent();
    const next = await poll(exec, engine.limiter, engine.waiters, {
      taskType: updated.taskType,
      workerId: result.workerId,
      domain: updated.domain,
      count: 1,
      timeoutMs: 0,
    });
    return next.length > 0 ? ok(next[0]) : noContent();
  });

  router.post('/api/tasks/{workflowId}/{taskRefName}/{status}', (req) => {
    const status = statusParam(req);
    const output = outputBody(req);
    const id = run(() =>
      updateTaskByRef(
        exec,
        param(req, 'workflowId'),
        param(req, 'taskRefName'),
        status,
        queryString(req, 'workerid'),
        output,
      ),
    );
    return text(id ?? '');
  });

  router.post('/api/tasks/{workflowId}/{taskRefName}/{status}/sync', (req) => {
    const status = statusParam(req);
    const output = outputBody(req);
    const workflowId = param(req, 'workflowId');
    const ref = param(req, 'taskRefName');
    const wf = run(() => {
      if (!pendingTaskByRef(exec, workflowId, ref)) {
        throw new NotFoundError(`Found no running task ${ref} of workflow ${workflowId} to update`);
      }
      updateTaskByRef(exec, workflowId, ref, status, queryString(req, 'workerid'), output);
      return exec.store.loadWorkflow(workflowId, true);
    });
    if (!wf) throw new NotFoundError(`Workflow with id: ${workflowId} not found.`);
    return ok(toApiWorkflow(wf, true, ctx.clock()));
  });

  router.post('/api/tasks/{workflowId}/{status}/signal', (req) => {
    const status = statusParam(req);
    const output = outputBody(req);
    run(() => signalTask(exec, param(req, 'workflowId'), status, output));
    return ok();
  });

  router.post('/api/tasks/{workflowId}/{status}/signal/sync', (req) => {
    const status = statusParam(req);
    const output = outputBody(req);
    const workflowId = param(req, 'workflowId');
    const wf = run(() => {
      const id = signalTask(exec, workflowId, status, output);
      if (!id) throw new NotFoundError(`Found no blocked task in workflow ${workflowId} to signal`);
      return exec.store.loadWorkflow(workflowId, true);
    });
    if (!wf) throw new NotFoundError(`Workflow with id: ${workflowId} not found.`);
    return ok({
      ...toApiWorkflow(wf, true, ctx.clock()),
      responseType: 'TARGET_WORKFLOW',
      targetWorkflowId: wf.workflowId,
      targetWorkflowStatus: wf.status,
    });
  });

  router.post(
    '/api/tasks/{taskId}/log',
    (req) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      // Clients send either the raw string or a JSON string literal.
      let log = raw;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === 'string') log = parsed;
      } catch {
        // not JSON: keep the raw text
      }
      run(() => ctx.logs.add(param(req, 'taskId'), log, ctx.clock()));
      return ok();
    },
    { body: 'text' },
  );

  router.get('/api/tasks/{taskId}/log', (req) => {
    const logs = ctx.logs.list(param(req, 'taskId'));
    return logs.length > 0 ? ok(logs) : noContent();
  });

  router.get('/api/tasks/{taskId}', (req) => {
    const task = ctx.tasks.get(param(req, 'taskId'));
    if (!task) throw new NotFoundError(`Task not found for taskId: ${param(req, 'taskId')}`);
    return ok(toApiTask(task, ctx.clock()));
  });

  router.get('/api/tasks/queue/sizes', (req) => {
    const out: Record<string, number> = {};
    for (const t of req.query.getAll('taskType').flatMap((s) => s.split(',')))
      if (t) out[t] = ctx.queues.size(t);
    return ok(out);
  });

  router.get('/api/tasks/queue/size', (req) => {
    const type = queryString(req, 'taskType');
    if (!type) throw new BadRequestError("Required request parameter 'taskType' is not present");
    const q = queueNameFor(
      type,
      queryString(req, 'domain') || undefined,
      queryString(req, 'isolationGroupId') || undefined,
      queryString(req, 'executionNamespace') || undefined,
    );
    return ok(ctx.queues.size(q));
  });

  router.get('/api/tasks/queue/all', () => ok(ctx.queues.all()));

  router.get('/api/tasks/queue/all/verbose', () => {
    const out: Record<string, Record<string, Record<string, number>>> = {};
    for (const [q, n] of Object.entries(ctx.queues.all())) out[q] = { a: { size: n, uacked: 0 } };
    return ok(out);
  });

  router.get('/api/tasks/queue/polldata', (req) => {
    const type = queryString(req, 'taskType');
    if (!type) throw new BadRequestError("Required request parameter 'taskType' is not present");
    return ok(ctx.logs.pollData(type));
  });

  router.get('/api/tasks/queue/polldata/all', () => ok(ctx.logs.allPollData()));
}
