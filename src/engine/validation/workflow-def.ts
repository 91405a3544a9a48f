/**
 * WorkflowDef validation with Conductor's messages: required fields, schemaVersion, per-type requirements
 * (`WorkflowTaskTypeConstraint`), unique reference names across the whole tree, and `${…}` references in
 * top-level task inputs pointing at `workflow`, a known reference name or a server environment name
 * (`TaskReferenceNameUniqueConstraint` / `ConstraintParamUtil`). Every problem is reported, not just the first.
 */
import { isPlainObject } from '../../json';
import type { ValidationError } from '../api-errors';
import { checkScriptSyntax, collectReferences, jqAvailable } from '../expressions';
import { collectDefTasks, getTaskByRef } from '../model/def-tree';
import { T, UNSUPPORTED_TASK_TYPES } from '../model/task-types';
import type { TaskDef } from '../model/types';
import { VALID_TERMINATION_STATUSES } from '../tasks/terminate';
import { parseDuration, parseUntil } from '../tasks/wait';

const REQUIRED = (field: string, type: string, name: unknown): string =>
  `${field} field is required for taskType: ${type} taskName: ${String(name)}`;

export interface WorkflowValidationContext {
  getTaskDef(name: string): TaskDef | undefined;
  env: Record<string, string | undefined>;
}

type Push = (path: string, message: string, invalidValue?: unknown) => void;

/** Whether the task's TaskDef (inline, else registered under its name) has `key` in its inputTemplate. */
function inTemplate(raw: Record<string, unknown>, ctx: WorkflowValidationContext, key: string): boolean {
  const def = isPlainObject(raw.taskDefinition)
    ? (raw.taskDefinition as TaskDef)
    : typeof raw.name === 'string'
      ? ctx.getTaskDef(raw.name)
      : undefined;
  return isPlainObject(def?.inputTemplate) && key in (def?.inputTemplate ?? {});
}

