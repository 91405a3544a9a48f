/**
 * FORK_JOIN_DYNAMIC in its three forms (`ForkJoinDynamicTaskMapper`):
 *  - input-driven: `inputParameters.forkTaskInputs` (a list) + optional `forkTaskName` / `forkTaskType` /
 *    `forkTaskWorkflow` — one branch per element, refs `_<name>_<i>`; the flagship "fan out over regions";
 *  - `dynamicForkTasksParam` (input key holding WorkflowTask[]) + `dynamicForkTasksInputParamName`;
 *  - legacy `dynamicForkJoinTasksParam` → `{dynamicTasks: [{taskName, referenceName, type, input}]}`.
 * Emits a completed "FORK", the forked tasks, then the following JOIN with `joinOn` = the branch refs.
 */
import { isPlainObject, stringifyJsonExact, type JsonObject } from '../../json';
import { TerminateWorkflowError } from '../decider/terminate-error';
import { getNextTask } from '../model/def-tree';
import { normalizeWorkflowTask } from '../model/defaults';
import { isTerminal } from '../model/status';
import { isSystemTask, T } from '../model/task-types';
import type { TaskModel, WorkflowTask } from '../model/types';
import { createTaskModel } from './task-model';
import type { Mapper, MapperContext } from './types';

type Forked = { tasks: WorkflowTask[]; inputs: Record<string, JsonObject> };

function fromForkTaskInputs(m: MapperContext, input: JsonObject, nested: boolean): Forked | null {
  const list = input.forkTaskInputs;
  if (!Array.isArray(list)) return null;
  const subWorkflowName = typeof input.forkTaskWorkflow === 'string' ? input.forkTaskWorkflow : undefined;
  const versionText = input.forkTaskWorkflowVersion;
  const parsedVersion =
    typeof versionText === 'string' || typeof versionText === 'number'
      ? Number.parseInt(String(versionText), 10)
      : NaN;
  let forkTaskType = typeof input.forkTaskType === 'string' ? input.forkTaskType : undefined;
  let forkTaskName = typeof input.forkTaskName === 'string' ? input.forkTaskName : undefined;
  if (forkTaskType && isSystemTask(forkTaskType) && forkTaskName === undefined) forkTaskName = forkTaskType;
  if (forkTaskName === undefined) forkTaskName = m.workflowTask.taskReferenceName;
  if (forkTaskType === undefined) forkTaskType = T.SIMPLE;
  const tasks: WorkflowTask[] = [];
  const inputs: Record<string, JsonObject> = {};
  list.forEach((element, i) => {
    const params: JsonObject = isPlainObject(element) ? { ...element } : { input: element };
    let wt: WorkflowTask;
    if (subWorkflowName !== undefined) {
      const sub: JsonObject = { name: subWorkflowName };
      if (!Number.isNaN(parsedVersion)) sub.version = parsedVersion;
      if (isPlainObject(element) && isPlainObject(element.taskToDomain))
        sub.taskToDomain = element.taskToDomain;
      wt = normalizeWorkflowTask({ name: subWorkflowName, type: T.SUB_WORKFLOW, subWorkflowParam: sub });
    } else {
      wt = normalizeWorkflowTask({ name: forkTaskName, type: forkTaskType });
      const def = m.ctx.defs.getTaskDef(forkTaskName as string);
      if (def) wt.taskDefinition = def;
    }
    wt.taskReferenceName = nested
      ? `_${m.workflowTask.taskReferenceName}_${forkTaskName}_${i}`
      : `_${forkTaskName}_${i}`;
    params.__index = i;
    wt.inputParameters = params;
    if (m.workflowTask.optional) wt.optional = true;
    tasks.push(wt);
    inputs[wt.taskReferenceName] = params;
  });
  return { tasks, inputs };
}

function fromDynamicForkTasksParam(m: MapperContext, input: JsonObject, param: string): Forked {
  const raw = input[param];
  if (!Array.isArray(raw) || raw.some((t) => !isPlainObject(t) || typeof t.taskReferenceName !== 'string')) {
    throw new TerminateWorkflowError(
      `Input '${param}' is invalid. Cannot deserialize a list of Workflow Tasks from '${javaString(raw)}'`,
    );
  }
  const tasks = (raw as JsonObject[]).map((t) => {
    const wt = normalizeWorkflowTask(t);
    if (!wt.taskDefinition && wt.name) {
      const def = m.ctx.defs.getTaskDef(wt.name);
      if (def) wt.taskDefinition = def;
    }
    return wt;
  });
  const inputs = input[m.workflowTask.dynamicForkTasksInputParamName ?? ''];
  if (!isPlainObject(inputs)) {
    throw new TerminateWorkflowError(
      `Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found ${javaString(inputs)}`,
    );
  }
  return { tasks, inputs: inputs as Record<string, JsonObject> };
}

