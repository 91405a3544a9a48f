/**
 * `nbconductor register [DIR]` (push task definitions, workflows and event handlers; idempotent) and
 * `nbconductor start NAME -i key=value` (start a workflow and follow it to the end), through the SDK.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { NbcError, errorMessage } from '../errors';
import { isPlainObject, parseJsonExact } from '../json';
import type { Logger } from '../log';
import { connectConductor as connect, type ConductorTarget } from '../worker/conductor-client';

export type { ConductorTarget } from '../worker/conductor-client';

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new NbcError('E_USAGE', `cannot read ${file}: ${errorMessage(err)}`, { uri: file });
  });
  try {
    return parseJsonExact(text); // an int beyond 2^53 in a definition stays exact, as Conductor keeps it
  } catch (err) {
    throw new NbcError('E_USAGE', `${file} is not valid JSON: ${errorMessage(err)}`, { uri: file });
  }
}

export interface Definitions {
  taskDefs: Record<string, unknown>[];
  workflows: { file: string; def: Record<string, unknown> }[];
  eventHandlers: { file: string; def: Record<string, unknown> }[];
  /** `schedules/*.json`: the body `POST /api/scheduler/schedules` takes. */
  schedules: { file: string; def: Record<string, unknown> }[];
}

/** Checks a schedule file as the embedded engine would (a real Conductor stores a bad cron silently). */
function checkSchedule(file: string, json: unknown): Record<string, unknown> {
  // Lazy: the checker brings luxon, which other commands do not need.
  const { scheduleFromBody } =
    require('../engine/scheduler/model') as typeof import('../engine/scheduler/model');
  const { ApiError } = require('../engine/api-errors') as typeof import('../engine/api-errors');
  try {
    scheduleFromBody(json, false);
  } catch (err) {
    if (err instanceof ApiError)
      throw new NbcError('E_USAGE', `${file}: ${err.message}`, {
        uri: file,
        field: err.validationErrors?.[0]?.path,
      });
    throw err;
  }
  return json as Record<string, unknown>;
}

/** taskdefs.json (a list), one WorkflowDef per other *.json, event handlers under events/, schedules under schedules/. */
export async function loadDefinitions(dir: string): Promise<Definitions> {
  const entries = await readdir(dir).catch((err: unknown) => {
    throw new NbcError('E_USAGE', `cannot read definitions directory ${dir}: ${errorMessage(err)}`, {
      uri: dir,
    });
  });
  const defs: Definitions = { taskDefs: [], workflows: [], eventHandlers: [], schedules: [] };
  for (const name of entries.sort()) {
    const file = path.join(dir, name);
    if (!name.endsWith('.json')) continue;
    const json = await readJson(file);
    if (name === 'taskdefs.json') {
      if (!Array.isArray(json))
        throw new NbcError('E_USAGE', `${file} must hold a list of task definitions`, { uri: file });
      defs.taskDefs.push(...(json as Record<string, unknown>[]));
    } else if (isPlainObject(json) && 'tasks' in json) {
      defs.workflows.push({ file, def: json });
    } else {
      throw new NbcError(
        'E_USAGE',
        `${file}: expected a workflow definition (an object with "name" and "tasks")`,
        { uri: file },
      );
    }
  }
  const eventsDir = path.join(dir, 'events');
  const eventFiles = await readdir(eventsDir).catch(() => [] as string[]);
  for (const name of eventFiles.sort().filter((n) => n.endsWith('.json'))) {
    const file = path.join(eventsDir, name);
    const json = await readJson(file);
    for (const def of Array.isArray(json) ? json : [json])
      defs.eventHandlers.push({ file, def: def as Record<string, unknown> });
  }
  const schedulesDir = path.join(dir, 'schedules');
  const scheduleFiles = await readdir(schedulesDir).catch(() => [] as string[]);
  for (const name of scheduleFiles.sort().filter((n) => n.endsWith('.json'))) {
    const file = path.join(schedulesDir, name);
    defs.schedules.push({ file, def: checkSchedule(file, await readJson(file)) });
  }
  return defs;
}

function apiError(what: string, err: unknown): NbcError {
  return new NbcError('E_CONDUCTOR', `${what}: ${errorMessage(err)}`, {}, { cause: err });
}

