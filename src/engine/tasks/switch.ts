/**
 * SWITCH (evaluatorType value-param | javascript | graaljs) and the legacy DECISION (caseValueParam or
 * caseExpression). The selected case's first task is scheduled with the switch task; `hasChildren` tells
 * the decider the next task comes from inside the case.
 */
import { TerminateWorkflowError } from '../decider/terminate-error';
import { scriptResultToCaseString } from '../expressions';
import { T } from '../model/task-types';
import type { TaskModel, WorkflowTask } from '../model/types';
import { evaluate, EVALUATORS, runScript } from './scripts';
import { createTaskModel } from './task-model';
import type { Mapper, MapperContext, SystemTask } from './types';

function scheduleCase(
  m: MapperContext,
  selected: WorkflowTask[] | undefined,
  control: TaskModel,
): TaskModel[] {
  const out = [control];
  const first = selected?.[0];
  if (first) {
    out.push(...m.scheduler.getTasksToBeScheduled(m.wf, first, m.retryCount, m.retriedTaskId));
    control.inputData.hasChildren = 'true';
  }
  return out;
}

export const mapSwitch: Mapper = (m) => {
  const wt = m.workflowTask;
  const evaluatorType = wt.evaluatorType ?? '';
  if (!EVALUATORS.has(evaluatorType)) {
    throw new TerminateWorkflowError(`No evaluator registered for type: ${wt.evaluatorType ?? 'null'}`);
  }
  const task = createTaskModel(m);
  task.taskType = T.SWITCH;
  task.taskDefName = T.SWITCH;
  task.inputData = { ...m.taskInput };
  task.startTime = m.ctx.clock();
  let result: string;
  try {
    result = scriptResultToCaseString(evaluate(m.ctx, evaluatorType, wt.expression ?? '', m.taskInput));
  } catch (err) {
    task.status = 'FAILED';
    task.reasonForIncompletion = err instanceof Error ? err.message : String(err);
    return [task];
  }
  task.inputData.case = result;
  task.outputData = { evaluationResult: [result], selectedCase: result };
  task.status = 'IN_PROGRESS';
  const cases = wt.decisionCases ?? {};
  const selected = Object.prototype.hasOwnProperty.call(cases, result) ? cases[result] : wt.defaultCase;
  return scheduleCase(m, selected, task);
};

export const mapDecision: Mapper = (m) => {
  const wt = m.workflowTask;
  let caseValue: string;
  if (wt.caseExpression && wt.caseExpression.trim() !== '') {
    try {
      caseValue = scriptResultToCaseString(runScript(m.ctx, wt.caseExpression, m.taskInput));
    } catch {
      throw new TerminateWorkflowError(`Error while evaluating script: ${wt.caseExpression}`);
    }
  } else {
    caseValue = scriptResultToCaseString(m.taskInput[wt.caseValueParam ?? '']);
  }
  const task = createTaskModel(m);
  task.taskType = T.DECISION;
  task.taskDefName = T.DECISION;
  task.inputData = { case: caseValue };
  task.outputData = { caseOutput: [caseValue] };
  task.startTime = m.ctx.clock();
  task.status = 'IN_PROGRESS';
  let selected = wt.decisionCases?.[caseValue];
  if (!selected || selected.length === 0) selected = wt.defaultCase;
  return scheduleCase(m, selected, task);
};

/** SWITCH and DECISION complete on their first execution. */
export const switchTask: SystemTask = {
  execute(_wf, task) {
    task.status = 'COMPLETED';
    return true;
  },
};