function fromLegacyParam(m: MapperContext, input: JsonObject): Forked {
  const param = m.workflowTask.dynamicForkJoinTasksParam ?? '';
  const value = input[param];
  const dynamicTasks = isPlainObject(value) && Array.isArray(value.dynamicTasks) ? value.dynamicTasks : null;
  if (!dynamicTasks) {
    throw new TerminateWorkflowError(
      `Dynamic tasks could not be created. The value of ${param} from task's input ${javaString(input)} has no dynamic tasks to be scheduled`,
    );
  }
  const tasks: WorkflowTask[] = [];
  const inputs: Record<string, JsonObject> = {};
  for (const d of dynamicTasks) {
    if (!isPlainObject(d)) continue;
    const wt = normalizeWorkflowTask({
      name: d.taskName,
      taskReferenceName: d.referenceName,
      type: d.type ?? T.SIMPLE,
    });
    const def = wt.name ? m.ctx.defs.getTaskDef(wt.name) : undefined;
    if (def) wt.taskDefinition = def;
    tasks.push(wt);
    inputs[wt.taskReferenceName] = isPlainObject(d.input) ? d.input : {};
  }
  return { tasks, inputs };
}

function javaString(v: unknown): string {
  return v === undefined || v === null
    ? 'null'
    : typeof v === 'string'
      ? v
      : (stringifyJsonExact(v) ?? 'null');
}

export const mapForkJoinDynamic: Mapper = (m) => {
  const wt = m.workflowTask;
  const input = m.taskInput;
  const nested = m.wf.tasks.some((t) => t.workflowTask?.type === T.FORK_JOIN_DYNAMIC);
  const forked =
    fromForkTaskInputs(m, input, nested) ??
    (wt.dynamicForkTasksParam
      ? fromDynamicForkTasksParam(m, input, wt.dynamicForkTasksParam)
      : fromLegacyParam(m, input));

  const fork = createTaskModel(m);
  fork.taskType = T.FORK;
  fork.taskDefName = T.FORK;
  const now = m.ctx.clock();
  fork.startTime = now;
  fork.endTime = now;
  fork.executed = true;
  fork.inputData = {
    forkedTasks: forked.tasks.map((t) => t.taskReferenceName),
    forkedTaskDefs: forked.tasks as unknown as JsonObject[], // definitions are JSON data
    ...m.taskInput,
  };
  fork.status = 'COMPLETED';
  const out: TaskModel[] = [fork];

  const joinOn: string[] = [];
  if (!m.wf.tasks.some((t) => t.referenceTaskName === wt.taskReferenceName)) {
    for (const dyn of forked.tasks) {
      dyn.inputParameters = { ...dyn.inputParameters, ...(forked.inputs[dyn.taskReferenceName] ?? {}) };
      const tasks = m.scheduler.getTasksToBeScheduled(m.wf, dyn, m.retryCount);
      if (tasks.length === 0) {
        const dup = m.wf.tasks.some(
          (t) =>
            t.referenceTaskName === dyn.taskReferenceName &&
            (t.status === 'IN_PROGRESS' || isTerminal(t.status)),
        );
        throw new TerminateWorkflowError(
          `No dynamic tasks could be created for the Workflow: ${m.wf.workflowName}.${m.wf.workflowVersion}/${m.wf.workflowId}, ` +
            `Dynamic Fork Task: ${dyn.name}/${dyn.taskReferenceName}` +
            (dup ? ` attempted to create a duplicate task reference name: ${dyn.taskReferenceName}` : ''),
        );
      }
      out.push(...tasks);
      joinOn.push((tasks[tasks.length - 1] as TaskModel).referenceTaskName);
    }
  }

  const joinWt = getNextTask(m.wf.workflowDefinition, wt.taskReferenceName);
  if (!joinWt || joinWt.type !== T.JOIN) {
    throw new TerminateWorkflowError(
      'Dynamic join definition is not followed by a join task.  Check the workflow definition.',
    );
  }
  const join: TaskModel = {
    ...createTaskModel({ ...m, workflowTask: joinWt, taskId: m.ctx.newId() }),
    taskType: T.JOIN,
    taskDefName: T.JOIN,
    startTime: now,
    inputData: { ...joinWt.inputParameters, joinOn },
    status: 'IN_PROGRESS',
  };
  out.push(join);
  return out;
};
