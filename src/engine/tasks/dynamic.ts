/**
 * DYNAMIC (`DynamicTaskMapper`): the task to run is named at run time by the input parameter that
 * `dynamicTaskNameParam` names. The scheduled task takes that name as its type and definition name (so
 * workers of that type poll it), keeps the DYNAMIC task's reference name, and uses the DYNAMIC task's
 * TaskDef as Conductor does (the registered one for the resolved name when the DYNAMIC task has none).
 */
import { TerminateWorkflowError } from '../decider/terminate-error';
import { scriptResultToCaseString } from '../expressions';
import { mapSimple } from './simple';
import type { Mapper } from './types';

export const mapDynamic: Mapper = (m) => {
  const wt = m.workflowTask;
  const param = wt.dynamicTaskNameParam ?? '';
  const value = m.taskInput[param];
  if (value === undefined || value === null) {
    throw new TerminateWorkflowError(
      `Cannot map a dynamic task based on the parameter and input. Parameter= ${param}, input= ${scriptResultToCaseString(m.taskInput)}`,
    );
  }
  const name = scriptResultToCaseString(value);
  const def = wt.taskDefinition ?? m.ctx.defs.getTaskDef(name);
  if (!def) {
    throw new TerminateWorkflowError(
      `Invalid task specified.  Cannot find task by name ${name} in the task definitions`,
    );
  }
  // A copy: the definition's own node keeps its name (Conductor renames it in place). Scheduled as the
  // SIMPLE task of that name would be.
  return mapSimple({ ...m, workflowTask: { ...wt, name, taskDefinition: def }, taskDef: def });
};
