/**
 * Runtime parameters: nunjucks templates in the task's `parameters` and `output`, rendered against
 * `{workflow, task, tasks, now}`. The workflow is read from Conductor only when a template refers to it,
 * and with its tasks only when a template uses `tasks`.
 */
import type { Logger } from '../log';
import type { JSONObject } from '../notebook/types';
import { isTemplateString, renderDeep, renderString, taskTemplateContext, usesVariable } from '../templates';

/** What the worker needs from a polled task (a subset of Conductor's Task). */
export interface TaskFacts {
  taskId: string;
  workflowInstanceId: string;
  workflowType?: string;
  correlationId?: string;
  referenceTaskName?: string;
  retryCount?: number;
}

export interface WorkflowView {
  workflowId?: string;
  workflowName?: string;
  workflowType?: string;
  correlationId?: string;
  input?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  tasks?: {
    referenceTaskName?: string;
    status?: string;
    outputData?: Record<string, unknown>;
    seq?: number;
  }[];
}

export type FetchWorkflow = (workflowId: string, includeTasks: boolean) => Promise<WorkflowView>;

/**
 * A plain-data copy made in this realm. The template sandbox only reads plain objects of our realm
 * (prototype identity); what an HTTP client hands back may come from another realm (as under jest).
 */
export function asJsonData<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

function hasTemplates(value: unknown): boolean {
  if (typeof value === 'string') return isTemplateString(value);
  if (Array.isArray(value)) return value.some(hasTemplates);
  if (value && typeof value === 'object') return Object.values(value).some(hasTemplates);
  return false;
}

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
  parameters: JSONObject;
  output: string | null;
  /** True when Conductor was asked for the workflow (for logs/tests). */
  fetchedWorkflow: boolean;
  fetchedTasks: boolean;
}

export async function renderTaskTemplates(
  parameters: JSONObject,
  output: string | null,
  task: TaskFacts,
  deps: { fetchWorkflow: FetchWorkflow; now: Date; logger: Logger },
): Promise<RenderedInput> {
  const templated = { parameters, output };
  if (!hasTemplates(templated)) return { parameters, output, fetchedWorkflow: false, fetchedTasks: false };

  const needsTasks = usesVariable(templated, 'tasks');
  const needsWorkflow = needsTasks || usesVariable(templated, 'workflow');
  let workflow: WorkflowView = {};
  if (needsWorkflow) {
    workflow = asJsonData(await deps.fetchWorkflow(task.workflowInstanceId, needsTasks));
    deps.logger.debug({ includeTasks: needsTasks }, 'read the workflow for templates');
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
      referenceTaskName: task.referenceTaskName ?? '',
      retryCount: task.retryCount ?? 0,
    },
    ...(needsTasks ? { tasks: tasksView(workflow) } : {}),
    now: deps.now,
  });
  const renderedParameters = renderDeep(parameters, context, 'parameters') as JSONObject;
  // The output template also sees the rendered parameters, e.g. out/{{ parameters.region_code }}.ipynb
  const renderedOutput =
    output !== null && isTemplateString(output)
      ? renderString(output, { ...context, parameters: renderedParameters }, 'output')
      : output;
  return {
    parameters: renderedParameters,
    output: renderedOutput,
    fetchedWorkflow: needsWorkflow,
    fetchedTasks: needsTasks,
  };
}
