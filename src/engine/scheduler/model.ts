/**
 * Conductor's scheduler shapes (`WorkflowSchedule`, `CronSchedule`, `WorkflowScheduleExecutionModel`,
 * `BulkResponse`) and the checks a schedule body gets on save. Unlike Conductor, which stores a bad cron
 * and never fires it, every problem is a 400 naming the field: cron syntax, unknown zone ids, bounds
 * that end before they start, a missing workflow name, a non-object input.
 */
import type { Zone } from 'luxon';

import { isPlainObject, type JsonObject } from '../../json';
import { BadRequestError, type ValidationError } from '../api-errors';
import { CronSyntaxError, parseCron, type CronSpec } from './cron-parse';
import { zoneFor } from './cron-next';

export interface CronSchedule {
  cronExpression: string;
  zoneId: string;
}

/** Conductor's `StartWorkflowRequest` as a schedule stores it. */
export interface ScheduledStartRequest {
  name: string;
  version?: number;
  correlationId?: string;
  input: JsonObject;
  taskToDomain: Record<string, string>;
  workflowDef?: JsonObject;
  externalInputPayloadStoragePath?: string;
  priority: number;
  createdBy?: string;
  idempotencyKey?: string;
  idempotencyStrategy?: string;
}

export interface WorkflowSchedule {
  name: string;
  cronExpression?: string;
  runCatchupScheduleInstances: boolean;
  paused: boolean;
  pausedReason?: string;
  startWorkflowRequest: ScheduledStartRequest;
  zoneId: string;
  cronSchedules: CronSchedule[];
  scheduleStartTime?: number;
  scheduleEndTime?: number;
  createTime: number;
  updatedTime: number;
  createdBy: string;
  updatedBy: string;
  description?: string;
  /** Filled in on every answer (Conductor OSS leaves it out): the earliest pending slot. */
  nextRunTime?: number;
}

/** Conductor's states plus SKIPPED: a slot that was due but did not run (catch-up off or over the cap). */
export type ExecutionState = 'POLLED' | 'EXECUTED' | 'FAILED' | 'SKIPPED';

export interface ScheduleExecution {
  executionId: string;
  scheduleName: string;
  scheduledTime: number;
  executionTime: number;
  workflowName: string;
  workflowId?: string;
  reason?: string;
  stackTrace?: string;
  startWorkflowRequest: ScheduledStartRequest;
  state: ExecutionState;
  zoneId: string;
}

export interface BulkResponse {
  bulkErrorResults: Record<string, string>;
  bulkSuccessfulResults: string[];
}

/** One cron of a schedule, parsed: what the firing loop evaluates. */
export interface EffectiveCron {
  index: number;
  expression: string;
  zoneId: string;
  spec: CronSpec;
  zone: Zone;
  /** `_schedulerCron`: the expression and the zone id, space-separated (Conductor's format). */
  label: string;
}

const parsedCrons = new WeakMap<WorkflowSchedule, EffectiveCron[]>();

/** `cronSchedules` when non-empty (Conductor's precedence), else `cronExpression` in `zoneId`. */
export function effectiveCrons(s: WorkflowSchedule): EffectiveCron[] {
  const cached = parsedCrons.get(s);
  if (cached) return cached;
  const crons = parseCrons(s);
  parsedCrons.set(s, crons);
  return crons;
}

function parseCrons(s: WorkflowSchedule): EffectiveCron[] {
  const list =
    s.cronSchedules.length > 0
      ? s.cronSchedules
      : [{ cronExpression: s.cronExpression ?? '', zoneId: s.zoneId }];
  return list.map((c, index) => ({
    index,
    expression: c.cronExpression,
    zoneId: c.zoneId,
    spec: parseCron(c.cronExpression),
    zone: zoneFor(c.zoneId) as Zone,
    label: `${c.cronExpression} ${c.zoneId}`,
  }));
}

export function notFound(name: string): string {
  return `Schedule '${name}' not found`;
}

