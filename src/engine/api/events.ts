/**
 * `/api/event` (event handlers, `EventResource`), plus two ways to inject a message from outside, which
 * Conductor OSS core has no endpoint for:
 *   POST /api/event/publish/{event}   body = payload (any JSON), `?messageId=` optional
 * where `{event}` is a full event string (`conductor:my_queue`, `sqs:incoming`) or a bare queue name
 * (meaning `conductor:<name>`). The message is processed like one arriving on that queue: every active
 * handler whose `event` equals it runs. Also Conductor's queue admin
 *   POST /api/queue/update/{workflowId}/{taskRefName}/{status} and …/task/{taskId}/{status}
 * which complete a waiting task (e.g. WAIT/HUMAN) with the body as output, and Orkes' message view
 *   GET /api/event/message/{event}    received messages, newest first, with outcome and executions.
 */
import { isPlainObject, stringifyJsonExact, type JsonObject } from '../../json';
import { BadRequestError, ConflictError, NotFoundError } from '../api-errors';
import type { Engine } from '../engine';
import { eventMessages } from '../events/message-view';
import { publishMessage } from '../events/publish';
import { updateTask, updateTaskByRef } from '../executor/update';
import { normalizeEventHandler } from '../model/defaults';
import { isTaskStatus } from '../model/status';
import type { TaskStatus } from '../model/types';
import type { ApiRequest, Router } from '../http/router';
import { validateEventHandler } from '../validation/others';
import { bodyObject, ok, param, queryBool, queryInt, queryString, requireValid, text } from './util';

function eventName(raw: string): string {
  return raw.includes(':') ? raw : `conductor:${raw}`;
}

function statusOf(req: ApiRequest): TaskStatus {
  const s = param(req, 'status');
  if (!isTaskStatus(s)) throw new BadRequestError(`Invalid task status: ${s}`);
  return s;
}

export function registerEventRoutes(router: Router, engine: Engine): void {
  const { ctx, exec } = engine;
  const run = <T>(fn: () => T): T => ctx.tx.run(fn);

  // Conductor takes one handler; the official JS SDK (Orkes API) sends a list. Both are accepted.
  router.post('/api/event', (req) => {
    if (req.body === undefined) throw new BadRequestError('Required request body is missing: EventHandler');
    const list = Array.isArray(req.body) ? req.body : [req.body];
    requireValid(
      list.flatMap((h, i) =>
        validateEventHandler(h).map((e) =>
          Array.isArray(req.body) ? { ...e, path: `[${i}].${e.path}` } : e,
        ),
      ),
    );
    const handlers = list.map((h) => normalizeEventHandler(h as Record<string, unknown>));
    run(() => {
      for (const handler of handlers) {
        if (ctx.events.getHandler(handler.name))
          throw new ConflictError(`EventHandler with name ${handler.name} already exists!`);
        ctx.events.putHandler(handler);
      }
    });
    return ok();
  });

  router.get('/api/event/handler/{name}', (req) => {
    const handler = ctx.events.getHandler(param(req, 'name'));
    if (!handler) throw new NotFoundError(`EventHandler with name ${param(req, 'name')} not found!`);
    return ok(handler);
  });

  router.put('/api/event', (req) => {
    const raw = bodyObject(req, 'EventHandler');
    requireValid(validateEventHandler(raw));
    const handler = normalizeEventHandler(raw);
    run(() => {
      if (!ctx.events.getHandler(handler.name))
        throw new NotFoundError(`EventHandler with name ${handler.name} not found!`);
      ctx.events.putHandler(handler);
    });
    return ok();
  });

  router.delete('/api/event/{name}', (req) => {
    run(() => {
      if (!ctx.events.deleteHandler(param(req, 'name')))
        throw new NotFoundError(`EventHandler with name ${param(req, 'name')} not found!`);
    });
    return ok();
  });

  router.get('/api/event', () => ok(ctx.events.allHandlers()));

  router.get('/api/event/{event}', (req) =>
    ok(ctx.events.handlersForEvent(param(req, 'event'), queryBool(req, 'activeOnly', true))),
  );

  router.get('/api/event/execution/{eventHandlerName}', (req) =>
    ok(ctx.events.executions(param(req, 'eventHandlerName'), queryInt(req, 'size', 100))),
  );

  // Orkes' event-message view (the SDK's getEventMessages): received messages with their outcome.
  router.get('/api/event/message/{event}', (req) =>
    ok(
      eventMessages(
        ctx.events,
        eventName(param(req, 'event')),
        queryInt(req, 'size', 100),
        queryInt(req, 'from', 0),
      ),
    ),
  );

  router.post('/api/event/publish/{event}', (req) => {
    if (req.body === undefined) throw new BadRequestError('Required request body is missing: event payload');
    const event = eventName(param(req, 'event'));
    const messageId = queryString(req, 'messageId') || ctx.newId();
    const payload = isPlainObject(req.body) ? req.body : (stringifyJsonExact(req.body) ?? 'null');
    // A message id given twice is the same message sent again: it is handled once.
    const id = run(() => publishMessage(ctx, event, messageId, payload, 'redelivery'));
    return ok({ messageId: id, event });
  });

  router.post('/api/queue/update/{workflowId}/{taskRefName}/{status}', (req) => {
    const output = isPlainObject(req.body) ? req.body : {};
    const status = statusOf(req);
    const id = run(() =>
      updateTaskByRef(exec, param(req, 'workflowId'), param(req, 'taskRefName'), status, undefined, output),
    );
    return text(id ?? '');
  });

  router.post('/api/queue/update/{workflowId}/task/{taskId}/{status}', (req) => {
    const output: JsonObject = isPlainObject(req.body) ? req.body : {};
    const status = statusOf(req);
    run(() => {
      const task = ctx.tasks.get(param(req, 'taskId'));
      if (!task) throw new NotFoundError(`No such task found by id: ${param(req, 'taskId')}`);
      updateTask(exec, {
        workflowInstanceId: param(req, 'workflowId'),
        taskId: task.taskId,
        status,
        outputData: output,
      });
    });
    return ok();
  });

  router.get('/api/queue/size', () => ok(ctx.queues.all()));
}
