/**
 * A dry run of a workflow definition: the data flow of a real run without a server or kernels. `${…}`
 * wiring is resolved with the engine's Conductor-compatible expression module, INLINE scripts run in its
 * script sandbox, worker templates render with the worker's template engine, and each notebook_run
 * "returns" its notebook's documented scraps (echoing parameters of the same name, as the notebooks do).
 * Output notebooks go where the worker would put them (the `output` rendered or taken as data, confined to
 * the output root `runs/`, or the default layout). Covers the task types the example workflows use: SIMPLE notebook_run, INLINE, SWITCH (value-param),
 * FORK_JOIN_DYNAMIC (forkTaskInputs and dynamicForkTasksParam forms) + JOIN, TERMINATE.
 *
 * It catches what registration cannot: a scrap name that no notebook glues, a parameter a notebook does
 * not declare or of the wrong type, an INLINE script that builds the wrong shape, a template that fails.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { evaluateScript, resolveExpressions } from '../../../src/engine/expr';
import { isPlainObject, type JsonObject, type JsonValue } from '../../../src/json';
import { createOutputRoots } from '../../../src/storage/output-roots';
import { renderDeep, taskTemplateContext } from '../../../src/templates';
import {
  declaredParameters,
  documentedScraps,
  fitsDeclaredType,
  notebookName,
  ROOT,
  type WorkflowDef,
  type WorkflowTask,
} from './definitions';

export interface DryTask {
  ref: string;
  type: string;
  /** Resolved input (for notebook_run: with `parameters` rendered as the worker would). */
  input: JsonObject;
  output: JsonObject;
  status: 'COMPLETED';
}

export interface DryRun {
  status: 'COMPLETED' | 'FAILED' | 'TERMINATED';
  reason?: string;
  output: JsonValue;
  /** Every task that ran, by reference name, in order. */
  tasks: Map<string, DryTask>;
}

export interface DryRunOptions {
  input?: JsonObject;
  /** Scraps to return instead of the documented ones, by task reference name (merged over them). */
  scraps?: Record<string, JsonObject>;
  /** The instant templates see as `now`. */
  now?: string;
}

class Problem extends Error {}

interface State {
  def: WorkflowDef;
  options: DryRunOptions;
  workflow: JsonObject;
  tasks: Map<string, DryTask>;
  terminated?: { status: 'COMPLETED' | 'FAILED' | 'TERMINATED'; reason: string; output: JsonValue };
}

function document(state: State): JsonObject {
  const doc: JsonObject = { workflow: state.workflow };
  for (const [ref, t] of state.tasks) {
    doc[ref] = {
      input: t.input,
      output: t.output,
      status: t.status,
      referenceTaskName: ref,
      taskType: t.type,
    };
  }
  return doc;
}

function resolve(state: State, value: JsonValue): JsonValue {
  return resolveExpressions(value, document(state), { taskId: 'dry-run-task' });
}

/**
 * Where the worker writes the output notebook, relative to the repository: an `output` (rendered when it
 * comes from the definition, taken as data when a dynamic fork made it) confined to the output root `runs/`
 * as the worker confines it, else the default layout.
 */
async function outputNotebook(
  state: State,
  ref: string,
  input: JsonObject,
  render: ((value: string) => string) | null,
): Promise<string> {
  const output = input.output;
  if (output === undefined || output === null)
    return `runs/${state.def.name}/${String(state.workflow.workflowId)}/${ref}/attempt-0.ipynb`;
  if (typeof output !== 'string')
    throw new Problem(`${ref}: output must be a string, got ${JSON.stringify(output)}`);
  const uri = render ? render(output) : output;
  input.output = uri;
  const confined = await createOutputRoots([path.join(ROOT, 'runs')]).confine(uri, `${ref}.output`);
  return path.relative(ROOT, confined).split(path.sep).join('/');
}

