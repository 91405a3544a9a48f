/**
 * Which template text a notebook_run task may render: only what its workflow definition says. Conductor
 * substitutes `${…}` before the worker sees the task, so a string in `inputData` may hold anything a
 * workflow input or an upstream output put there; the definition's own text (`inputParameters` of the
 * task in the registered workflow definition) is what the author wrote. A value that arrived through
 * `${…}` is data and is never rendered (no second-order injection).
 *
 * Dynamically forked tasks get a definition made at run time from data (`forkTaskInputs`,
 * `dynamicForkTasksParam`), so the polled `workflowTask` alone is not trusted: a task's templates are
 * looked up by reference name in the workflow's registered definition, and a task that is not there has
 * no templates.
 */
import { NbcError } from '../errors';
import { isPlainObject, type JsonObject, type JsonValue } from '../json';
import { isTemplateString } from '../templates';

/** The parts of a WorkflowTask this module reads. */
export interface WorkflowTaskView {
  taskReferenceName?: string;
  inputParameters?: Record<string, unknown>;
  forkTasks?: WorkflowTaskView[][];
  decisionCases?: Record<string, WorkflowTaskView[]>;
  defaultCase?: WorkflowTaskView[];
  loopOver?: WorkflowTaskView[];
}

export interface WorkflowDefinitionView {
  tasks?: WorkflowTaskView[];
}

function children(t: WorkflowTaskView): WorkflowTaskView[][] {
  return [
    ...(t.forkTasks ?? []),
    ...Object.values(t.decisionCases ?? {}),
    t.defaultCase ?? [],
    t.loopOver ?? [],
  ];
}

function findByRef(tasks: readonly WorkflowTaskView[], ref: string): WorkflowTaskView | undefined {
  for (const t of tasks) {
    if (t.taskReferenceName === ref) return t;
    for (const branch of children(t)) {
      const found = findByRef(Array.isArray(branch) ? branch : [], ref);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The task's definition in the registered workflow definition, by reference name (a DO_WHILE body task
 * polled as `ref__2` is `ref`). Undefined for tasks that are not in it (dynamically forked ones).
 */
export function registeredTask(def: WorkflowDefinitionView, ref: string): WorkflowTaskView | undefined {
  const tasks = def.tasks ?? [];
  return findByRef(tasks, ref) ?? findByRef(tasks, ref.replace(/__\d+$/, ''));
}

/** A template string in the definition: its place (keys and indices under `parameters`) and text. */
export interface TemplateLeaf {
  path: (string | number)[];
  template: string;
}

export interface DefinitionTemplates {
  /** Template strings inside `inputParameters.parameters`. */
  parameters: TemplateLeaf[];
  /** `inputParameters.output` when it is a template. */
  output: string | null;
}

const NONE: DefinitionTemplates = { parameters: [], output: null };

function label(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (acc, p) =>
      typeof p === 'number'
        ? `${acc}[${p}]`
        : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)
          ? `${acc}.${p}`
          : `${acc}[${JSON.stringify(p)}]`,
    '',
  );
}

function mixed(text: string, where: string): NbcError {
  return new NbcError(
    'E_TEMPLATE',
    `${where}: one string mixes Conductor's \${…} and a {{ … }} template, ${JSON.stringify(text.slice(0, 200))}; ` +
      'a value substituted by ${…} is data and is never rendered. Use one or the other: refer to the value ' +
      'in the template instead (e.g. {{ workflow.input.x }} or {{ tasks.ref.output.x }}), or pass it with ${…} alone',
    { field: where },
  );
}

function collect(value: unknown, path: (string | number)[], out: TemplateLeaf[]): void {
  if (typeof value === 'string') {
    if (!isTemplateString(value)) return;
    if (value.includes('${')) throw mixed(value, `inputParameters.parameters${label(path)}`);
    out.push({ path, template: value });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collect(item, [...path, i], out));
  } else if (isPlainObject(value as JsonValue)) {
    for (const [k, v] of Object.entries(value as JsonObject)) collect(v, [...path, k], out);
  }
}

/**
 * The templates written in a task definition's `inputParameters` (`parameters` leaves and `output`).
 * A string mixing `${…}` and `{{ … }}` is an E_TEMPLATE error naming the field.
 */
export function definitionTemplates(
  inputParameters: Record<string, unknown> | undefined,
): DefinitionTemplates {
  if (inputParameters === undefined) return NONE;
  const parameters: TemplateLeaf[] = [];
  collect(inputParameters.parameters, [], parameters);
  const out = inputParameters.output;
  let output: string | null = null;
  if (typeof out === 'string' && isTemplateString(out)) {
    if (out.includes('${')) throw mixed(out, 'inputParameters.output');
    output = out;
  }
  return { parameters, output };
}

export function hasTemplates(t: DefinitionTemplates): boolean {
  return t.parameters.length > 0 || t.output !== null;
}

/**
 * Only the template leaves of the definition's `parameters`, in their places; every other leaf is null
 * (renderDeep leaves it alone), so rendering errors name the same path the author wrote.
 */
export function templateTree(leaves: readonly TemplateLeaf[]): JsonValue {
  let root: JsonValue = null;
  for (const { path, template } of leaves) root = setAt(root, path, template);
  return root;
}

function setAt(container: JsonValue, path: readonly (string | number)[], value: JsonValue): JsonValue {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (typeof head === 'number') {
    const arr: JsonValue[] = Array.isArray(container) ? container : [];
    while (arr.length <= head) arr.push(null);
    arr[head] = setAt(arr[head] ?? null, rest, value);
    return arr;
  }
  const obj: JsonObject = isPlainObject(container) ? container : {};
  Object.defineProperty(obj, head, {
    value: setAt(obj[head] ?? null, rest, value),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return obj;
}

/** `data` with the value at each leaf's path replaced by that leaf's rendered value. */
export function mergeRendered(
  data: JsonObject,
  leaves: readonly TemplateLeaf[],
  rendered: JsonValue,
): JsonObject {
  let out: JsonValue = copyData(data);
  for (const { path } of leaves) {
    let v: JsonValue | undefined = rendered;
    for (const p of path) v = v === undefined ? undefined : readAt(v, p);
    out = setAt(out, path, v ?? null);
  }
  return isPlainObject(out) ? out : {};
}

function readAt(v: JsonValue, p: string | number): JsonValue | undefined {
  if (typeof p === 'number') return Array.isArray(v) ? v[p] : undefined;
  return isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, p) ? v[p] : undefined;
}

/**
 * A plain-data copy of what an HTTP client hands back (the template sandbox reads plain data only).
 * Like a JSON round trip (undefined and functions dropped, `toJSON` honoured) but bigints stay.
 */
export function copyData<T>(value: T): T {
  return copy(value, 0) as T;
}

function copy(v: unknown, depth: number): unknown {
  if (depth > 1000) throw new NbcError('E_USAGE', 'task data is nested more than 1000 levels deep');
  if (v === null || typeof v !== 'object') return v;
  const json = (v as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return copy(json.call(v), depth + 1);
  if (Array.isArray(v))
    return v.map((x) => (x === undefined || typeof x === 'function' ? null : copy(x, depth + 1)));
  let out: JsonValue = {};
  for (const [k, x] of Object.entries(v)) {
    if (x !== undefined && typeof x !== 'function') out = setAt(out, [k], copy(x, depth + 1) as JsonValue);
  }
  return out;
}
