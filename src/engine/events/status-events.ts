/**
 * Workflow status events, so one pipeline can trigger another: when a workflow ends (COMPLETED, FAILED,
 * TIMED_OUT, TERMINATED) a message is published on
 *   - `conductor:workflow_status`                  (every workflow), and
 *   - `conductor:workflow_status:<workflowName>`   (that workflow type only).
 * An event handler with `"event": "conductor:workflow_status:ingest"` and, say, condition
 * `$.status == 'COMPLETED'` starts the next pipeline. Messages are only stored when an active handler
 * listens on that event (nothing accumulates otherwise).
 */
import type { JsonObject } from '../../json';
import type { EngineContext } from '../context';
import type { WorkflowModel } from '../model/types';
import { publishMessage } from './publish';

export const WORKFLOW_STATUS_QUEUE = 'workflow_status';

export function workflowStatusPayload(wf: WorkflowModel): JsonObject {
  return {
    workflowId: wf.workflowId,
    workflowType: wf.workflowName,
    version: wf.workflowVersion,
    status: wf.status,
    correlationId: wf.correlationId ?? null,
    input: wf.input,
    output: wf.output,
    reasonForIncompletion: wf.reasonForIncompletion ?? null,
    failedReferenceTaskNames: wf.failedReferenceTaskNames,
    parentWorkflowId: wf.parentWorkflowId ?? null,
    createTime: wf.createTime,
    endTime: wf.endTime,
  };
}

export function publishWorkflowStatus(ctx: EngineContext, wf: WorkflowModel): void {
  const queues = [
    `conductor:${WORKFLOW_STATUS_QUEUE}`,
    `conductor:${WORKFLOW_STATUS_QUEUE}:${wf.workflowName}`,
  ];
  for (const queue of queues) {
    if (ctx.events.handlersForEvent(queue, true).length === 0) continue;
    publishMessage(ctx, queue, `${wf.workflowId}:${wf.status}:${wf.endTime}`, workflowStatusPayload(wf));
  }
}
