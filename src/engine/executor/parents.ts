/**
 * `updateAndPushParents`: after a child workflow is retried/restarted/rerun, reopen the parents up the chain
 * (their SUB_WORKFLOW task back to IN_PROGRESS, canceled siblings rescheduled, JOIN/DO_WHILE reopened) and
 * decide them.
 */
import { T } from '../model/task-types';
import type { WorkflowModel } from '../model/types';
import { queueIfPolled } from '../queue/task-queue';
import { shortString } from '../model/serialize';
import { isUnsuccessfulTerminal, retryModel } from './retry-workflow';
import type { WorkflowExecutor } from './executor';

export function updateAndPushParents(exec: WorkflowExecutor, start: WorkflowModel, operation: string): void {
  const ctx = exec.ctx;
  let wf = start;
  let chain = '';
  const seen = new Set<string>();
  while (wf.parentWorkflowId && wf.parentWorkflowTaskId && !seen.has(wf.workflowId)) {
    seen.add(wf.workflowId);
    const subTask = exec.store.loadTask(wf.parentWorkflowTaskId);
    if (!subTask?.workflowTask || subTask.workflowTask.optional) break;
    if (subTask.retried && subTask.taskType === T.SUB_WORKFLOW) break;
    subTask.subworkflowChanged = true;
    subTask.status = 'IN_PROGRESS';
    subTask.reasonForIncompletion = undefined;
    exec.store.saveTask(subTask);
    chain = chain ? `${shortString(wf)} -> ${chain}` : shortString(wf);
    ctx.logs.add(subTask.taskId, `Sub workflow ${chain} ${operation}.`, ctx.clock());

    const parent = exec.store.loadWorkflow(wf.parentWorkflowId, true);
    if (!parent) break;
    Object.assign(parent, {
      status: 'RUNNING',
      reasonForIncompletion: undefined,
      failedTaskId: undefined,
      failedReferenceTaskNames: [],
      failedTaskNames: [],
      lastRetriedTime: ctx.clock(),
      endTime: 0,
    });
    for (const task of parent.tasks) {
      if (task.taskType === T.SUB_WORKFLOW && task.subWorkflowId && isUnsuccessfulTerminal(task)) {
        const child = exec.store.loadWorkflow(task.subWorkflowId, true);
        if (!child) continue;
        if (child.status === 'RUNNING') {
          Object.assign(task, {
            status: 'IN_PROGRESS',
            reasonForIncompletion: undefined,
            subworkflowChanged: true,
          });
        } else if (child.tasks.some(isUnsuccessfulTerminal)) {
          retryModel(exec, child);
          Object.assign(task, {
            status: 'IN_PROGRESS',
            reasonForIncompletion: undefined,
            subworkflowChanged: true,
          });
        }
      } else if (task.status === 'CANCELED') {
        if (task.taskType === T.JOIN || task.taskType === T.DO_WHILE) {
          task.status = 'IN_PROGRESS';
        } else {
          Object.assign(task, {
            retryCount: task.retryCount + 1,
            reasonForIncompletion: undefined,
            pollCount: 0,
            workerId: undefined,
            scheduledTime: ctx.clock(),
            startTime: 0,
            endTime: 0,
            retried: false,
            executed: false,
            status: 'SCHEDULED',
          });
          queueIfPolled(ctx, task);
        }
      }
    }
    exec.store.saveWorkflow(parent, true);
    exec.decide(parent.workflowId);
    wf = parent;
  }
}
