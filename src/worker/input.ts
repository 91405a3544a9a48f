/**
 * The notebook_run task input contract (DESIGN.md): parsed and checked before anything runs, so bad input
 * fails terminally with a reason that names the field.
 */
import { NbcError } from '../errors';
import { isPlainObject, stringifyJsonExact, type JsonObject, type JsonValue } from '../json';

export interface NotebookRunInput {
  notebook: string;
  output: string | null;
  parameters: JsonObject;
  kernel?: string;
  language?: string;
  cwd?: string;
  timeouts: { startSeconds?: number; cellSeconds?: number; totalSeconds?: number };
  reportMode: boolean;
  outputs: string[];
  allowErrors: boolean;
}

const KNOWN = new Set([
  'notebook',
  'output',
  'parameters',
  'kernel',
  'language',
  'cwd',
  'timeouts',
  'reportMode',
  'outputs',
  'allowErrors',
]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Contract keys, plus keys Conductor itself adds (e.g. `__index` on dynamically forked tasks). */
function isKnownKey(k: string): boolean {
  return KNOWN.has(k) || k.startsWith('__');
}

/** Validates a task's inputData; throws one E_USAGE error listing every problem (field: what is wrong). */
export function parseNotebookRunInput(raw: unknown): NotebookRunInput {
  const problems: string[] = [];
  const bad = (field: string, msg: string): void => void problems.push(`inputData.${field}: ${msg}`);
  const input = (isPlainObject(raw) ? raw : {}) as JsonObject; // task data is parsed JSON
  if (!isPlainObject(raw)) problems.push('inputData must be an object');

  const str = (field: string, required = false): string | undefined => {
    const v = input[field];
    if (v === undefined || v === null) {
      if (required) bad(field, 'is required (the notebook URI: a path, file://, s3:// or http(s)://)');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      bad(field, `must be a non-empty string, got ${stringifyJsonExact(v)}`);
      return undefined;
    }
    return v;
  };
  const bool = (field: string): boolean => {
    const v = input[field];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') bad(field, `must be true or false, got ${stringifyJsonExact(v)}`);
    return v === true;
  };

  const notebook = str('notebook', true);
  const output = str('output') ?? null;
  const kernel = str('kernel');
  const language = str('language');
  const cwd = str('cwd');

  let parameters: JsonObject = {};
  const p = input.parameters;
  if (p !== undefined && p !== null) {
    if (isPlainObject(p)) parameters = p;
    else bad('parameters', `must be an object of name → value, got ${stringifyJsonExact(p)}`);
  }

  const timeouts: NotebookRunInput['timeouts'] = {};
  const t = input.timeouts;
  if (t !== undefined && t !== null) {
    if (!isPlainObject(t)) bad('timeouts', 'must be an object {startSeconds, cellSeconds, totalSeconds}');
    else {
      for (const [k, v] of Object.entries(t)) {
        if (k !== 'startSeconds' && k !== 'cellSeconds' && k !== 'totalSeconds') {
          bad(`timeouts.${k}`, 'is not a known timeout (startSeconds, cellSeconds, totalSeconds)');
        } else if (v !== null && (typeof v !== 'number' || !(v > 0))) {
          bad(`timeouts.${k}`, `must be a positive number of seconds, got ${stringifyJsonExact(v)}`);
        } else if (typeof v === 'number') {
          timeouts[k] = v;
        }
      }
    }
  }

  const outputs: string[] = [];
  const o = input.outputs;
  if (o !== undefined && o !== null) {
    if (!Array.isArray(o)) bad('outputs', `must be a list of variable names, got ${stringifyJsonExact(o)}`);
    else
      o.forEach((name: JsonValue, i) => {
        if (typeof name !== 'string' || !IDENTIFIER.test(name))
          bad(`outputs[${i}]`, `must be a variable name, got ${stringifyJsonExact(name)}`);
        else outputs.push(name);
      });
  }

  const reportMode = bool('reportMode');
  const allowErrors = bool('allowErrors');
  const unknown = Object.keys(input).filter((k) => !isKnownKey(k));

  if (problems.length > 0 || notebook === undefined) {
    const hint = unknown.length > 0 ? ` (unknown keys: ${unknown.join(', ')})` : '';
    throw new NbcError('E_USAGE', `invalid notebook_run input: ${problems.join('; ')}${hint}`, {
      field: problems[0]?.split(':')[0],
    });
  }
  const result: NotebookRunInput = {
    notebook,
    output,
    parameters,
    timeouts,
    reportMode,
    outputs,
    allowErrors,
  };
  if (kernel !== undefined) result.kernel = kernel;
  if (language !== undefined) result.language = language;
  if (cwd !== undefined) result.cwd = cwd;
  return result;
}

/** Keys in inputData the contract does not know (logged as a warning: a likely typo). */
export function unknownInputKeys(raw: unknown): string[] {
  return isPlainObject(raw) ? Object.keys(raw).filter((k) => !isKnownKey(k)) : [];
}
