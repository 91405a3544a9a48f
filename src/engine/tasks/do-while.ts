/**
 * DO_WHILE (`DoWhileTaskMapper` + `DoWhile`): runs the loop body once, then while `loopCondition` is truthy
 * (or while `items` remain). Body task refs get `__<iteration>`; output keeps `iteration` and one entry per
 * iteration with each body task's output; `keepLastN` prunes old iterations.
 */
import type { JsonObject, JsonValue } from '../../json';
import { getTaskInput } from '../params';
import { isTruthy } from '../expressions';
import { has, nextInTask } from '../model/def-tree';
import { isSuccessful, isTerminal } from '../model/status';
import { appendIteration, removeIteration, T } from '../model/task-types';
import type { TaskModel, WorkflowModel } from '../model/types';
import { PENDING, runScript, type Pending } from './scripts';
import { createTaskModel } from './task-model';
import type { ExecutorApi, Mapper, SystemTask } from './types';
import type { EngineContext } from '../context';

export const mapDoWhile: Mapper = (m) => {
  const wt = m.workflowTask;
  let existing: TaskModel | undefined;
  for (const t of m.wf.tasks) if (t.referenceTaskName === wt.taskReferenceName) existing = t;
  if (existing && isTerminal(existing.status)) return [];
  const def = m.taskDef ?? m.ctx.defs.getTaskDef(wt.name);
  const task = createTaskModel(m);
  task.taskType = T.DO_WHILE;
  task.status = 'IN_PROGRESS';
  task.startTime = m.ctx.clock();
  task.rateLimitPerFrequency = def?.rateLimitPerFrequency ?? 0;
  task.rateLimitFrequencyInSeconds = def?.rateLimitFrequencyInSeconds ?? 1;
  task.retryCount = m.retryCount;
  task.inputData = getTaskInput(m.ctx.params, wt.inputParameters, m.wf, def, task.taskId);
  return [task];
};

function isListIteration(task: TaskModel): boolean {
  const wt = task.workflowTask;
  if (!wt) return false;
  if (typeof wt.items === 'string' && wt.items.trim() !== '') return true;
  const v = wt.inputParameters._items;
  return (typeof v === 'string' && v.trim() !== '') || Array.isArray(v);
}

function itemsList(ctx: EngineContext, wf: WorkflowModel, task: TaskModel): JsonValue[] {
  const wt = task.workflowTask;
  if (!wt) return [];
  let value: JsonValue = null;
  if (typeof wt.items === 'string' && wt.items.trim() !== '') {
    value = getTaskInput(ctx.params, { items: wt.items }, wf, wt.taskDefinition, task.taskId).items ?? null;
  }
  if (value === null) {
    const resolved = getTaskInput(ctx.params, wt.inputParameters, wf, wt.taskDefinition, task.taskId);
    if ('_items' in resolved) value = resolved._items ?? null;
  }
  if (Array.isArray(value)) return value;
  return value === null ? [] : [value];
}

function injectLoopVariables(ctx: EngineContext, wf: WorkflowModel, task: TaskModel): void {
  if (!isListIteration(task)) return;
  const items = itemsList(ctx, wf, task);
  const loopIndex = task.iteration - 1;
  task.outputData.loopIndex = loopIndex;
  if (loopIndex >= 0 && loopIndex < items.length) task.outputData.loopItem = items[loopIndex] ?? null;
}

/** Whether to run another iteration; PENDING while the loop condition is evaluated. */
function evaluateCondition(ctx: EngineContext, wf: WorkflowModel, task: TaskModel): boolean | Pending {
  const wt = task.workflowTask;
  if (!wt) return false;
  const site = { owner: wf.workflowId, site: `${task.taskId}#${task.iteration}` };
  const input: JsonObject = getTaskInput(ctx.params, wt.inputParameters, wf, wt.taskDefinition, task.taskId);
  input[task.referenceTaskName] = task.outputData;
  for (const t of wf.tasks) {
    if (has(wt, removeIteration(t.referenceTaskName)) && t.referenceTaskName !== task.referenceTaskName) {
      input[removeIteration(t.referenceTaskName)] = t.outputData;
    }
  }
  const holds = (condition: string): boolean | Pending => {
    const value = runScript(ctx, site, condition, input);
    return value === PENDING ? PENDING : isTruthy(value);
  };
  const condition = wt.loopCondition;
  if (isListIteration(task)) {
    const items = itemsList(ctx, wf, task);
    const loopIndex = task.iteration - 1;
    input.loopIndex = loopIndex;
    if (loopIndex >= 0 && loopIndex < items.length) input.loopItem = items[loopIndex] ?? null;
    const more = loopIndex < items.length - 1;
    if (!condition || condition.trim() === '') return more;
    const go = holds(condition);
    return go === PENDING ? PENDING : go && more;
  }
  return condition ? holds(condition) : false;
}