/** Checks a cron expression and zone id; a message naming the problem, or undefined when both are fine. */
export function cronProblem(
  expression: unknown,
  zoneId: unknown,
): { field: 'cron' | 'zone'; message: string } | undefined {
  if (typeof expression !== 'string' || expression.trim() === '')
    return { field: 'cron', message: 'a cron expression is required' };
  try {
    parseCron(expression);
  } catch (err) {
    if (err instanceof CronSyntaxError)
      return { field: 'cron', message: `invalid cron expression "${expression}": ${err.message}` };
    throw err;
  }
  if (typeof zoneId !== 'string' || zoneFor(zoneId) === null)
    return {
      field: 'zone',
      message: `unknown time-zone ID: ${JSON.stringify(zoneId)} (use an IANA id such as "Europe/Amsterdam" or "UTC", or an offset such as "+05:30")`,
    };
  return undefined;
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function optionalTime(
  body: Record<string, unknown>,
  key: string,
  errors: ValidationError[],
): number | undefined {
  const v = body[key];
  // 0 and "" mean "no bound" (Conductor reads 0 as 1970, so a schedule with end 0 never fires).
  if (v === undefined || v === null || v === 0 || v === '') return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    errors.push({
      path: key,
      message: `${key} must be epoch milliseconds (an integer ≥ 0)`,
      invalidValue: v,
    });
    return undefined;
  }
  return v;
}

function startRequest(raw: unknown, errors: ValidationError[]): ScheduledStartRequest | undefined {
  if (!isPlainObject(raw)) {
    errors.push({
      path: 'startWorkflowRequest',
      message: 'startWorkflowRequest (an object with the workflow name) is required',
      invalidValue: raw,
    });
    return undefined;
  }
  const name = raw.name;
  if (typeof name !== 'string' || name.trim() === '')
    errors.push({
      path: 'startWorkflowRequest.name',
      message: 'startWorkflowRequest.name (the workflow to start) is required',
      invalidValue: name,
    });
  const input = raw.input ?? {};
  if (!isPlainObject(input))
    errors.push({
      path: 'startWorkflowRequest.input',
      message: 'startWorkflowRequest.input must be a JSON object',
      invalidValue: input,
    });
  const taskToDomain = raw.taskToDomain ?? {};
  if (!isPlainObject(taskToDomain) || Object.values(taskToDomain).some((v) => typeof v !== 'string'))
    errors.push({
      path: 'startWorkflowRequest.taskToDomain',
      message: 'startWorkflowRequest.taskToDomain must map task names to domain strings',
      invalidValue: taskToDomain,
    });
  const version = raw.version;
  if (version !== undefined && version !== null && !(Number.isInteger(version) && (version as number) > 0))
    errors.push({
      path: 'startWorkflowRequest.version',
      message: 'startWorkflowRequest.version must be a positive integer',
      invalidValue: version,
    });
  const priority = raw.priority ?? 0;
  if (!Number.isInteger(priority) || (priority as number) < 0 || (priority as number) > 99)
    errors.push({
      path: 'startWorkflowRequest.priority',
      message: 'startWorkflowRequest.priority must be an integer 0-99',
      invalidValue: priority,
    });
  const workflowDef = raw.workflowDef;
  if (workflowDef !== undefined && workflowDef !== null && !isPlainObject(workflowDef))
    errors.push({
      path: 'startWorkflowRequest.workflowDef',
      message: 'startWorkflowRequest.workflowDef must be a workflow definition object',
      invalidValue: workflowDef,
    });
  const out: ScheduledStartRequest = {
    name: typeof name === 'string' ? name : '',
    input: isPlainObject(input) ? (input as JsonObject) : {}, // parsed JSON
    taskToDomain: isPlainObject(taskToDomain) ? (taskToDomain as Record<string, string>) : {},
    priority: typeof priority === 'number' ? priority : 0,
  };
  if (typeof version === 'number') out.version = version;
  const extras = [
    'correlationId',
    'externalInputPayloadStoragePath',
    'createdBy',
    'idempotencyKey',
    'idempotencyStrategy',
  ] as const;
  for (const key of extras) {
    const v = optionalString(raw[key]);
    if (v !== undefined) out[key] = v;
  }
  if (isPlainObject(workflowDef)) out.workflowDef = workflowDef as JsonObject;
  return out;
}