/** Registers everything (upserts: running it twice changes nothing). Returns a one-line summary. */
export async function registerDefinitions(
  target: ConductorTarget,
  dir: string,
  logger: Logger,
): Promise<string> {
  const defs = await loadDefinitions(dir);
  const { sdk, client } = await connect(target, logger);
  const metadata = new sdk.MetadataClient(client);
  const events = new sdk.EventClient(client);
  const scheduler = new sdk.SchedulerClient(client);
  try {
    if (defs.taskDefs.length > 0) {
      await metadata.registerTasks(defs.taskDefs as never).catch((err: unknown) => {
        throw apiError(`registering task definitions from ${path.join(dir, 'taskdefs.json')}`, err);
      });
    }
    for (const w of defs.workflows) {
      await metadata.registerWorkflowDef(w.def as never, true).catch((err: unknown) => {
        throw apiError(`registering workflow ${String(w.def.name)} from ${w.file}`, err);
      });
    }
    const existing = new Set(
      ((await events.getAllEventHandlers().catch(() => [])) as { name?: string }[]).map((h) => h.name),
    );
    for (const e of defs.eventHandlers) {
      const op = existing.has(String(e.def.name))
        ? events.updateEventHandler(e.def as never)
        : events.addEventHandler(e.def as never);
      await op.catch((err: unknown) => {
        throw apiError(`registering event handler ${String(e.def.name)} from ${e.file}`, err);
      });
    }
    // An upsert: an unchanged schedule keeps its pending slot, a changed one takes effect from now.
    for (const s of defs.schedules) {
      await scheduler.saveSchedule(s.def as never).catch((err: unknown) => {
        throw apiError(`registering schedule ${String(s.def.name)} from ${s.file}`, err);
      });
    }
  } finally {
    client.stopBackgroundRefresh?.();
  }
  return `registered ${defs.taskDefs.length} task definitions, ${defs.workflows.length} workflows, ${defs.eventHandlers.length} event handlers, ${defs.schedules.length} schedules from ${dir}`;
}

/**
 * `-i key=value`: the value is JSON when it parses as JSON (numbers, lists, true; an int beyond 2^53 kept
 * exact), else a string.
 */
export function parseInputPairs(pairs: readonly string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new NbcError('E_USAGE', `-i expects key=value, got ${JSON.stringify(pair)}`, { field: '-i' });
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = parseJsonExact(raw);
    } catch {
      // a plain string
    }
    input[pair.slice(0, at)] = value;
  }
  return input;
}

export interface TaskLine {
  ref: string;
  type: string;
  status: string;
  outputNotebook?: string;
  reason?: string;
  /** Epoch ms, as Conductor reports them (0 or absent until the task starts/ends). */
  startTime?: number;
  endTime?: number;
}

export interface FollowResult {
  workflowId: string;
  status: string;
  reason?: string;
  output: Record<string, unknown>;
  tasks: TaskLine[];
}

type WorkflowTask = {
  referenceTaskName?: string;
  taskType?: string;
  status?: string;
  outputData?: Record<string, unknown>;
  reasonForIncompletion?: string;
  taskId?: string;
  startTime?: number;
  endTime?: number;
};

/** Starts a workflow and follows it until it ends, reporting each task's status changes as they happen. */
export async function startAndFollow(
  target: ConductorTarget,
  request: { name: string; version?: number; input: Record<string, unknown>; correlationId?: string },
  logger: Logger,
  onTask: (line: TaskLine) => void,
  options: { follow: boolean; signal?: AbortSignal; pollMs?: number } = { follow: true },
): Promise<FollowResult> {
  const { sdk, client } = await connect(target, logger);
  const executor = new sdk.WorkflowExecutor(client);
  try {
    const workflowId = await executor.startWorkflow(request as never).catch((err: unknown) => {
      throw apiError(`starting workflow ${request.name}`, err);
    });
    if (!options.follow) return { workflowId, status: 'RUNNING', output: {}, tasks: [] };
    const seen = new Map<string, string>();
    for (;;) {
      const wf = (await executor.getWorkflow(workflowId, true)) as unknown as {
        status: string;
        reasonForIncompletion?: string;
        output?: Record<string, unknown>;
        tasks?: WorkflowTask[];
      };
      const lines: TaskLine[] = [];
      for (const t of wf.tasks ?? []) {
        const line: TaskLine = {
          ref: t.referenceTaskName ?? '?',
          type: t.taskType ?? '?',
          status: t.status ?? '?',
        };
        const nb = t.outputData?.outputNotebook;
        if (typeof nb === 'string') line.outputNotebook = nb;
        if (t.reasonForIncompletion) line.reason = t.reasonForIncompletion;
        if (t.startTime) line.startTime = t.startTime;
        if (t.endTime) line.endTime = t.endTime;
        lines.push(line);
        const key = t.taskId ?? line.ref;
        if (seen.get(key) !== line.status) {
          seen.set(key, line.status);
          onTask(line);
        }
      }
      if (!['RUNNING', 'PAUSED'].includes(wf.status)) {
        return {
          workflowId,
          status: wf.status,
          reason: wf.reasonForIncompletion,
          output: wf.output ?? {},
          tasks: lines,
        };
      }
      if (options.signal?.aborted)
        throw new NbcError('E_ABORTED', `stopped following workflow ${workflowId} (it keeps running)`);
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
    }
  } finally {
    client.stopBackgroundRefresh?.();
  }
}
