/**
 * `/api/scheduler` (Conductor's `SchedulerResource` and `SchedulerBulkResource`): schedules CRUD, list
 * by workflow, search, pause/resume (GET or PUT: clients disagree on the verb, so both work), bulk
 * pause/resume, `nextFewSchedules` (with an optional `zoneId`), execution search and the admin switches.
 * Success is always 200, as in Conductor (no 201/204).
 */
import type { Engine } from '../engine';
import type { ApiRequest, Router } from '../http/router';
import { bodyArray, ok, param, queryBool, queryInt, queryString } from './util';

const BASE = '/api/scheduler';

function optionalBool(req: ApiRequest, name: string): boolean | undefined {
  const v = req.query.get(name);
  return v === null || v === '' ? undefined : queryBool(req, name, false);
}

export function registerSchedulerRoutes(router: Router, engine: Engine): void {
  const scheduler = engine.scheduler;

  router.post(`${BASE}/schedules`, (req) => ok(scheduler.save(req.body)));

  router.get(`${BASE}/schedules`, (req) =>
    ok(scheduler.list({ workflowName: queryString(req, 'workflowName') || undefined })),
  );

  router.get(`${BASE}/schedules/search`, (req) =>
    ok(
      scheduler.search(
        {
          workflowName: queryString(req, 'workflowName') || undefined,
          scheduleName: queryString(req, 'scheduleName') || undefined,
          paused: optionalBool(req, 'paused'),
        },
        Math.max(0, queryInt(req, 'start', 0)),
        Math.max(0, queryInt(req, 'size', 100)),
      ),
    ),
  );

  router.get(`${BASE}/schedules/{name}`, (req) => ok(scheduler.get(param(req, 'name'))));

  router.delete(`${BASE}/schedules/{name}`, (req) => {
    scheduler.delete(param(req, 'name'));
    return ok();
  });

  const pause = (req: ApiRequest) => {
    scheduler.pause(param(req, 'name'), queryString(req, 'reason'));
    return ok();
  };
  const resume = (req: ApiRequest) => {
    scheduler.resume(param(req, 'name'));
    return ok();
  };
  for (const method of ['GET', 'PUT']) {
    router.add(method, `${BASE}/schedules/{name}/pause`, pause, { body: 'none' });
    router.add(method, `${BASE}/schedules/{name}/resume`, resume, { body: 'none' });
  }

  router.put(`${BASE}/bulk/pause`, (req) =>
    ok(
      scheduler.bulk(bodyArray(req, 'list of schedule names'), (name) =>
        scheduler.pause(name, queryString(req, 'reason')),
      ),
    ),
  );
  router.put(`${BASE}/bulk/resume`, (req) =>
    ok(scheduler.bulk(bodyArray(req, 'list of schedule names'), (name) => scheduler.resume(name))),
  );

  router.get(`${BASE}/nextFewSchedules`, (req) =>
    ok(
      scheduler.preview({
        cronExpression: queryString(req, 'cronExpression'),
        scheduleStartTime: queryInt(req, 'scheduleStartTime'),
        scheduleEndTime: queryInt(req, 'scheduleEndTime'),
        limit: queryInt(req, 'limit', 5),
        zoneId: queryString(req, 'zoneId'),
      }),
    ),
  );

  router.get(`${BASE}/search/executions`, (req) =>
    ok(
      scheduler.searchExecutions(
        queryString(req, 'query'),
        queryString(req, 'sort'),
        Math.max(0, queryInt(req, 'start', 0)),
        Math.max(0, queryInt(req, 'size', 100)),
      ),
    ),
  );

  router.get(`${BASE}/admin/pause`, () => {
    scheduler.loop.pause();
    return ok({ status: 'done' });
  });
  router.get(`${BASE}/admin/resume`, () => {
    scheduler.loop.resume();
    return ok({ status: 'done' });
  });
  router.get(`${BASE}/admin/requeue`, () => ok(scheduler.requeue()));
}