/** The worker's side of notebook_run: render templates, check the notebook and parameters, glue scraps. */
async function notebookRun(
  state: State,
  ref: string,
  input: JsonObject,
  templated: boolean,
): Promise<JsonObject> {
  const notebook = input.notebook;
  if (typeof notebook !== 'string')
    throw new Problem(`${ref}: notebook must be a string, got ${JSON.stringify(notebook)}`);
  if (!existsSync(path.join(ROOT, notebook)))
    throw new Problem(`${ref}: notebook ${notebook} does not exist`);
  const context = taskTemplateContext({
    workflow: {
      workflowId: String(state.workflow.workflowId),
      workflowType: state.def.name,
      correlationId: null,
      input: state.workflow.input as JsonObject,
      variables: {},
    },
    task: { taskId: `${ref}-task`, referenceTaskName: ref, retryCount: 0 },
    tasks: Object.fromEntries([...state.tasks].map(([r, t]) => [r, { output: t.output, status: t.status }])),
    now: state.options.now ?? '2024-03-06T08:00:00.000Z',
  });
  const raw = input.parameters ?? {};
  if (!isPlainObject(raw)) throw new Problem(`${ref}: parameters must be an object`);
  const parameters = renderDeep(raw, context, `${ref}.parameters`) as JsonObject;
  input.parameters = parameters;
  const declared = new Map(declaredParameters(notebook).map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(parameters)) {
    const p = declared.get(name);
    if (!p)
      throw new Problem(
        `${ref}: ${notebook} has no parameter ${name} (it declares ${[...declared.keys()].join(', ')})`,
      );
    if (!fitsDeclaredType(value, p.inferredType)) {
      throw new Problem(
        `${ref}: parameter ${name} of ${notebook} is declared ${p.inferredType}, got ${JSON.stringify(value)}`,
      );
    }
  }
  const documented = documentedScraps()[notebookName(notebook)];
  if (!documented)
    throw new Problem(`${ref}: no documented scraps for ${notebook} in test/fixtures/pipelines/scraps.json`);
  const scraps: JsonObject = { ...documented };
  for (const name of Object.keys(scraps)) {
    const echoed = parameters[name];
    if (echoed !== undefined && echoed !== null) scraps[name] = echoed;
  }
  Object.assign(scraps, state.options.scraps?.[ref] ?? {});
  const render = (value: string): string => String(renderDeep(value, context, `${ref}.output`));
  return {
    outputNotebook: await outputNotebook(state, ref, input, templated ? render : null),
    parameters,
    scraps,
    outputs: {},
    durationMs: 1,
    cells: { total: 1, executed: 1 },
    kernel: 'python3',
  };
}

function record(state: State, ref: string, type: string, input: JsonObject, output: JsonObject): void {
  if (state.tasks.has(ref)) throw new Problem(`task reference ${ref} ran twice`);
  state.tasks.set(ref, { ref, type, input, output, status: 'COMPLETED' });
}

/** `templated`: the task is in the definition (the worker renders its templates), not made by a fork. */
async function runSimple(
  state: State,
  t: WorkflowTask,
  input: JsonObject,
  templated: boolean,
): Promise<void> {
  if (t.name !== 'notebook_run')
    throw new Problem(`${t.taskReferenceName}: only notebook_run workers exist, not ${t.name}`);
  const output = await notebookRun(state, t.taskReferenceName, input, templated);
  record(state, t.taskReferenceName, 'SIMPLE', input, output);
}

/** The branches a FORK_JOIN_DYNAMIC schedules: [ref, task name, input]. */
function forkBranches(t: WorkflowTask, input: JsonObject): [string, string, JsonObject][] {
  if ('forkTaskInputs' in (t.inputParameters ?? {})) {
    const list = input.forkTaskInputs;
    if (!Array.isArray(list))
      throw new Problem(
        `${t.taskReferenceName}: forkTaskInputs resolved to ${JSON.stringify(list)}, not a list`,
      );
    const name = typeof input.forkTaskName === 'string' ? input.forkTaskName : t.taskReferenceName;
    return list.map((element, i) => [
      `_${name}_${i}`,
      name,
      { ...(isPlainObject(element) ? element : { input: element }), __index: i },
    ]);
  }
  const tasks = input[t.dynamicForkTasksParam ?? ''];
  const inputs = input[t.dynamicForkTasksInputParamName ?? ''];
  if (!Array.isArray(tasks) || !isPlainObject(inputs)) {
    throw new Problem(`${t.taskReferenceName}: the dynamic tasks are not a list or their inputs not a map`);
  }
  return tasks.map((wt) => {
    if (!isPlainObject(wt) || typeof wt.taskReferenceName !== 'string' || typeof wt.name !== 'string') {
      throw new Problem(
        `${t.taskReferenceName}: a dynamic task lacks name or taskReferenceName: ${JSON.stringify(wt)}`,
      );
    }
    const branchInput = inputs[wt.taskReferenceName];
    return [wt.taskReferenceName, wt.name, isPlainObject(branchInput) ? branchInput : {}];
  });
}

