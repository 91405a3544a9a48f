/**
 * SUB_WORKFLOW (`SubWorkflowTaskMapper` + `SubWorkflow`): starts a child workflow (deterministic id from the
 * parent id, task id and retry count), mirrors the child's status onto the task, merges the child's output
 * when it ends, and terminates the child when the parent cancels the task.
 */
import { isPlainObject, type JsonObject } from '../../json';
import { subWorkflowId } from '../ids';
import { TerminateWorkflowError } from '../decider/terminate-error';
import { normalizeWorkflowDef } from '../model/defaults';
import { isWorkflowSuccessful, isWorkflowTerminal } from '../model/status';
import { T } from '../model/task-types';
import type { TaskModel, WorkflowDef, WorkflowModel } from '../model/types';
import { getTaskInput } from '../params';
import { createTaskModel } from './task-model';
import type { ExecutorApi, Mapper, SystemTask } from './types';

export const mapSubWorkflow: Mapper = (m) => {
  const wt = m.workflowTask;
  const params = wt.subWorkflowParam;
  if (!params) {
    throw new TerminateWorkflowError(
      `Task ${wt.name} is defined as sub-workflow and is missing subWorkflowParams. Please check the workflow definition`,
    );
  }
  const raw: JsonObject = {};
  if (params.name !== undefined) raw.name = params.name;
  raw.priority = params.priority ?? null;
  if (params.version !== undefined && params.version !== null) raw.version = params.version;
  if (params.taskToDomain) raw.taskToDomain = params.taskToDomain;
  if (params.idempotencyKey !== undefined) raw.idempotencyKey = params.idempotencyKey;
  if (params.idempotencyStrategy !== undefined) raw.idempotencyStrategy = params.idempotencyStrategy;
  const inlineDef = params.workflowDefinition;
  if (typeof inlineDef === 'string') raw.workflowDefinition = inlineDef;
  const resolved = getTaskInput(m.ctx.params, raw, m.wf);
  if (inlineDef !== undefined && inlineDef !== null && typeof inlineDef !== 'string')
    resolved.workflowDefinition = inlineDef;

  const name = String(
    resolved.name ?? (isPlainObject(resolved.workflowDefinition) ? resolved.workflowDefinition.name : ''),
  );
  const definition = resolved.workflowDefinition ?? null;
  let version: number | null = null;
  if (definition === null) {
    const v = resolved.version;
    if (v !== undefined && v !== null)
      version = typeof v === 'number' ? Math.trunc(v) : Number.parseInt(String(v), 10);
    else {
      const latest = m.ctx.defs.getWorkflowDef(name);
      if (!latest) {
        throw new TerminateWorkflowError(
          `The Task ${name} defined as a sub-workflow has no workflow definition available `,
        );
      }
      version = latest.version;
    }
  }
  const task = createTaskModel(m);
  task.taskType = T.SUB_WORKFLOW;
  task.inputData = {
    subWorkflowName: name,
    priority: resolved.priority ?? null,
    subWorkflowVersion: version,
    subWorkflowTaskToDomain: isPlainObject(resolved.taskToDomain) ? resolved.taskToDomain : null,
    subWorkflowDefinition: definition,
    idempotencyKey: resolved.idempotencyKey ?? null,
    idempotencyStrategy: resolved.idempotencyStrategy ?? null,
    workflowInput: m.taskInput,
  };
  task.status = 'SCHEDULED';
  task.callbackAfterSeconds = wt.startDelay;
  if (typeof params.priority === 'number') task.workflowPriority = Math.trunc(params.priority);
  return [task];
};

/** Mirrors a child workflow's state onto its SUB_WORKFLOW task (`SubWorkflow.updateTaskStatus`). */
export function applyChildStatus(child: WorkflowModel, task: TaskModel): void {
  switch (child.status) {
    case 'RUNNING':
    case 'PAUSED':
      task.status = 'IN_PROGRESS';
      break;
    case 'COMPLETED':
      task.status = 'COMPLETED';
      break;
    case 'FAILED':
      task.status = 'FAILED';
      break;
    case 'TERMINATED':
      task.status = 'CANCELED';
      break;
    case 'TIMED_OUT':
      task.status = 'TIMED_OUT';
      break;
  }
  if (isWorkflowTerminal(child.status)) {
    Object.assign(task.outputData, child.output ?? {});
    if (!isWorkflowSuccessful(child.status)) {
      task.reasonForIncompletion = `Sub workflow ${child.workflowName}.${child.workflowVersion}/${child.workflowId} failure reason: ${child.reasonForIncompletion ?? 'null'}`;
    }
  }
}