function iterationComplete(task: TaskModel, relevant: Map<string, TaskModel>): boolean {
  const wt = task.workflowTask;
  if (!wt) return true;
  for (const body of wt.loopOver ?? []) {
    const t = relevant.get(appendIteration(body.taskReferenceName, task.iteration));
    if (!t || !isTerminal(t.status)) return false;
  }
  for (const t of relevant.values()) if (!isTerminal(t.status)) return false;
  for (const t of relevant.values()) {
    const next = nextInTask(wt, removeIteration(t.referenceTaskName), null);
    if (next && next.taskReferenceName !== wt.taskReferenceName && has(wt, next.taskReferenceName)) {
      if (!relevant.has(appendIteration(next.taskReferenceName, task.iteration))) return false;
    }
  }
  return true;
}

function removeOldIterations(wf: WorkflowModel, task: TaskModel, keepLastN: number, exec: ExecutorApi): void {
  const upTo = task.iteration - keepLastN;
  if (upTo <= 0 || !task.workflowTask) return;
  const wt = task.workflowTask;
  const ids = wf.tasks
    .filter(
      (t) =>
        has(wt, removeIteration(t.referenceTaskName)) &&
        t.referenceTaskName !== task.referenceTaskName &&
        t.iteration <= upTo,
    )
    .map((t) => t.taskId);
  exec.removeTasks(wf, ids);
}

export function doWhileTask(ctx: EngineContext): SystemTask {
  return {
    cancel(_wf, task) {
      task.status = 'CANCELED';
    },
    execute(wf, task, exec) {
      const wt = task.workflowTask;
      if (!wt) return false;
      const relevant = new Map<string, TaskModel>();
      for (const t of wf.tasks) {
        if (
          has(wt, removeIteration(t.referenceTaskName)) &&
          t.referenceTaskName !== task.referenceTaskName &&
          t.iteration === task.iteration
        ) {
          const prev = relevant.get(t.referenceTaskName);
          if (!prev || t.retryCount > prev.retryCount) relevant.set(t.referenceTaskName, t);
        }
      }
      if (relevant.size === 0) {
        if (isListIteration(task) && itemsList(ctx, wf, task).length === 0) {
          task.outputData.iteration = 0;
          task.status = 'COMPLETED';
          return true;
        }
        task.iteration = 1;
        task.outputData.iteration = 1;
        injectLoopVariables(ctx, wf, task);
        exec.scheduleNextIteration(task, wf);
        return true;
      }
      let failed = false;
      const reasons: string[] = [];
      const output: JsonObject = {};
      for (const t of relevant.values()) {
        failed = !isSuccessful(t.status);
        if (failed) reasons.push(`${t.reasonForIncompletion ?? 'null'} `);
        output[removeIteration(t.referenceTaskName)] = t.outputData;
        if (failed) break;
      }
      task.outputData[String(task.iteration)] = output;
      const keepLastN = wt.inputParameters.keepLastN;
      if (typeof keepLastN === 'number' && Number.isInteger(keepLastN) && task.iteration > keepLastN) {
        for (let i = 1; i <= task.iteration - keepLastN; i++) delete task.outputData[String(i)];
        removeOldIterations(wf, task, keepLastN, exec);
      }
      if (failed) {
        task.reasonForIncompletion = reasons.join('');
        task.status = 'FAILED';
        return true;
      }
      if (!iterationComplete(task, relevant)) return false;
      try {
        const again = evaluateCondition(ctx, wf, task);
        if (again === PENDING) return false;
        if (again) {
          task.iteration += 1;
          task.outputData.iteration = task.iteration;
          injectLoopVariables(ctx, wf, task);
          exec.scheduleNextIteration(task, wf);
          return true;
        }
        task.status = 'COMPLETED';
        return true;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        task.reasonForIncompletion = `Unable to evaluate condition ${wt.loopCondition ?? 'null'}, exception ${msg}`;
        task.status = 'FAILED_WITH_TERMINAL_ERROR';
        return true;
      }
    },
  };
}
