/** Conductor's `TerminateWorkflowException`: thrown inside a decide to end the workflow. */
import type { TaskModel, WorkflowStatus } from '../model/types';

export class TerminateWorkflowError extends Error {
  override readonly name = 'TerminateWorkflowError';

  constructor(
    message: string,
    readonly workflowStatus: WorkflowStatus = 'FAILED',
    readonly task?: TaskModel,
  ) {
    super(message);
  }
}
