/**
 * The definitions in workflows/ and the notebooks they run, loaded for the pipeline tests: workflow,
 * task and event-handler JSON, the documented scraps of each notebook (test/fixtures/pipelines), and
 * the parameters each notebook declares (as `nbconductor inspect` infers them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { isPlainObject, type JsonObject, type JsonValue } from '../../../src/json';
import { parseNotebook } from '../../../src/notebook/io';
import { inspectNotebook, type InferredParameter } from '../../../src/notebook/inspect';
import { packageRoot } from '../../../src/paths';

export const ROOT = packageRoot();
export const WORKFLOWS_DIR = path.join(ROOT, 'workflows');
export const NOTEBOOKS_DIR = path.join(ROOT, 'notebooks');
export const PIPELINE_FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'pipelines');

/** A WorkflowTask as written in a definition (only the fields these tests read). */
export interface WorkflowTask {
  name: string;
  taskReferenceName: string;
  type?: string;
  description?: string;
  inputParameters?: JsonObject;
  evaluatorType?: string;
  expression?: string;
  decisionCases?: Record<string, WorkflowTask[]>;
  defaultCase?: WorkflowTask[];
  forkTasks?: WorkflowTask[][];
  joinOn?: string[];
  loopOver?: WorkflowTask[];
  loopCondition?: string;
  dynamicForkTasksParam?: string;
  dynamicForkTasksInputParamName?: string;
  dynamicForkJoinTasksParam?: string;
  subWorkflowParam?: { name?: string };
  sink?: string;
  optional?: boolean;
  retryCount?: number;
}

export interface WorkflowDef {
  name: string;
  description?: string;
  version?: number;
  schemaVersion?: number;
  ownerEmail?: string;
  inputParameters?: string[];
  inputTemplate?: JsonObject;
  tasks: WorkflowTask[];
  outputParameters?: JsonObject;
  failureWorkflow?: string;
}

export interface TaskDef {
  name: string;
  description?: string;
  ownerEmail?: string;
  retryCount?: number;
  retryLogic?: string;
  retryDelaySeconds?: number;
  timeoutSeconds?: number;
  responseTimeoutSeconds?: number;
  timeoutPolicy?: string;
  inputKeys?: string[];
  outputKeys?: string[];
}

export interface EventHandler {
  name: string;
  event: string;
  condition?: string;
  evaluatorType?: string;
  active?: boolean;
  actions: {
    action: string;
    start_workflow?: { name: string; version?: number; correlationId?: string; input?: JsonObject };
    [key: string]: unknown;
  }[];
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** `workflows/*.json` except taskdefs.json, by file name without `.json`. */
export function loadWorkflows(): Map<string, WorkflowDef> {
  const out = new Map<string, WorkflowDef>();
  for (const file of readdirSync(WORKFLOWS_DIR).sort()) {
    if (!file.endsWith('.json') || file === 'taskdefs.json') continue;
    out.set(file.slice(0, -'.json'.length), readJson<WorkflowDef>(path.join(WORKFLOWS_DIR, file)));
  }
  return out;
}

export function loadTaskDefs(): TaskDef[] {
  return readJson<TaskDef[]>(path.join(WORKFLOWS_DIR, 'taskdefs.json'));
}

/** `workflows/events/*.json`, by file name without `.json`. */
export function loadEventHandlers(): Map<string, EventHandler> {
  const dir = path.join(WORKFLOWS_DIR, 'events');
  const out = new Map<string, EventHandler>();
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.json'))
      out.set(file.slice(0, -'.json'.length), readJson<EventHandler>(path.join(dir, file)));
  }
  return out;
}

/** What each example notebook glues (names and sample values), by notebook name. */
export function documentedScraps(): Record<string, JsonObject> {
  return readJson<Record<string, JsonObject>>(path.join(PIPELINE_FIXTURES, 'scraps.json'));
}

/** The example notebooks, by name (`extract`, `vid_agg`, …). */
export function exampleNotebooks(): string[] {
  return readdirSync(NOTEBOOKS_DIR)
    .filter((f) => f.endsWith('.ipynb'))
    .map((f) => f.slice(0, -'.ipynb'.length))
    .sort();
}

const parameterCache = new Map<string, InferredParameter[]>();

/** Parameters declared by a notebook (path relative to the repository root, as workflows give it). */
export function declaredParameters(notebook: string): InferredParameter[] {
  let params = parameterCache.get(notebook);
  if (params === undefined) {
    const file = path.join(ROOT, notebook);
    params = inspectNotebook(parseNotebook(readFileSync(file), file)).parameters;
    parameterCache.set(notebook, params);
  }
  return params;
}

/** `notebooks/vid_agg.ipynb` → `vid_agg`. */
export function notebookName(notebook: string): string {
  return path.basename(notebook, '.ipynb');
}

/** Every task of a definition tree (cases, default case, fork branches, loop bodies), depth first. */
export function allTasks(tasks: WorkflowTask[]): WorkflowTask[] {
  const out: WorkflowTask[] = [];
  for (const t of tasks) {
    out.push(t);
    for (const list of Object.values(t.decisionCases ?? {})) out.push(...allTasks(list));
    out.push(...allTasks(t.defaultCase ?? []));
    for (const branch of t.forkTasks ?? []) out.push(...allTasks(branch));
    out.push(...allTasks(t.loopOver ?? []));
  }
  return out;
}

/** Does a JSON value fit a notebook parameter's declared Python type (None always fits; "a or b" = either)? */
export function fitsDeclaredType(value: JsonValue | undefined, pythonType: string): boolean {
  if (value === null || value === undefined) return true;
  const alternatives = pythonType.split(' or ');
  if (alternatives.length > 1) return alternatives.some((t) => fitsDeclaredType(value, t.trim()));
  switch (pythonType) {
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'str':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    case 'dict':
      return isPlainObject(value);
    default:
      return true;
  }
}
