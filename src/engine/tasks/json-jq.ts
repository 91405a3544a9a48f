/**
 * JSON_JQ_TRANSFORM: runs `queryExpression` (jq) over the whole task input; output `{result, resultList}`.
 * jq runs in WebAssembly (async), so the task executes outside the decide transaction like HTTP.
 */
import { jqTransform } from '../expressions';
import { T } from '../model/task-types';
import type { TaskModel } from '../model/types';
import { getTaskInput } from '../params';
import type { AsyncTaskOutcome } from './http';
import { createTaskModel } from './task-model';
import type { Mapper } from './types';

export const mapJsonJq: Mapper = (m) => {
  const task = createTaskModel(m);
  task.taskType = T.JSON_JQ_TRANSFORM;
  task.inputData = getTaskInput(m.ctx.params, m.workflowTask.inputParameters, m.wf, m.taskDef, m.taskId);
  task.status = 'SCHEDULED';
  return [task];
};

export async function executeJq(task: TaskModel): Promise<AsyncTaskOutcome> {
  const query = task.inputData.queryExpression;
  if (typeof query !== 'string') {
    return {
      status: 'FAILED',
      output: {},
      reasonForIncompletion: "Missing 'queryExpression' in input parameters",
    };
  }
  try {
    const { result, resultList } = await jqTransform(query, task.inputData);
    return { status: 'COMPLETED', output: { result: result ?? null, resultList } };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { status: 'FAILED', output: { error: message }, reasonForIncompletion: message };
  }
}