function validateTask(
  raw: Record<string, unknown>,
  path: string,
  ctx: WorkflowValidationContext,
  push: Push,
): void {
  const name = raw.name;
  const type = typeof raw.type === 'string' && raw.type !== '' ? raw.type : T.SIMPLE;
  if (typeof name !== 'string' || name === '')
    push(`${path}.name`, 'WorkflowTask name cannot be empty or null', name);
  if (typeof raw.taskReferenceName !== 'string' || raw.taskReferenceName === '') {
    push(
      `${path}.taskReferenceName`,
      'WorkflowTask taskReferenceName name cannot be empty or null',
      raw.taskReferenceName,
    );
  }
  if (raw.startDelay !== undefined && (typeof raw.startDelay !== 'number' || raw.startDelay < 0)) {
    push(`${path}.startDelay`, 'must be greater than or equal to 0', raw.startDelay);
  }
  if (
    raw.inputParameters !== undefined &&
    raw.inputParameters !== null &&
    !isPlainObject(raw.inputParameters)
  ) {
    push(`${path}.inputParameters`, 'inputParameters must be an object', raw.inputParameters);
  }
  const input = isPlainObject(raw.inputParameters) ? raw.inputParameters : {};
  const req = (field: string): void => push(path, REQUIRED(field, type, name));
  if (UNSUPPORTED_TASK_TYPES.has(type))
    push(
      `${path}.type`,
      `taskType ${type} is not supported by the embedded engine, taskName: ${String(name)}`,
      type,
    );
  switch (type) {
    case T.EVENT:
      if (raw.sink === undefined || raw.sink === null) req('sink');
      break;
    case T.DECISION:
      if (raw.caseValueParam == null && raw.caseExpression == null) req('caseValueParam or caseExpression');
      if (raw.decisionCases == null) req('decisionCases');
      else if (isPlainObject(raw.decisionCases) && Object.keys(raw.decisionCases).length === 0) {
        push(
          path,
          `decisionCases should have atleast one task for taskType: DECISION taskName: ${String(name)}`,
        );
      }
      if (typeof raw.caseExpression === 'string') {
        const err = checkScriptSyntax(raw.caseExpression);
        if (err)
          push(path, `Expression is not well formatted: ${err}, taskType: DECISION taskName ${String(name)}`);
      }
      break;
    case T.SWITCH:
      if (raw.evaluatorType == null) req('evaluatorType');
      else if (raw.expression == null) req('expression');
      if (raw.decisionCases == null) req('decisionCases');
      else if (isPlainObject(raw.decisionCases) && Object.keys(raw.decisionCases).length === 0) {
        push(
          path,
          `decisionCases should have atleast one task for taskType: SWITCH taskName: ${String(name)}`,
        );
      }
      if (raw.evaluatorType === 'javascript' && typeof raw.expression === 'string') {
        const err = checkScriptSyntax(raw.expression);
        if (err)
          push(path, `Expression is not well formatted: ${err}, taskType: SWITCH taskName ${String(name)}`);
      }
      break;
    case T.DO_WHILE:
      if (raw.loopCondition == null) req('loopCondition');
      if (!Array.isArray(raw.loopOver) || raw.loopOver.length === 0) req('loopOver');
      break;
    case T.FORK_JOIN_DYNAMIC: {
      if ('forkTaskInputs' in input) break;
      if (
        raw.dynamicForkJoinTasksParam != null &&
        (raw.dynamicForkTasksParam != null || raw.dynamicForkTasksInputParamName != null)
      ) {
        push(
          path,
          `dynamicForkJoinTasksParam or combination of dynamicForkTasksInputParamName and dynamicForkTasksParam cam be used for taskType: FORK_JOIN_DYNAMIC taskName: ${String(name)}`,
        );
        break;
      }
      if (raw.dynamicForkJoinTasksParam != null) break;
      if (raw.dynamicForkTasksParam == null) req('dynamicForkTasksParam');
      if (raw.dynamicForkTasksInputParamName == null) req('dynamicForkTasksInputParamName');
      break;
    }
    case T.DYNAMIC:
      if (raw.dynamicTaskNameParam == null) req('dynamicTaskNameParam');
      break;
    case T.KAFKA_PUBLISH:
      if (!('kafka_request' in input) && !inTemplate(raw, ctx, 'kafka_request'))
        req('inputParameters.kafka_request');
      break;
    case T.HTTP:
      if (
        !('http_request' in input) &&
        !('uri' in input) &&
        !('method' in input) &&
        !inTemplate(raw, ctx, 'http_request')
      ) {
        req('inputParameters.http_request or inputParameters.uri');
      }
      break;
    case T.FORK_JOIN:
      if (!Array.isArray(raw.forkTasks) || raw.forkTasks.length === 0) {
        push(
          path,
          `forkTasks should have atleast one task for taskType: FORK_JOIN taskName: ${String(name)}`,
        );
      }
      break;
    case T.TERMINATE: {
      if (raw.optional === true) push(path, `terminate task cannot be optional, taskName: ${String(name)}`);
      const status = input.terminationStatus;
      const dynamic = typeof status === 'string' && status.startsWith('${');
      if (status == null || (!dynamic && !VALID_TERMINATION_STATUSES.includes(String(status)))) {
        push(
          path,
          `terminate task must have an terminationStatus parameter and must be set to COMPLETED or FAILED, taskName: ${String(name)}`,
        );
      }
      break;
    }
    case T.SUB_WORKFLOW:
      if (!isPlainObject(raw.subWorkflowParam)) req('subWorkflowParam');
      break;
    case T.JSON_JQ_TRANSFORM: {
      if (!jqAvailable())
        push(
          `${path}.type`,
          `taskType JSON_JQ_TRANSFORM is not supported here: no jq implementation is installed, taskName: ${String(name)}`,
        );
      const def = typeof name === 'string' ? ctx.getTaskDef(name) : undefined;
      if (!('queryExpression' in input) && !('queryExpression' in (def?.inputTemplate ?? {})))
        req('queryExpression');
      break;
    }
    case T.WAIT: {
      const duration = input.duration == null ? '' : String(input.duration);
      const until = input.until == null ? '' : String(input.until);
      if (duration.trim() !== '' && until.trim() !== '')
        push(path, "Both 'duration' and 'until' specified. Please provide only one input");
      else if (duration.trim() !== '' && !duration.startsWith('${') && parseDuration(duration) === null) {
        push(path, 'Either date or duration is passed as null ');
      } else if (until.trim() !== '' && !until.startsWith('${') && parseUntil(until) === null) {
        push(path, 'Unable to parse date ');
      }
      break;
    }
  }
  const children = (list: unknown, p: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((c, i) => {
      if (isPlainObject(c)) validateTask(c, `${p}[${i}]`, ctx, push);
      else push(`${p}[${i}]`, 'must be a WorkflowTask object', c);
    });
  };
  if (isPlainObject(raw.decisionCases))
    for (const [k, v] of Object.entries(raw.decisionCases)) children(v, `${path}.decisionCases.${k}`);
  children(raw.defaultCase, `${path}.defaultCase`);
  children(raw.loopOver, `${path}.loopOver`);
  if (Array.isArray(raw.forkTasks)) raw.forkTasks.forEach((b, i) => children(b, `${path}.forkTasks[${i}]`));
}

