/**
 * Starting a workflow (`WorkflowExecutorOps.startWorkflow` + `MetadataMapperService`): resolve the
 * definition (registered, by name and optional version, or inline), attach a TaskDef to every task (the
 * registered one or Conductor's ad-hoc defaults), create the execution and run its first decide. All in a
 * savepoint: if the first decide fails, nothing of the new workflow remains.
 */
import { cloneJson, jsonRoundTrip } from '../../json';
import { BadRequestError, NotFoundError } from '../api-errors';
import type { EngineContext } from '../context';
import { collectDefTasks } from '../model/def-tree';
import { adHocTaskDef } from '../model/defaults';
import { T } from '../model/task-types';
import type { StartWorkflowInput, WorkflowDef, WorkflowModel } from '../model/types';
import { getWorkflowInput } from '../params';

/** What starting a workflow needs from the executor: its context and the first decide. */
export interface Starter {
  readonly ctx: EngineContext;
  decideNew(wf: WorkflowModel): void;
}

/** A deep copy of `def` with `taskDefinition` filled on every task (the execution's embedded definition). */
export function populateTaskDefinitions(ctx: EngineContext, def: WorkflowDef): WorkflowDef {
  const copy = jsonRoundTrip(def);
  for (const wt of collectDefTasks(copy)) {
    if (!wt.taskDefinition && wt.name)
      wt.taskDefinition = ctx.defs.getTaskDef(wt.name) ?? adHocTaskDef(wt.name, wt.type);
    const sub = wt.subWorkflowParam;
    if (wt.type === T.SUB_WORKFLOW && sub && (sub.version === undefined || sub.version === null)) {
      const name = typeof sub.name === 'string' ? sub.name : '';
      if (name && !name.includes('${')) {
        const latest = ctx.defs.getWorkflowDef(name);
        if (latest) sub.version = latest.version;
      }
    }
  }
  return copy;
}

export function resolveDefinition(ctx: EngineContext, input: StartWorkflowInput): WorkflowDef {
  let def = input.workflowDefinition;
  if (!def) {
    const name = input.name ?? '';
    if (name.trim() === '')
      throw new BadRequestError('Workflow name must be specified when searching for a definition');
    def = ctx.defs.getWorkflowDef(name, input.version);
    if (!def)
      throw new NotFoundError(`No such workflow defined. name=${name}, version=${input.version ?? 'null'}`);
  }
  if ((input.input === undefined || input.input === null) && !input.externalInputPayloadStoragePath) {
    throw new BadRequestError('NULL input passed when starting workflow');
  }
  return populateTaskDefinitions(ctx, def);
}

export function startWorkflow(exec: Starter, input: StartWorkflowInput): WorkflowModel {
  const ctx = exec.ctx;
  const def = resolveDefinition(ctx, input);
  const now = ctx.clock();
  const given = input.input ?? {};
  const wf: WorkflowModel = {
    workflowId: input.workflowId ?? ctx.newId(),
    workflowName: def.name,
    workflowVersion: def.version,
    status: 'RUNNING',
    input: Object.keys(given).length > 0 ? getWorkflowInput(def.inputTemplate, given) : {},
    output: {},
    variables: cloneJson(def.variables ?? {}),
    correlationId: input.correlationId,
    priority: input.priority ?? 0,
    createTime: now,
    updateTime: now,
    endTime: 0,
    lastRetriedTime: 0,
    parentWorkflowId: input.parentWorkflowId,
    parentWorkflowTaskId: input.parentWorkflowTaskId,
    taskToDomain: input.taskToDomain ?? {},
    failedReferenceTaskNames: [],
    failedTaskNames: [],
    workflowDefinition: def,
    event: input.event,
    createdBy: input.createdBy,
    externalInputPayloadStoragePath:
      Object.keys(given).length > 0 ? undefined : input.externalInputPayloadStoragePath,
    tasks: [],
  };
  ctx.tx.savepoint(() => {
    ctx.workflows.put(wf);
    exec.decideNew(wf);
  });
  return wf;
}
