/**
 * `ParametersUtils.getTaskInputV2`: the document `${…}` paths are read from (a `workflow` root plus one
 * root per task reference name, loop tasks without their `__N` suffix, the last instance winning) and the
 * TaskDef `inputTemplate` merge with its null fallback.
 */
import { jsonRoundTrip, type JsonObject } from '../json';
import { resolveExpressions } from './expressions';
import { removeIteration } from './model/task-types';
import type { TaskDef, TaskModel, WorkflowModel } from './model/types';

export interface ParamContext {
  /** Server environment exposed to `${NAME}` (Conductor exposes JVM properties and OS env vars). */
  env: Record<string, string | undefined>;
}

export function buildDocument(wf: WorkflowModel): JsonObject {
  const doc: JsonObject = {
    workflow: {
      input: wf.input,
      output: wf.output,
      status: wf.status,
      workflowId: wf.workflowId,
      parentWorkflowId: wf.parentWorkflowId ?? null,
      parentWorkflowTaskId: wf.parentWorkflowTaskId ?? null,
      workflowType: wf.workflowName,
      version: wf.workflowVersion,
      correlationId: wf.correlationId ?? null,
      reasonForIncompletion: wf.reasonForIncompletion ?? null,
      schemaVersion: wf.workflowDefinition.schemaVersion,
      variables: wf.variables,
    },
  };
  // The last task carrying each exact reference name wins; loop iterations collapse onto the bare name.
  const lastByRef = new Map<string, TaskModel>();
  for (const t of wf.tasks) lastByRef.set(t.referenceTaskName, t);
  for (const t of wf.tasks) {
    const task = lastByRef.get(t.referenceTaskName) as TaskModel;
    doc[task.iteration > 0 ? removeIteration(task.referenceTaskName) : task.referenceTaskName] =
      taskParams(task);
  }
  return doc;
}

function taskParams(t: TaskModel): JsonObject {
  return {
    input: t.inputData,
    output: t.outputData,
    taskType: t.taskType,
    status: t.status,
    referenceTaskName: t.referenceTaskName,
    retryCount: t.retryCount,
    correlationId: t.correlationId ?? null,
    pollCount: t.pollCount,
    taskDefName: t.taskDefName,
    scheduledTime: t.scheduledTime,
    startTime: t.startTime,
    endTime: t.endTime,
    workflowInstanceId: t.workflowInstanceId,
    taskId: t.taskId,
    reasonForIncompletion: t.reasonForIncompletion ?? null,
    callbackAfterSeconds: t.callbackAfterSeconds,
    workerId: t.workerId ?? null,
    iteration: t.iteration,
  };
}

/** Resolves a WorkflowTask's `inputParameters` for a task (or workflow outputParameters when no task). */
export function getTaskInput(
  ctx: ParamContext,
  inputParameters: JsonObject | undefined,
  wf: WorkflowModel,
  taskDef?: TaskDef,
  taskId?: string,
  document?: JsonObject,
): JsonObject {
  const params: JsonObject = jsonRoundTrip(inputParameters ?? {});
  const template = taskDef?.inputTemplate;
  if (template) {
    for (const [k, v] of Object.entries(jsonRoundTrip(template))) if (!(k in params)) params[k] = v;
  }
  const resolved = resolveExpressions(params, document ?? buildDocument(wf), { env: ctx.env, taskId });
  if (template) {
    for (const k of Object.keys(resolved)) {
      if ((resolved[k] === null || resolved[k] === undefined) && Object.hasOwn(template, k))
        resolved[k] = jsonRoundTrip(template[k] ?? null);
    }
  }
  return resolved;
}

/** `ParametersUtils.replace(input, payload)`: resolves against an arbitrary document (event payloads). */
export function replaceWithPayload(ctx: ParamContext, input: JsonObject, payload: unknown): JsonObject {
  const doc = (payload && typeof payload === 'object' ? payload : { $: payload }) as JsonObject;
  return resolveExpressions(jsonRoundTrip(input), doc, { env: ctx.env });
}

/** WorkflowDef `inputTemplate` defaults merged into the start input (putIfAbsent). */
export function getWorkflowInput(defTemplate: JsonObject | undefined, input: JsonObject): JsonObject {
  const out: JsonObject = { ...input };
  for (const [k, v] of Object.entries(defTemplate ?? {})) if (!(k in out)) out[k] = jsonRoundTrip(v);
  return out;
}
