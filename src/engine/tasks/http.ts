/**
 * HTTP: calls `http_request` ({uri, method, headers, body, accept, contentType, connectionTimeOut,
 * readTimeOut}, or the same keys at the top level of the input) with Node's fetch. Output
 * `{response: {statusCode, reasonPhrase, headers, body}}`; 2xx completes the task (IN_PROGRESS when
 * asyncComplete), anything else fails it (retried per a TaskDef named like the task).
 */
import { STATUS_CODES } from 'node:http';

import {
  isPlainObject,
  parseJsonExact,
  stringifyJsonExact,
  type JsonObject,
  type JsonValue,
} from '../../json';
import type { TaskModel } from '../model/types';
import { getTaskInput } from '../params';
import { createTaskModel } from './task-model';
import type { Mapper } from './types';

export const mapHttp: Mapper = (m) => {
  const wt = m.workflowTask;
  const def = m.taskDef ?? m.ctx.defs.getTaskDef(wt.name);
  const params = { ...wt.inputParameters, asyncComplete: wt.asyncComplete };
  const task = createTaskModel(m);
  task.inputData = getTaskInput(m.ctx.params, params, m.wf, def, m.taskId);
  task.status = 'SCHEDULED';
  task.retryCount = m.retryCount;
  task.callbackAfterSeconds = wt.startDelay;
  if (def) {
    task.rateLimitPerFrequency = def.rateLimitPerFrequency ?? 0;
    task.rateLimitFrequencyInSeconds = def.rateLimitFrequencyInSeconds ?? 1;
    task.isolationGroupId = def.isolationGroupId;
    task.executionNameSpace = def.executionNameSpace;
  }
  return [task];
};

export interface AsyncTaskOutcome {
  status: TaskModel['status'];
  output: JsonObject;
  reasonForIncompletion?: string;
}

function parseBody(text: string): JsonValue {
  if (text === '') return null;
  try {
    const v = parseJsonExact(text) as JsonValue;
    if (Array.isArray(v) || isPlainObject(v) || typeof v === 'number' || typeof v === 'bigint') return v;
    return typeof v === 'string' ? v : String(v);
  } catch {
    return text;
  }
}

function headerMap(h: Headers): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  h.forEach((value, key) => {
    (out[key] ??= []).push(value);
  });
  return out;
}

export async function executeHttp(task: TaskModel, signal: AbortSignal): Promise<AsyncTaskOutcome> {
  const raw = task.inputData.http_request ?? task.inputData;
  const req = isPlainObject(raw) ? raw : {};
  const uri = typeof req.uri === 'string' ? req.uri : undefined;
  const method = typeof req.method === 'string' ? req.method.toUpperCase() : undefined;
  if (!uri) {
    return {
      status: 'FAILED',
      output: {},
      reasonForIncompletion:
        'Missing HTTP URI.  See documentation for HttpTask for required input parameters',
    };
  }
  if (!method) return { status: 'FAILED', output: {}, reasonForIncompletion: 'No HTTP method specified' };
  const contentType = typeof req.contentType === 'string' ? req.contentType : 'application/json';
  const accept = Array.isArray(req.accept)
    ? req.accept.map(String).join(', ')
    : typeof req.accept === 'string'
      ? req.accept
      : 'application/json';
  const headers: Record<string, string> = { 'content-type': contentType, accept };
  if (isPlainObject(req.headers)) {
    for (const [k, v] of Object.entries(req.headers))
      if (v !== null && v !== undefined) headers[k] = String(v);
  }
  let body: string | undefined;
  if (req.body !== undefined && req.body !== null && method !== 'GET' && method !== 'HEAD') {
    body = typeof req.body === 'string' ? req.body : stringifyJsonExact(req.body);
  }
  const connect = typeof req.connectionTimeOut === 'number' ? req.connectionTimeOut : 3000;
  const read = typeof req.readTimeOut === 'number' ? req.readTimeOut : 3000;
  try {
    const res = await fetch(uri, {
      method,
      headers,
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(connect + read)]),
    });
    const text = await res.text();
    const response: JsonObject = {
      statusCode: res.status,
      reasonPhrase: res.statusText || STATUS_CODES[res.status] || '',
      headers: headerMap(res.headers),
      body: parseBody(text),
    };
    if (res.status >= 200 && res.status < 300) {
      return {
        status: task.inputData.asyncComplete === true ? 'IN_PROGRESS' : 'COMPLETED',
        output: { response },
      };
    }
    return {
      status: 'FAILED',
      output: { response },
      reasonForIncompletion: text !== '' ? text : 'No response from the remote service',
    };
  } catch (err) {
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return {
      status: 'FAILED',
      output: { response: msg },
      reasonForIncompletion: `Failed to invoke HTTP task due to: ${msg}`,
    };
  }
}
