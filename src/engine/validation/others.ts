/** Validation of TaskDefs, TaskResults and EventHandlers, with Conductor's messages. */
import { isPlainObject } from '../../json';
import type { ValidationError } from '../api-errors';
import { checkScriptSyntax } from '../expressions';
import { isTaskStatus } from '../model/status';

const RETRY_LOGIC = ['FIXED', 'LINEAR_BACKOFF', 'EXPONENTIAL_BACKOFF'];
const TIMEOUT_POLICY = ['RETRY', 'TIME_OUT_WF', 'ALERT_ONLY'];

function num(v: unknown, dflt: number): number {
  return typeof v === 'number' ? v : dflt;
}

export function validateTaskDef(raw: unknown, prefix = ''): ValidationError[] {
  const errors: ValidationError[] = [];
  const push = (path: string, message: string, invalidValue?: unknown): void => {
    errors.push(
      invalidValue === undefined
        ? { path: `${prefix}${path}`, message }
        : { path: `${prefix}${path}`, message, invalidValue },
    );
  };
  if (!isPlainObject(raw)) {
    push('taskDef', 'TaskDef must be a JSON object', raw);
    return errors;
  }
  const name = raw.name;
  if (typeof name !== 'string' || name.trim() === '')
    push('name', 'TaskDef name cannot be null or empty', name);
  const retryCount = num(raw.retryCount, 3);
  if (retryCount < 0) push('retryCount', `TaskDef retryCount: ${retryCount} must be >= 0`, retryCount);
  const responseTimeout = num(raw.responseTimeoutSeconds, 3600);
  if (responseTimeout < 1) {
    push(
      'responseTimeoutSeconds',
      `TaskDef responseTimeoutSeconds: ${responseTimeout} should be minimum 1 second`,
      responseTimeout,
    );
  }
  if (typeof raw.pollTimeoutSeconds === 'number' && raw.pollTimeoutSeconds < 0) {
    push(
      'pollTimeoutSeconds',
      `TaskDef pollTimeoutSeconds: ${raw.pollTimeoutSeconds} must be >= 0`,
      raw.pollTimeoutSeconds,
    );
  }
  if (typeof raw.backoffScaleFactor === 'number' && raw.backoffScaleFactor < 1) {
    push('backoffScaleFactor', 'Backoff scale factor. Applicable for LINEAR_BACKOFF', raw.backoffScaleFactor);
  }
  for (const f of ['maxRetryDelaySeconds', 'backoffJitterMs', 'totalTimeoutSeconds']) {
    const v = raw[f];
    if (typeof v === 'number' && v < 0) push(f, `TaskDef ${f}: ${v} must be >= 0`, v);
  }
  for (const f of [
    'retryCount',
    'timeoutSeconds',
    'retryDelaySeconds',
    'responseTimeoutSeconds',
    'rateLimitPerFrequency',
    'rateLimitFrequencyInSeconds',
    'concurrentExecLimit',
  ]) {
    const v = raw[f];
    if (v !== undefined && v !== null && typeof v !== 'number') push(f, `TaskDef ${f} must be a number`, v);
  }
  if (raw.retryLogic !== undefined && !RETRY_LOGIC.includes(String(raw.retryLogic))) {
    push('retryLogic', `TaskDef retryLogic must be one of ${RETRY_LOGIC.join(', ')}`, raw.retryLogic);
  }
  if (raw.timeoutPolicy !== undefined && !TIMEOUT_POLICY.includes(String(raw.timeoutPolicy))) {
    push(
      'timeoutPolicy',
      `TaskDef timeoutPolicy must be one of ${TIMEOUT_POLICY.join(', ')}`,
      raw.timeoutPolicy,
    );
  }
  if (raw.inputTemplate !== undefined && raw.inputTemplate !== null && !isPlainObject(raw.inputTemplate)) {
    push('inputTemplate', 'TaskDef inputTemplate must be an object', raw.inputTemplate);
  }
  const timeout = num(raw.timeoutSeconds, 0);
  const total = num(raw.totalTimeoutSeconds, 0);
  if (timeout > 0 && responseTimeout > timeout) {
    push(
      'taskDef',
      `TaskDef: ${String(name)} responseTimeoutSeconds: ${responseTimeout} must be less than timeoutSeconds: ${timeout}`,
    );
  }
  if (timeout > 0 && total > 0 && timeout > total) {
    push(
      'taskDef',
      `TaskDef: ${String(name)} timeoutSeconds: ${timeout} must be less than or equal to totalTimeoutSeconds: ${total}`,
    );
  }
  return errors;
}

