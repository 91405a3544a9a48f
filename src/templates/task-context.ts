/**
 * The worker's render context for `notebook_run` task templates (issue 4): the names task templates
 * can use are `workflow`, `task`, `tasks` and `now`.
 */
import { toTemplateData } from './data';
import { normalizeNow } from './dates';

/** What a `notebook_run` task's templates see (DESIGN.md, issue 4). */
export interface TaskTemplateInput {
  workflow: {
    workflowId: string;
    workflowType: string;
    correlationId?: string | null;
    input: Record<string, unknown>;
    variables: Record<string, unknown>;
  };
  task: { taskId: string; referenceTaskName: string; retryCount: number };
  /** Upstream tasks by reference name; fetch only when `usesVariable(…, 'tasks')` says so. */
  tasks?: Record<string, { output: unknown; status: string }>;
  /** The run's fixed instant: every template of one task sees the same `now`. */
  now: Date | number | string;
}

/**
 * The context for task templates: `workflow`, `task`, `tasks` (when given) and `now` as an ISO 8601
 * UTC string (`2024-01-31T12:00:00.000Z`; format it with `| date('YYYYMMDD')`).
 */
export function taskTemplateContext(input: TaskTemplateInput): Record<string, unknown> {
  // Ints beyond 2^53 (exact bigints in task data) are seen as their decimal digits.
  const context: Record<string, unknown> = {
    workflow: toTemplateData(input.workflow, 'workflow'),
    task: input.task,
    now: normalizeNow(input.now),
  };
  if (input.tasks !== undefined) context.tasks = toTemplateData(input.tasks, 'tasks');
  return context;
}
