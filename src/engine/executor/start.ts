/**
 * Starting a workflow (`WorkflowExecutorOps.startWorkflow` + `MetadataMapperService`): resolve the
 * definition (registered, by name and optional version, or inline), attach a TaskDef to every task (the
 * registered one or Conductor's ad-hoc defaults), create the execution and run its first decide. All in a
 * savepoint: if the first decide fails, nothing of the new workflow remains.
 */
import { cloneJson } from '../../json';
import { BadRequestError, NotFoundError } from '../api-errors';
import type { EngineContext } from '../context';
import { populateTaskDefinitions } from '../model/populate';
import type { StartWorkflowInput, WorkflowDef, WorkflowModel } from '../model/types';
import { getWorkflowInput } from '../params';
import type { SharedDefinition } from '../store/definitions';
import type { Persistence } from './persistence';

/** What starting a workflow needs from the executor: its context and the first decide. */
export interface Starter {
  readonly ctx: EngineContext;
  readonly store: Persistence;
  decideNew(wf: WorkflowModel): void;
}

/** The definition an execution embeds, and the shared text its row refers to when it is a registered one. */
interface Resolved {
  def: WorkflowDef;
  shared?: SharedDefinition;
}

/** A registered definition (latest when `version` is left out), shared (frozen) with other executions. */
export function registeredDefinition(
  ctx: EngineContext,
  name: string,
  version?: number,
): Resolved | undefined {
  const shared = ctx.defs.populated(name, version);
  return shared ? { def: shared.def, shared } : undefined;
}

/** `def` becomes the definition `workflowId`'s row is saved with: by reference when it is a shared one. */
export function adoptDefinition(ctx: EngineContext, workflowId: string, { shared }: Resolved): void {
  if (!shared) return;
  ctx.workflows.useSharedDefinition(workflowId, shared);
  if (!shared.committed) ctx.tx.afterCommit(() => (shared.committed = true));
}

function resolveDefinition(ctx: EngineContext, input: StartWorkflowInput): Resolved {
  let resolved: Resolved | undefined;
  if (input.workflowDefinition)
    resolved = { def: populateTaskDefinitions(ctx.defs, input.workflowDefinition) };
  else {
    const name = input.name ?? '';
    if (name.trim() === '')
      throw new BadRequestError('Workflow name must be specified when searching for a definition');
    resolved = registeredDefinition(ctx, name, input.version);
    if (!resolved)
      throw new NotFoundError(`No such workflow defined. name=${name}, version=${input.version ?? 'null'}`);
  }
  if ((input.input === undefined || input.input === null) && !input.externalInputPayloadStoragePath) {
    throw new BadRequestError('NULL input passed when starting workflow');
  }
  return resolved;
}

export function startWorkflow(exec: Starter, input: StartWorkflowInput): WorkflowModel {
  const ctx = exec.ctx;
  const { def, shared } = resolveDefinition(ctx, input);
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
    adoptDefinition(ctx, wf.workflowId, { def, shared });
    exec.store.insertWorkflow(wf);
    try {
      exec.decideNew(wf);
    } catch (err) {
      exec.store.dropNew(wf);
      throw err;
    }
    exec.store.settleNew(wf);
  });
  return wf;
}
