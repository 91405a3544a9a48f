/**
 * WAIT: `duration` ("10s", "1d 2h 3m 4s") or `until` ("yyyy-MM-dd HH:mm[ z]" / "yyyy-MM-dd") completes it by
 * itself (the sweeper wakes the workflow at that time); with neither it waits for an external update or
 * signal. HUMAN waits for an external update too.
 */
import { T } from '../model/task-types';
import type { TaskModel } from '../model/types';
import { getTaskInput } from '../params';
import { createTaskModel } from './task-model';
import type { Mapper, SystemTask } from './types';

const DURATION =
  /^\s*(?:(\d+)\s*(?:days?|d))?\s*(?:(\d+)\s*(?:hours?|hrs?|h))?\s*(?:(\d+)\s*(?:minutes?|mins?|m))?\s*(?:(\d+)\s*(?:seconds?|secs?|s))?\s*$/i;

/** Seconds in a duration string, or null when it is not a valid duration. */
export function parseDuration(text: string): number | null {
  const m = DURATION.exec(text);
  if (!m) return null;
  const n = (i: number): number => (m[i] ? Number.parseInt(m[i] as string, 10) : 0);
  return n(1) * 86400 + (n(2) * 60 + n(3)) * 60 + n(4);
}

/** Epoch ms for an `until` value, or null when unparsable. Without a zone the server's local time is used. */
export function parseUntil(text: string): number | null {
  const s = text.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(s);
  if (m) return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!).getTime();
  m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}) ([A-Za-z]+|[+-]\d{2}:?\d{2})$/.exec(s);
  if (m) {
    const zone = m[6] as string;
    const offset = /^(UTC|GMT|Z)$/i.test(zone) ? 'Z' : /^[+-]/.test(zone) ? zone : null;
    if (offset === null) return null;
    const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${offset}`);
    return Number.isNaN(t) ? null : t;
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return new Date(+m[1]!, +m[2]! - 1, +m[3]!).getTime();
  return null;
}

function setCallbackAfter(task: TaskModel, now: number): void {
  const duration = task.inputData.duration == null ? '' : String(task.inputData.duration);
  const until = task.inputData.until == null ? '' : String(task.inputData.until);
  if (duration.trim() !== '' && until.trim() !== '') {
    task.reasonForIncompletion = "Both 'duration' and 'until' specified. Please provide only one input";
    task.status = 'FAILED_WITH_TERMINAL_ERROR';
    return;
  }
  if (duration.trim() !== '') {
    const seconds = parseDuration(duration);
    if (seconds === null) {
      task.reasonForIncompletion = `Not valid duration: ${duration}`;
      task.status = 'FAILED_WITH_TERMINAL_ERROR';
      return;
    }
    task.waitTimeout = now + seconds * 1000;
    task.callbackAfterSeconds = seconds;
  } else if (until.trim() !== '') {
    const at = parseUntil(until);
    if (at === null) {
      task.reasonForIncompletion = `Invalid/Unsupported Wait Until format.  Provided: ${until}`;
      task.status = 'FAILED_WITH_TERMINAL_ERROR';
      return;
    }
    task.callbackAfterSeconds = Math.max(0, Math.trunc((at - now) / 1000));
    task.waitTimeout = at;
  } else {
    task.callbackAfterSeconds = 2147483647;
  }
}

export const mapWait: Mapper = (m) => {
  const task = createTaskModel(m);
  task.taskType = T.WAIT;
  task.inputData = getTaskInput(m.ctx.params, m.workflowTask.inputParameters, m.wf, undefined, m.taskId);
  task.startTime = m.ctx.clock();
  task.status = 'IN_PROGRESS';
  setCallbackAfter(task, m.ctx.clock());
  return [task];
};

export function waitTask(clock: () => number): SystemTask {
  return {
    cancel(_wf, task) {
      task.status = 'CANCELED';
    },
    execute(_wf, task) {
      if (task.waitTimeout === 0) return false;
      if (clock() >= task.waitTimeout) {
        task.status = 'COMPLETED';
        return true;
      }
      return false;
    },
  };
}

export const mapHuman: Mapper = (m) => {
  const task = createTaskModel(m);
  task.taskType = T.HUMAN;
  task.inputData = getTaskInput(m.ctx.params, m.workflowTask.inputParameters, m.wf, undefined, m.taskId);
  task.startTime = m.ctx.clock();
  task.status = 'IN_PROGRESS';
  return [task];
};

export const humanTask: SystemTask = {
  cancel(_wf, task) {
    task.status = 'CANCELED';
  },
};
