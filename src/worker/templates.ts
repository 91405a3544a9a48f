/**
 * Runtime parameters: nunjucks templates written in the task's definition (`parameters` leaves and
 * `output`), rendered against `{workflow, task, tasks, now}`. Values that arrived through Conductor's
 * `${…}` are data, never rendered (definition.ts). The workflow is read from Conductor once when the
 * definition has templates (for its registered definition, and its input), with its tasks only when a
 * template uses `tasks`.
 */
import type { JsonObject } from '../json';
import type { Logger } from '../log';
import { renderDeep, renderString, taskTemplateContext, usesVariable } from '../templates';
import {
  copyData,
  definitionTemplates,
  hasTemplates,
  mergeRendered,
  registeredTask,
  templateTree,
  type DefinitionTemplates,
  type WorkflowDefinitionView,
  type WorkflowTaskView,
} from './definition';

/** What the worker needs from a polled task (a subset of Conductor's Task). */
export interface TaskFacts {
  taskId: string;
  workflowInstanceId: string;
  workflowType?: string;
  correlationId?: string;
  referenceTaskName?: string;
  retryCount?: number;
  /** The task's definition as Conductor hands it out (for dynamically forked tasks, made from data). */
  workflowTask?: WorkflowTaskView;
}

export interface WorkflowView {
  workflowId?: string;
  workflowName?: string;
  workflowType?: string;
  correlationId?: string;
  input?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  /** The definition the workflow runs with (Conductor includes it in the workflow). */
  workflowDefinition?: WorkflowDefinitionView;
  tasks?: {
    referenceTaskName?: string;
    status?: string;
    outputData?: Record<string, unknown>;
    seq?: number;
  }[];
}

export type FetchWorkflow = (workflowId: string, includeTasks: boolean) => Promise<WorkflowView>;

/** A plain-data copy made in this realm (see definition.ts: copyData); ints beyond 2^53 stay exact. */
export const asJsonData = copyData;

/** ref → {output, status} of the latest attempt (by seq) of each task reference. */
function tasksView(workflow: WorkflowView): Record<string, { output: unknown; status: string }> {
  const latest = new Map<string, { seq: number; output: unknown; status: string }>();
  for (const t of workflow.tasks ?? []) {
    if (!t.referenceTaskName) continue;
    const seq = t.seq ?? 0;
    const prev = latest.get(t.referenceTaskName);
    if (!prev || seq >= prev.seq)
      latest.set(t.referenceTaskName, { seq, output: t.outputData ?? {}, status: t.status ?? 'UNKNOWN' });
  }
  return Object.fromEntries([...latest].map(([ref, v]) => [ref, { output: v.output, status: v.status }]));
}

export interface RenderedInput {
  parameters: JsonObject;
  output: string | null;
  /** True when Conductor was asked for the workflow (for logs/tests). */
  fetchedWorkflow: boolean;
  fetchedTasks: boolean;
}

function readsTasks(t: DefinitionTemplates): boolean {
  return usesVariable(templateTree(t.parameters), 'tasks') || usesVariable(t.output, 'tasks');
}

export async function renderTaskTemplates(
  parameters: JsonObject,
  output: string | null,
  task: TaskFacts,
  deps: { fetchWorkflow: FetchWorkflow; now: Date; logger: Logger },
): Promise<RenderedInput> {
  const asData = { parameters, output, fetchedWorkflow: false, fetchedTasks: false };
  // The polled definition says whether there is anything to render at all (no request if not).
  const polled = definitionTemplates(task.workflowTask?.inputParameters);
  if (!hasTemplates(polled)) return asData;

  let needsTasks = readsTasks(polled);
  let workflow = asJsonData(await deps.fetchWorkflow(task.workflowInstanceId, needsTasks));
  deps.logger.debug({ includeTasks: needsTasks }, 'read the workflow for templates');
  const ref = task.referenceTaskName ?? '';
  let templates = polled;
  if (workflow.workflowDefinition !== undefined) {
    const registered = registeredTask(workflow.workflowDefinition, ref);
    templates = definitionTemplates(registered?.inputParameters);
    if (registered === undefined) {
      deps.logger.warn(
        { taskRef: ref },
        'the task is not in its workflow definition (a dynamically forked task): its input is data, templates in it are not rendered',
      );
    }
  }
  if (!hasTemplates(templates)) return { ...asData, fetchedWorkflow: true, fetchedTasks: needsTasks };
  if (!needsTasks && readsTasks(templates)) {
    needsTasks = true;
    workflow = asJsonData(await deps.fetchWorkflow(task.workflowInstanceId, true));
  }

  const context = taskTemplateContext({
    workflow: {
      workflowId: task.workflowInstanceId,
      workflowType: task.workflowType ?? workflow.workflowName ?? workflow.workflowType ?? '',
      correlationId: task.correlationId ?? workflow.correlationId ?? null,
      input: workflow.input ?? {},
      variables: workflow.variables ?? {},
    },
    task: {
      taskId: task.taskId,
      referenceTaskName: ref,
      retryCount: task.retryCount ?? 0,
    },
    ...(needsTasks ? { tasks: tasksView(workflow) } : {}),
    now: deps.now,
  });
  const rendered = renderDeep(templateTree(templates.parameters), context, 'parameters');
  const renderedParameters = mergeRendered(parameters, templates.parameters, rendered as JsonObject);
  // The output template also sees the rendered parameters, e.g. out/{{ parameters.region_code }}.ipynb.
  // It is rendered here, once: the runner takes the result as a plain URI.
  const renderedOutput =
    templates.output !== null
      ? renderString(templates.output, { ...context, parameters: renderedParameters }, 'output')
      : output;
  return {
    parameters: renderedParameters,
    output: renderedOutput,
    fetchedWorkflow: true,
    fetchedTasks: needsTasks,
  };
}
