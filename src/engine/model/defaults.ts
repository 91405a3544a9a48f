/**
 * Definitions as Conductor's Java classes would hold them after deserialization: the defaults a client sees
 * when it reads a definition back (retryCount 3, responseTimeoutSeconds 3600, type SIMPLE, version 1 …).
 * Input has been validated for shape already; these functions only fill in what is missing.
 */
import { isPlainObject, type JsonObject } from '../../json';
import type { EventHandler, TaskDef, WorkflowDef, WorkflowTask } from './types';

function num(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

function optNum(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function map(v: unknown): JsonObject {
  // Definitions are parsed JSON: a plain object in them holds JSON values only.
  return isPlainObject(v) ? ({ ...v } as JsonObject) : {};
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** `new TaskDef(name)` with Conductor's field defaults, overlaid with what the client sent. */
export function normalizeTaskDef(raw: Record<string, unknown>): TaskDef {
  const def: TaskDef = {
    ...raw,
    name: String(raw.name ?? ''),
    retryCount: num(raw.retryCount, 3),
    timeoutSeconds: num(raw.timeoutSeconds, 0),
    inputKeys: strings(raw.inputKeys),
    outputKeys: strings(raw.outputKeys),
    timeoutPolicy: (raw.timeoutPolicy as TaskDef['timeoutPolicy']) ?? 'TIME_OUT_WF',
    retryLogic: (raw.retryLogic as TaskDef['retryLogic']) ?? 'FIXED',
    retryDelaySeconds: num(raw.retryDelaySeconds, 60),
    responseTimeoutSeconds: num(raw.responseTimeoutSeconds, 3600),
    inputTemplate: map(raw.inputTemplate),
    rateLimitPerFrequency: num(raw.rateLimitPerFrequency, 0),
    rateLimitFrequencyInSeconds: num(raw.rateLimitFrequencyInSeconds, 1),
    backoffScaleFactor: num(raw.backoffScaleFactor, 1),
    maxRetryDelaySeconds: num(raw.maxRetryDelaySeconds, 0),
    backoffJitterMs: num(raw.backoffJitterMs, 0),
    totalTimeoutSeconds: num(raw.totalTimeoutSeconds, 0),
    concurrentExecLimit: optNum(raw.concurrentExecLimit),
    pollTimeoutSeconds: optNum(raw.pollTimeoutSeconds),
  };
  return dropUndefined(def);
}

/** The ad-hoc definition Conductor attaches to a task with no registered TaskDef. */
export function adHocTaskDef(name: string, workflowTaskType: string): TaskDef {
  const def = normalizeTaskDef({ name });
  if (workflowTaskType !== 'SIMPLE') {
    def.retryCount = 0;
    def.responseTimeoutSeconds = 0;
  }
  return def;
}

function taskList(v: unknown): WorkflowTask[] {
  return Array.isArray(v) ? v.filter(isPlainObject).map((t) => normalizeWorkflowTask(t)) : [];
}

export function normalizeWorkflowTask(raw: Record<string, unknown>): WorkflowTask {
  const type = typeof raw.type === 'string' && raw.type !== '' ? raw.type : 'SIMPLE';
  const wt: WorkflowTask = {
    ...raw,
    name: String(raw.name ?? ''),
    taskReferenceName: String(raw.taskReferenceName ?? ''),
    type,
    inputParameters: map(raw.inputParameters),
    startDelay: num(raw.startDelay, 0),
    optional: raw.optional === true,
    asyncComplete: raw.asyncComplete === true,
    permissive: raw.permissive === true,
  };
  if (isPlainObject(raw.decisionCases)) {
    const cases: Record<string, WorkflowTask[]> = {};
    for (const [k, v] of Object.entries(raw.decisionCases)) cases[k] = taskList(v);
    wt.decisionCases = cases;
  } else if (type === 'SWITCH' || type === 'DECISION') {
    wt.decisionCases = {};
  }
  if (raw.defaultCase !== undefined || type === 'SWITCH' || type === 'DECISION') {
    wt.defaultCase = taskList(raw.defaultCase);
  }
  if (Array.isArray(raw.forkTasks)) wt.forkTasks = raw.forkTasks.map((branch) => taskList(branch));
  if (raw.loopOver !== undefined || type === 'DO_WHILE') wt.loopOver = taskList(raw.loopOver);
  if (raw.joinOn !== undefined || type === 'JOIN') wt.joinOn = strings(raw.joinOn);
  if (isPlainObject(raw.taskDefinition)) wt.taskDefinition = normalizeTaskDef(raw.taskDefinition);
  if (isPlainObject(raw.subWorkflowParam)) wt.subWorkflowParam = { ...raw.subWorkflowParam };
  return wt;
}

export function normalizeWorkflowDef(raw: Record<string, unknown>): WorkflowDef {
  const def: WorkflowDef = {
    ...raw,
    name: String(raw.name ?? ''),
    version: num(raw.version, 1),
    tasks: taskList(raw.tasks),
    inputParameters: strings(raw.inputParameters),
    outputParameters: map(raw.outputParameters),
    schemaVersion: num(raw.schemaVersion, 2),
    restartable: raw.restartable !== false,
    workflowStatusListenerEnabled: raw.workflowStatusListenerEnabled === true,
    timeoutPolicy: raw.timeoutPolicy === 'TIME_OUT_WF' ? 'TIME_OUT_WF' : 'ALERT_ONLY',
    timeoutSeconds: num(raw.timeoutSeconds, 0),
    variables: map(raw.variables),
    inputTemplate: map(raw.inputTemplate),
  };
  return dropUndefined(def);
}

export function normalizeEventHandler(raw: Record<string, unknown>): EventHandler {
  return {
    ...raw,
    name: String(raw.name ?? ''),
    event: String(raw.event ?? ''),
    actions: Array.isArray(raw.actions) ? (raw.actions.filter(isPlainObject) as EventHandler['actions']) : [],
    active: raw.active === true,
  };
}
