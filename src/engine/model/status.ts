/** Status flags exactly as Conductor's `Task.Status(terminal, successful, retriable)` and workflow status. */
import type { TaskStatus, WorkflowStatus } from './types';

const TASK_FLAGS: Record<TaskStatus, readonly [terminal: boolean, successful: boolean, retriable: boolean]> =
  {
    IN_PROGRESS: [false, true, true],
    CANCELED: [true, false, false],
    FAILED: [true, false, true],
    FAILED_WITH_TERMINAL_ERROR: [true, false, false],
    COMPLETED: [true, true, true],
    COMPLETED_WITH_ERRORS: [true, true, true],
    SCHEDULED: [false, true, true],
    TIMED_OUT: [true, false, true],
    SKIPPED: [true, true, false],
  };

export const TASK_STATUSES = Object.keys(TASK_FLAGS) as TaskStatus[];
export const WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'TIMED_OUT',
  'TERMINATED',
  'PAUSED',
];

export function isTaskStatus(s: unknown): s is TaskStatus {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(TASK_FLAGS, s);
}

export const isTerminal = (s: TaskStatus): boolean => TASK_FLAGS[s][0];
export const isSuccessful = (s: TaskStatus): boolean => TASK_FLAGS[s][1];
export const isRetriable = (s: TaskStatus): boolean => TASK_FLAGS[s][2];

export function isWorkflowTerminal(s: WorkflowStatus): boolean {
  return s !== 'RUNNING' && s !== 'PAUSED';
}

export function isWorkflowSuccessful(s: WorkflowStatus): boolean {
  return s === 'COMPLETED' || s === 'PAUSED';
}
