/** `/api/metadata`: task definitions and workflow definitions (`MetadataResource`). */
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  VALIDATION_FAILED,
  type ValidationError,
} from '../api-errors';
import type { Engine } from '../engine';
import { normalizeTaskDef, normalizeWorkflowDef } from '../model/defaults';
import type { WorkflowDef } from '../model/types';
import type { Router } from '../http/router';
import { validateTaskDef } from '../validation/others';
import { validateWorkflowDef } from '../validation/workflow-def';
import { bodyArray, bodyObject, ok, param, queryBool, queryInt, requireValid } from './util';

function checkWorkflowDef(engine: Engine, raw: unknown, prefix = ''): ValidationError[] {
  return validateWorkflowDef(
    raw,
    { getTaskDef: (n) => engine.ctx.defs.getTaskDef(n), env: engine.ctx.options.env },
    prefix,
  );
}

export function registerMetadataRoutes(router: Router, engine: Engine): void {
  const { ctx } = engine;

  router.post('/api/metadata/taskdefs', (req) => {
    const list = bodyArray(req, 'TaskDef[]');
    if (list.length === 0) throw new BadRequestError('TaskDefList is empty');
    requireValid(list.flatMap((d, i) => validateTaskDef(d, `[${i}].`)));
    ctx.tx.run(() => {
      for (const raw of list) {
        const def = normalizeTaskDef(raw as Record<string, unknown>);
        def.createTime = ctx.clock();
        delete def.updateTime;
        ctx.defs.putTaskDef(def);
      }
    });
    return ok();
  });

  router.put('/api/metadata/taskdefs', (req) => {
    const raw = bodyObject(req, 'TaskDef');
    requireValid(validateTaskDef(raw));
    ctx.tx.run(() => {
      const existing = ctx.defs.getTaskDef(String(raw.name));
      if (!existing) throw new NotFoundError(`No such task by name ${String(raw.name)}`);
      const def = normalizeTaskDef(raw);
      def.updateTime = ctx.clock();
      def.createTime = existing.createTime;
      if (existing.createdBy) def.createdBy = existing.createdBy;
      ctx.defs.putTaskDef(def);
    });
    return ok();
  });

  router.get('/api/metadata/taskdefs', () => ok(ctx.defs.allTaskDefs()));

  router.get('/api/metadata/taskdefs/{tasktype}', (req) => {
    const def = ctx.defs.getTaskDef(param(req, 'tasktype'));
    if (!def) throw new NotFoundError(`No such taskType found by name: ${param(req, 'tasktype')}`);
    return ok(def);
  });

  router.delete('/api/metadata/taskdefs/{tasktype}', (req) => {
    ctx.tx.run(() => {
      if (!ctx.defs.deleteTaskDef(param(req, 'tasktype'))) throw new NotFoundError('No such task definition');
    });
    return ok();
  });

  router.post('/api/metadata/workflow', (req) => {
    const raw = bodyObject(req, 'WorkflowDef');
    requireValid(checkWorkflowDef(engine, raw));
    const overwrite = queryBool(req, 'overwrite', false);
    const def = normalizeWorkflowDef(raw);
    ctx.tx.run(() => {
      const existing = ctx.defs.getWorkflowDef(def.name, def.version);
      if (existing && !overwrite)
        throw new ConflictError(`Workflow with ${def.name}.${def.version} already exists!`);
      if (existing) {
        def.createTime = existing.createTime;
        def.updateTime = ctx.clock();
      } else def.createTime = ctx.clock();
      ctx.defs.putWorkflowDef(def);
    });
    return ok();
  });

  router.post('/api/metadata/workflow/validate', (req) => {
    requireValid(checkWorkflowDef(engine, bodyObject(req, 'WorkflowDef')));
    return ok();
  });

  router.put('/api/metadata/workflow', (req) => {
    const list = bodyArray(req, 'WorkflowDef[]');
    const errors = list.flatMap((d, i) => checkWorkflowDef(engine, d, `[${i}].`));
    if (errors.length > 0) throw new BadRequestError(VALIDATION_FAILED, errors);
    const names: string[] = [];
    ctx.tx.run(() => {
      for (const raw of list) {
        const def = normalizeWorkflowDef(raw as Record<string, unknown>);
        const existing = ctx.defs.getWorkflowDef(def.name, def.version);
        def.createTime = existing?.createTime ?? ctx.clock();
        def.updateTime = ctx.clock();
        ctx.defs.putWorkflowDef(def);
        names.push(def.name);
      }
    });
    return ok({
      bulkErrorResults: {},
      bulkSuccessfulResults: names,
      message: 'Bulk Request has been processed.',
    });
  });

  router.get('/api/metadata/workflow', () => ok(ctx.defs.allWorkflowDefs()));

  router.get('/api/metadata/workflow/names', () =>
    ok([...new Set(ctx.defs.allWorkflowDefs().map((d) => d.name))]),
  );

  router.get('/api/metadata/workflow/latest-versions', () => ok(latestVersions(ctx.defs.allWorkflowDefs())));

  router.get('/api/metadata/workflow/names-and-versions', () => {
    const out: Record<string, { name: string; version: number; createTime?: number }[]> = {};
    for (const d of ctx.defs.allWorkflowDefs())
      (out[d.name] ??= []).push({ name: d.name, version: d.version, createTime: d.createTime });
    return ok(out);
  });

  router.get('/api/metadata/workflow/{name}/versions', (req) =>
    ok(
      ctx.defs
        .workflowVersions(param(req, 'name'))
        .map((d) => ({ name: d.name, version: d.version, createTime: d.createTime })),
    ),
  );

  router.get('/api/metadata/workflow/{name}', (req) => {
    const name = param(req, 'name');
    const version = queryInt(req, 'version');
    const def = ctx.defs.getWorkflowDef(name, version);
    if (!def)
      throw new NotFoundError(`No such workflow found by name: ${name}, version: ${version ?? 'null'}`);
    return ok(def);
  });

  router.delete('/api/metadata/workflow/{name}/{version}', (req) => {
    const name = param(req, 'name');
    const version = Number(param(req, 'version'));
    if (!Number.isInteger(version)) throw new BadRequestError(`Invalid version: ${param(req, 'version')}`);
    ctx.tx.run(() => {
      if (!ctx.defs.deleteWorkflowDef(name, version)) {
        throw new NotFoundError(`No such workflow definition: ${name} version: ${version}`);
      }
    });
    return ok();
  });
}

function latestVersions(defs: WorkflowDef[]): WorkflowDef[] {
  const latest = new Map<string, WorkflowDef>();
  for (const d of defs) {
    const prev = latest.get(d.name);
    if (!prev || d.version > prev.version) latest.set(d.name, d);
  }
  return [...latest.values()];
}