async function runList(state: State, list: WorkflowTask[]): Promise<void> {
  for (let i = 0; i < list.length && !state.terminated; i++) {
    const t = list[i] as WorkflowTask;
    const type = t.type ?? 'SIMPLE';
    const input = resolve(state, t.inputParameters ?? {}) as JsonObject;
    switch (type) {
      case 'SIMPLE':
        await runSimple(state, t, input, true);
        break;
      case 'INLINE':
        record(state, t.taskReferenceName, type, input, {
          result: await evaluateScript(String(input.expression), input),
        });
        break;
      case 'SWITCH': {
        if (t.evaluatorType !== 'value-param')
          throw new Problem(`${t.taskReferenceName}: the dry run knows value-param only`);
        const selected = String(input[t.expression ?? ''] ?? null);
        record(
          state,
          t.taskReferenceName,
          type,
          { ...input, case: selected },
          { evaluationResult: [selected], selectedCase: selected },
        );
        await runList(state, t.decisionCases?.[selected] ?? t.defaultCase ?? []);
        break;
      }
      case 'FORK_JOIN_DYNAMIC': {
        const join = list[i + 1];
        if (join?.type !== 'JOIN') throw new Problem(`${t.taskReferenceName}: not followed by a JOIN`);
        const branches = forkBranches(t, input);
        record(state, t.taskReferenceName, type, input, {});
        const joined: JsonObject = {};
        for (const [ref, name, branchInput] of branches) {
          const resolved = resolve(state, branchInput) as JsonObject;
          await runSimple(state, { name, taskReferenceName: ref }, resolved, false);
          joined[ref] = state.tasks.get(ref)?.output ?? null;
        }
        record(state, join.taskReferenceName, 'JOIN', { joinOn: branches.map(([ref]) => ref) }, joined);
        i++;
        break;
      }
      case 'TERMINATE': {
        const status = String(input.terminationStatus) as 'COMPLETED' | 'FAILED' | 'TERMINATED';
        const out = input.workflowOutput ?? null;
        const output = isPlainObject(out) ? out : { output: out };
        record(state, t.taskReferenceName, type, input, output);
        state.terminated = { status, reason: String(input.terminationReason ?? ''), output };
        break;
      }
      default:
        throw new Problem(`${t.taskReferenceName}: the dry run does not know task type ${type}`);
    }
  }
}

/** Runs a definition's data flow; throws with a precise message when it would break at run time. */
export async function dryRun(def: WorkflowDef, options: DryRunOptions = {}): Promise<DryRun> {
  // WorkflowDef.inputTemplate: defaults for keys the start request leaves out (putIfAbsent).
  const input: JsonObject = { ...(def.inputTemplate ?? {}), ...(options.input ?? {}) };
  const state: State = {
    def,
    options,
    workflow: {
      workflowId: `dry-${def.name}`,
      workflowType: def.name,
      version: def.version ?? 1,
      input,
      variables: {},
    },
    tasks: new Map(),
  };
  await runList(state, def.tasks);
  if (state.terminated) {
    const { status, reason, output } = state.terminated;
    return { status, reason, output, tasks: state.tasks };
  }
  return { status: 'COMPLETED', output: resolve(state, def.outputParameters ?? {}), tasks: state.tasks };
}