/** `ConstraintParamUtil.validateInputParam` for one top-level task's inputParameters. */
function checkReferences(
  input: Record<string, unknown>,
  taskName: string,
  def: Record<string, unknown>,
  ctx: WorkflowValidationContext,
  push: Push,
  path: string,
): void {
  for (const ref of collectReferences(input, ctx.env)) {
    if (ref.problem) {
      push(path, `key: ${ref.key} input parameter value: ${ref.path} is not valid`);
    } else if (!ref.system && ref.root !== 'workflow' && !getTaskByRef(def as never, ref.root)) {
      push(
        path,
        `taskReferenceName: ${ref.root} for given task: ${taskName} input value: ${ref.key} of input parameter: ${String(valueAt(input, ref.key))} is not defined in workflow definition.`,
      );
    }
  }
}

/** The string value Conductor's message quotes (the map entry the reference was found under). */
function valueAt(input: Record<string, unknown>, key: string): unknown {
  const stack: unknown[] = [input];
  while (stack.length > 0) {
    const v = stack.pop();
    if (isPlainObject(v)) {
      if (key in v && typeof v[key] === 'string') return v[key];
      stack.push(...Object.values(v));
    } else if (Array.isArray(v)) stack.push(...v);
  }
  return key;
}

export function validateWorkflowDef(
  raw: unknown,
  ctx: WorkflowValidationContext,
  prefix = '',
): ValidationError[] {
  const errors: ValidationError[] = [];
  const push: Push = (path, message, invalidValue) =>
    errors.push(
      invalidValue === undefined
        ? { path: `${prefix}${path}`, message }
        : { path: `${prefix}${path}`, message, invalidValue },
    );
  if (!isPlainObject(raw)) {
    push('workflowDef', 'WorkflowDef must be a JSON object', raw);
    return errors;
  }
  if (typeof raw.name !== 'string' || raw.name.trim() === '')
    push('name', 'WorkflowDef name cannot be null or empty', raw.name);
  if (!Array.isArray(raw.tasks) || raw.tasks.length === 0)
    push('tasks', 'WorkflowTask list cannot be empty', raw.tasks);
  if (raw.schemaVersion !== undefined && raw.schemaVersion !== 2) {
    push(
      'schemaVersion',
      `workflowDef schemaVersion: ${String(raw.schemaVersion)} is only supported`,
      raw.schemaVersion,
    );
  }
  if (raw.version !== undefined && (typeof raw.version !== 'number' || !Number.isInteger(raw.version))) {
    push('version', 'version must be an integer', raw.version);
  }
  if (
    raw.timeoutPolicy !== undefined &&
    raw.timeoutPolicy !== 'TIME_OUT_WF' &&
    raw.timeoutPolicy !== 'ALERT_ONLY'
  ) {
    push('timeoutPolicy', 'timeoutPolicy must be TIME_OUT_WF or ALERT_ONLY', raw.timeoutPolicy);
  }
  if (
    raw.timeoutSeconds !== undefined &&
    (typeof raw.timeoutSeconds !== 'number' || raw.timeoutSeconds < 0)
  ) {
    push('timeoutSeconds', 'timeoutSeconds must be a number >= 0', raw.timeoutSeconds);
  }
  if (!Array.isArray(raw.tasks)) return errors;
  raw.tasks.forEach((t, i) => {
    if (isPlainObject(t)) validateTask(t, `tasks[${i}]`, ctx, push);
    else push(`tasks[${i}]`, 'must be a WorkflowTask object', t);
  });
  const seen = new Set<string>();
  const asDef = { tasks: raw.tasks.filter(isPlainObject) } as never;
  for (const wt of collectDefTasks(asDef)) {
    const ref = (wt as unknown as Record<string, unknown>).taskReferenceName;
    if (typeof ref !== 'string') continue;
    if (seen.has(ref)) {
      push(
        'tasks',
        `taskReferenceName: ${ref} should be unique across tasks for a given workflowDefinition: ${String(raw.name)}`,
      );
    }
    seen.add(ref);
  }
  raw.tasks.forEach((t, i) => {
    if (isPlainObject(t) && isPlainObject(t.inputParameters)) {
      checkReferences(
        t.inputParameters,
        String(t.name),
        { tasks: raw.tasks } as Record<string, unknown>,
        ctx,
        push,
        `tasks[${i}].inputParameters`,
      );
    }
  });
  return errors;
}