function cronEntries(body: Record<string, unknown>, errors: ValidationError[]): CronSchedule[] {
  const raw = body.cronSchedules;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    errors.push({
      path: 'cronSchedules',
      message: 'cronSchedules must be a list of {cronExpression, zoneId}',
      invalidValue: raw,
    });
    return [];
  }
  return raw.map((entry, i): CronSchedule => {
    const e = isPlainObject(entry) ? entry : {};
    const zone = e.zoneId === undefined || e.zoneId === null ? 'UTC' : e.zoneId;
    const problem = cronProblem(e.cronExpression, zone);
    if (problem)
      errors.push({
        path: `cronSchedules[${i}].${problem.field === 'cron' ? 'cronExpression' : 'zoneId'}`,
        message: problem.message,
        invalidValue: problem.field === 'cron' ? e.cronExpression : zone,
      });
    return { cronExpression: String(e.cronExpression ?? ''), zoneId: String(zone) };
  });
}

/**
 * A stored schedule from a request body (a full replace, as Conductor's upsert), or a 400 listing every
 * problem. `catchUpDefault` applies when the body leaves `runCatchupScheduleInstances` out.
 */
export function scheduleFromBody(
  body: unknown,
  catchUpDefault: boolean,
): Omit<WorkflowSchedule, 'createTime' | 'updatedTime' | 'createdBy' | 'updatedBy'> {
  if (!isPlainObject(body))
    throw new BadRequestError('Request body must be a JSON object (WorkflowSchedule)');
  const errors: ValidationError[] = [];
  const name = body.name;
  if (typeof name !== 'string' || name.trim() === '')
    errors.push({ path: 'name', message: 'name is required', invalidValue: name });
  const zoneId =
    body.zoneId === undefined || body.zoneId === null || body.zoneId === '' ? 'UTC' : body.zoneId;
  const cronSchedules = cronEntries(body, errors);
  const cronExpression = optionalString(body.cronExpression);
  if (cronSchedules.length === 0) {
    const problem = cronProblem(cronExpression, zoneId);
    if (problem)
      errors.push({
        path: problem.field === 'cron' ? 'cronExpression' : 'zoneId',
        message:
          problem.field === 'cron' && !cronExpression
            ? 'cronExpression (or a non-empty cronSchedules list) is required'
            : problem.message,
        invalidValue: problem.field === 'cron' ? body.cronExpression : zoneId,
      });
  } else if (typeof zoneId !== 'string' || zoneFor(zoneId) === null) {
    errors.push({
      path: 'zoneId',
      message: cronProblem('* * * * * *', zoneId)?.message ?? 'bad zone',
      invalidValue: zoneId,
    });
  }
  const swr = startRequest(body.startWorkflowRequest, errors);
  const scheduleStartTime = optionalTime(body, 'scheduleStartTime', errors);
  const scheduleEndTime = optionalTime(body, 'scheduleEndTime', errors);
  if (scheduleStartTime !== undefined && scheduleEndTime !== undefined && scheduleEndTime < scheduleStartTime)
    errors.push({
      path: 'scheduleEndTime',
      message: 'scheduleEndTime is before scheduleStartTime',
      invalidValue: scheduleEndTime,
    });
  for (const key of ['paused', 'runCatchupScheduleInstances'] as const) {
    const v = body[key];
    if (v !== undefined && v !== null && typeof v !== 'boolean')
      errors.push({ path: key, message: `${key} must be true or false`, invalidValue: v });
  }
  if (errors.length > 0 || !swr) {
    const label = typeof name === 'string' && name ? `schedule '${name}'` : 'schedule';
    throw new BadRequestError(
      `Invalid ${label}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      errors,
    );
  }
  const out: Omit<WorkflowSchedule, 'createTime' | 'updatedTime' | 'createdBy' | 'updatedBy'> = {
    name: name as string,
    runCatchupScheduleInstances:
      typeof body.runCatchupScheduleInstances === 'boolean'
        ? body.runCatchupScheduleInstances
        : catchUpDefault,
    paused: body.paused === true,
    startWorkflowRequest: swr,
    zoneId: zoneId as string,
    cronSchedules,
  };
  if (cronExpression !== undefined) out.cronExpression = cronExpression;
  if (out.paused && typeof body.pausedReason === 'string') out.pausedReason = body.pausedReason;
  if (scheduleStartTime !== undefined) out.scheduleStartTime = scheduleStartTime;
  if (scheduleEndTime !== undefined) out.scheduleEndTime = scheduleEndTime;
  if (typeof body.description === 'string') out.description = body.description;
  return out;
}
