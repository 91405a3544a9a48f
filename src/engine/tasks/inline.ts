/**
 * INLINE (evaluatorType javascript | graaljs | value-param; `$` = the whole resolved input) and the legacy
 * LAMBDA (`scriptExpression` wrapped in a function). A throwing script fails the task, never the engine.
 * The task stays IN_PROGRESS while its script is evaluated (see `scripts.ts`).
 */
import { getTaskInput } from '../params';
import { T } from '../model/task-types';
import type { EngineContext } from '../context';
import { lambdaScript } from '../expressions';
import { EVALUATORS, evaluate, EvaluationError, PENDING, runScript } from './scripts';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

export const mapInline: Mapper = (m) => {
  const def = m.taskDef ?? m.ctx.defs.getTaskDef(m.workflowTask.name);
  const task = createTaskModel(m);
  task.taskType = T.INLINE;
  task.startTime = m.ctx.clock();
  task.inputData = getTaskInput(m.ctx.params, m.workflowTask.inputParameters, m.wf, def, m.taskId);
  task.status = 'IN_PROGRESS';
  return [task];
};

export function inlineTask(ctx: EngineContext): SystemTask {
  return {
    execute(wf, task) {
      const input = task.inputData;
      const evaluatorType = typeof input.evaluatorType === 'string' ? input.evaluatorType : 'javascript';
      const expression = typeof input.expression === 'string' ? input.expression : '';
      try {
        if (evaluatorType.trim() === '') {
          throw new EvaluationError(
            "Empty 'evaluatorType' in INLINE task's input parameters. A non-empty String value must be provided.",
            true,
          );
        }
        if (!EVALUATORS.has(evaluatorType)) {
          throw new EvaluationError(`Unknown evaluator '${evaluatorType}' in INLINE task.`, true);
        }
        if (expression.trim() === '') {
          throw new EvaluationError(
            "Empty 'expression' in Inline task's input parameters. A non-empty String value must be provided.",
            true,
          );
        }
        const site = { owner: wf.workflowId, site: task.taskId };
        const result = evaluate(ctx, site, evaluatorType, expression, input);
        if (result === PENDING) return false;
        task.outputData.result = result;
        task.status = 'COMPLETED';
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        task.status =
          err instanceof EvaluationError && err.terminal ? 'FAILED_WITH_TERMINAL_ERROR' : 'FAILED';
        task.reasonForIncompletion = msg;
        task.outputData.error = msg;
      }
      return true;
    },
  };
}

export const mapLambda: Mapper = (m) => {
  const task = createTaskModel(m);
  task.taskType = T.LAMBDA;
  task.startTime = m.ctx.clock();
  task.inputData = getTaskInput(m.ctx.params, m.workflowTask.inputParameters, m.wf, m.taskDef, m.taskId);
  task.status = 'IN_PROGRESS';
  return [task];
};

export function lambdaTask(ctx: EngineContext): SystemTask {
  return {
    execute(wf, task) {
      const script = task.workflowTask?.scriptExpression ?? '';
      try {
        const site = { owner: wf.workflowId, site: task.taskId };
        const result = runScript(ctx, site, lambdaScript(script), task.inputData);
        if (result === PENDING) return false;
        task.outputData.result = result;
        task.status = 'COMPLETED';
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        task.status = 'FAILED';
        task.reasonForIncompletion = msg;
        task.outputData.error = msg;
      }
      return true;
    },
  };
}