function attach(task: TaskModel, child: WorkflowModel): void {
  task.reasonForIncompletion = undefined;
  task.subWorkflowId = child.workflowId;
  task.outputData.subWorkflowId = child.workflowId;
  delete task.outputData.subWorkflowLaunchError;
  applyChildStatus(child, task);
}

function start(wf: WorkflowModel, task: TaskModel, exec: ExecutorApi): void {
  if (task.status !== 'SCHEDULED') return;
  const input = task.inputData;
  const version =
    typeof input.subWorkflowVersion === 'number' && input.subWorkflowVersion !== 0
      ? input.subWorkflowVersion
      : undefined;
  let definition: WorkflowDef | undefined;
  let name: string | undefined;
  if (isPlainObject(input.subWorkflowDefinition)) {
    definition = normalizeWorkflowDef(input.subWorkflowDefinition);
    name = definition.name;
  } else {
    name = typeof input.subWorkflowName === 'string' ? input.subWorkflowName : undefined;
  }
  if (!name) {
    task.status = 'FAILED';
    task.reasonForIncompletion = 'SubWorkflow name is null and no workflowDefinition supplied';
    return;
  }
  const taskToDomain = isPlainObject(input.subWorkflowTaskToDomain)
    ? (input.subWorkflowTaskToDomain as Record<string, string>)
    : wf.taskToDomain;
  let wfInput = isPlainObject(input.workflowInput) ? input.workflowInput : {};
  if (Object.keys(wfInput).length === 0) wfInput = input;
  if (definition) {
    const meta = isPlainObject(wfInput._systemMetadata) ? { ...wfInput._systemMetadata } : {};
    wfInput = { ...wfInput, _systemMetadata: { ...meta, dynamic: true } };
  }
  const id = subWorkflowId(wf.workflowId, task.taskId, task.retryCount);
  try {
    const startChild = (workflowId: string | undefined): WorkflowModel =>
      exec.startWorkflow({
        name,
        version,
        workflowDefinition: definition,
        input: wfInput,
        correlationId: wf.correlationId,
        parentWorkflowId: wf.workflowId,
        parentWorkflowTaskId: task.taskId,
        taskToDomain,
        workflowId,
        priority: typeof input.priority === 'number' ? Math.trunc(input.priority) : undefined,
      });
    const existing = exec.getWorkflow(id, false);
    // The deterministic id belongs to a child that failed before (the task was rerun): start a fresh
    // child under a new id, as Conductor does, rather than re-attaching the failed one.
    const failedBefore =
      existing !== undefined && isWorkflowTerminal(existing.status) && !isWorkflowSuccessful(existing.status);
    const child = existing === undefined ? startChild(id) : failedBefore ? startChild(undefined) : existing;
    attach(task, child);
  } catch (err) {
    task.status = 'FAILED';
    task.reasonForIncompletion = err instanceof Error ? err.message : String(err);
  }
}

export const subWorkflowTask: SystemTask = {
  start,
  execute(wf, task, exec) {
    const childId = task.subWorkflowId;
    if (!childId) {
      if (task.status === 'SCHEDULED') {
        start(wf, task, exec);
        return task.subWorkflowId !== undefined || task.status !== 'SCHEDULED';
      }
      return false;
    }
    const child = exec.getWorkflow(childId, false);
    if (!child || !isWorkflowTerminal(child.status)) return false;
    applyChildStatus(child, task);
    return true;
  },
  cancel(wf, task, exec) {
    const childId = task.subWorkflowId ?? subWorkflowId(wf.workflowId, task.taskId, task.retryCount);
    const child = exec.getWorkflow(childId, true);
    if (!child || isWorkflowTerminal(child.status)) return;
    const reason = wf.reasonForIncompletion
      ? `Parent workflow has been terminated with reason: ${wf.reasonForIncompletion}`
      : `Parent workflow has been terminated with status ${wf.status}`;
    child.status = 'TERMINATED';
    exec.terminateWorkflow(child, reason);
  },
};
