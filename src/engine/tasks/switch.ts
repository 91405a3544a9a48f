/**
 * SWITCH (evaluatorType value-param | javascript | graaljs) and the legacy DECISION (caseValueParam or
 * caseExpression). The selected case's first task is scheduled with the switch task; `hasChildren` tells
 * the decider the next task comes from inside the case.
 *
 * A case chosen by a script is chosen once the script's result is in (see `scripts.ts`): the mapper
 * schedules the switch task alone, IN_PROGRESS and without a `case`, and its execution selects the case
 * and schedules that case's first task when the result arrives.
 */
import type { EngineContext } from '../context';
import { TerminateWorkflowError } from '../decider/terminate-error';
import { scriptResultToCaseString } from '../expressions';
import { T } from '../model/task-types';
import type { TaskModel, WorkflowModel, WorkflowTask } from '../model/types';
import { evaluate, EVALUATORS, PENDING, runScript } from './scripts';
import { createTaskModel } from './task-model';
import type { ExecutorApi, Mapper, SystemTask } from './types';

/** The tasks of the case labelled `label` (falling back to the default case). */
function caseTasks(wt: WorkflowTask, label: string): WorkflowTask[] | undefined {
  const cases = wt.decisionCases ?? {};
  const selected = Object.prototype.hasOwnProperty.call(cases, label) ? cases[label] : undefined;
  if (wt.type === T.DECISION) return selected && selected.length > 0 ? selected : wt.defaultCase;
  return selected ?? wt.defaultCase;
}

/** Records the selected case on the control task; returns the first task to schedule, if any. */
function select(control: TaskModel, wt: WorkflowTask, label: string): WorkflowTask | undefined {
  if (control.taskType === T.DECISION) {
    control.inputData = { case: label };
    control.outputData = { caseOutput: [label] };
  } else {
    control.inputData.case = label;
    control.outputData = { evaluationResult: [label], selectedCase: label };
  }
  const first = caseTasks(wt, label)?.[0];
  if (first) control.inputData.hasChildren = 'true';
  return first;
}

function controlTask(m: Parameters<Mapper>[0], type: string): TaskModel {
  const task = createTaskModel(m);
  task.taskType = type;
  task.taskDefName = type;
  task.inputData = { ...m.taskInput };
  task.startTime = m.ctx.clock();
  task.status = 'IN_PROGRESS';
  return task;
}

/** The switch task with its case already chosen (no script), and the case's first task(s). */
const mapSelected: (m: Parameters<Mapper>[0], type: string, label: string) => TaskModel[] = (
  m,
  type,
  label,
) => {
  const task = controlTask(m, type);
  const first = select(task, m.workflowTask, label);
  return first
    ? [task, ...m.scheduler.getTasksToBeScheduled(m.wf, first, m.retryCount, m.retriedTaskId)]
    : [task];
};

export const mapSwitch: Mapper = (m) => {
  const wt = m.workflowTask;
  const evaluatorType = wt.evaluatorType ?? '';
  if (!EVALUATORS.has(evaluatorType)) {
    throw new TerminateWorkflowError(`No evaluator registered for type: ${wt.evaluatorType ?? 'null'}`);
  }
  if (evaluatorType === 'value-param') {
    return mapSelected(m, T.SWITCH, scriptResultToCaseString(m.taskInput[wt.expression ?? ''] ?? null));
  }
  return [controlTask(m, T.SWITCH)];
};

export const mapDecision: Mapper = (m) => {
  const wt = m.workflowTask;
  if (wt.caseExpression && wt.caseExpression.trim() !== '') return [controlTask(m, T.DECISION)];
  return mapSelected(m, T.DECISION, scriptResultToCaseString(m.taskInput[wt.caseValueParam ?? ''] ?? null));
};

/** The case label a script chooses: undefined while it is evaluated; FAILED on a SWITCH script error. */
function scriptLabel(
  ctx: EngineContext,
  wf: WorkflowModel,
  task: TaskModel,
  wt: WorkflowTask,
): string | undefined {
  const site = { owner: wf.workflowId, site: task.taskId };
  if (task.taskType === T.DECISION) {
    let value: unknown;
    try {
      value = runScript(ctx, site, wt.caseExpression ?? '', task.inputData);
    } catch {
      throw new TerminateWorkflowError(`Error while evaluating script: ${wt.caseExpression ?? ''}`);
    }
    return value === PENDING ? undefined : scriptResultToCaseString(value);
  }
  const value = evaluate(ctx, site, wt.evaluatorType ?? '', wt.expression ?? '', task.inputData);
  return value === PENDING ? undefined : scriptResultToCaseString(value);
}

/** SWITCH and DECISION complete on their first execution once their case is chosen. */
export function switchTask(ctx: EngineContext): SystemTask {
  return {
    execute(wf, task, exec: ExecutorApi) {
      const wt = task.workflowTask;
      if (!wt || 'case' in task.inputData) {
        task.status = 'COMPLETED';
        return true;
      }
      let label: string | undefined;
      try {
        label = scriptLabel(ctx, wf, task, wt);
      } catch (err) {
        if (err instanceof TerminateWorkflowError) throw err;
        task.status = 'FAILED';
        task.reasonForIncompletion = err instanceof Error ? err.message : String(err);
        return true;
      }
      if (label === undefined) return false;
      const first = select(task, wt, label);
      if (first) exec.scheduleChildren(wf, task, first);
      task.status = 'COMPLETED';
      return true;
    },
  };
}