export function validateTaskResult(raw: unknown, requireStatus: boolean): ValidationError[] {
  const errors: ValidationError[] = [];
  if (!isPlainObject(raw)) return [{ path: 'taskResult', message: 'TaskResult must be a JSON object' }];
  if (typeof raw.workflowInstanceId !== 'string' || raw.workflowInstanceId === '') {
    errors.push({ path: 'workflowInstanceId', message: 'Workflow Id cannot be null or empty' });
  }
  if (typeof raw.taskId !== 'string' || raw.taskId === '')
    errors.push({ path: 'taskId', message: 'Task ID cannot be null or empty' });
  if (raw.extendLease === true) return errors;
  const status = raw.status;
  const allowed = ['IN_PROGRESS', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'COMPLETED', 'CANCELED'];
  if (status === undefined || status === null) {
    // Conductor itself reports only the two id constraints for an empty TaskResult (then fails on the
    // missing status with a 500); we answer 400 for the status too, once the ids are there.
    if (requireStatus && errors.length === 0)
      errors.push({ path: 'status', message: 'Task status cannot be null' });
  } else if (!isTaskStatus(status) || !allowed.includes(status)) {
    errors.push({
      path: 'status',
      message: `status must be one of ${allowed.join(', ')}`,
      invalidValue: status,
    });
  }
  if (raw.outputData !== undefined && raw.outputData !== null && !isPlainObject(raw.outputData)) {
    errors.push({
      path: 'outputData',
      message: 'outputData must be an object',
      invalidValue: raw.outputData,
    });
  }
  if (
    raw.callbackAfterSeconds !== undefined &&
    raw.callbackAfterSeconds !== null &&
    typeof raw.callbackAfterSeconds !== 'number'
  ) {
    errors.push({
      path: 'callbackAfterSeconds',
      message: 'callbackAfterSeconds must be a number',
      invalidValue: raw.callbackAfterSeconds,
    });
  }
  return errors;
}

const ACTIONS = ['start_workflow', 'complete_task', 'fail_task'];

export function validateEventHandler(raw: unknown): ValidationError[] {
  const errors: ValidationError[] = [];
  if (!isPlainObject(raw)) return [{ path: 'eventHandler', message: 'EventHandler must be a JSON object' }];
  if (typeof raw.name !== 'string' || raw.name === '')
    errors.push({ path: 'name', message: 'Missing event handler name' });
  if (typeof raw.event !== 'string' || raw.event === '')
    errors.push({ path: 'event', message: 'Missing event location' });
  if (!Array.isArray(raw.actions) || raw.actions.length === 0) {
    errors.push({ path: 'actions', message: 'No actions specified. Please specify at-least one action' });
  } else {
    raw.actions.forEach((a: unknown, i) => {
      const action = isPlainObject(a) ? a : ({} as Record<string, unknown>);
      if (!ACTIONS.includes(String(action.action))) {
        errors.push({
          path: `actions[${i}].action`,
          message: `action must be one of ${ACTIONS.join(', ')} (terminate_workflow and update_workflow_variables are Orkes-only)`,
          invalidValue: action.action,
        });
      } else if (action.action === 'start_workflow') {
        const sw = action.start_workflow;
        if (!isPlainObject(sw) || typeof sw.name !== 'string' || sw.name === '') {
          errors.push({
            path: `actions[${i}].start_workflow.name`,
            message: 'start_workflow requires a workflow name',
          });
        }
      } else if (!isPlainObject(action[action.action as string])) {
        errors.push({
          path: `actions[${i}].${String(action.action)}`,
          message: `${String(action.action)} requires task details`,
        });
      }
    });
  }
  if (
    typeof raw.condition === 'string' &&
    raw.condition.trim() !== '' &&
    raw.evaluatorType !== 'value-param'
  ) {
    const err = checkScriptSyntax(raw.condition);
    if (err) errors.push({ path: 'condition', message: `Expression is not well formatted: ${err}` });
  }
  return errors;
}
