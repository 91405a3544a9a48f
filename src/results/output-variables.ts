/**
 * Output variables: kernel variables named in a task's `outputs`, read back after the last cell through
 * Jupyter `user_expressions` (one extra silent execute, no code cell added to the notebook).
 *
 * For Python each expression evaluates the variable, turns it into plain JSON in the kernel (a json round
 * trip whose `default` handles numpy, pandas and datetimes, with NaN/±inf parsed back as null) and wraps
 * it in an object whose `_repr_json_` IPython publishes under `application/json`. IPython only accepts a
 * dict or list there, so the value travels inside `{"nbconductor.json": value}`. Other languages get the
 * bare variable and whatever their kernel returns (usually `text/plain`).
 */
import { NbcError } from '../errors';
import { isPlainObject, setOwn, type JsonValue } from '../json';
import type { UserExpressionResult } from '../kernel/messages';
import { findTranslator } from '../notebook/translators';

/** The key wrapping a Python value inside `application/json`. */
export const JSON_VALUE_KEY = 'nbconductor.json';
/** The `text/plain` of the wrapper: seeing it without `application/json` means the JSON was dropped. */
export const WRAPPER_REPR = '<nbconductor JSON value>';

const PYTHON_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

const IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;
/** R names may contain and start with dots (`my.var`, `.hidden`). */
const R_IDENTIFIER = /^(?:[\p{L}]|\.(?![0-9]))[\p{L}\p{Nd}._]*$|^\.$/u;

/**
 * The json round trip's `default`: DataFrame → records, Series → dict (keys made JSON-safe), datetimes →
 * ISO text, numpy scalars/arrays → `tolist()`, NaT/NA → None, sets → list, anything else → `str()`.
 * Duck-typed so the expression needs neither numpy nor pandas to be installed.
 */
const PY_DEFAULT =
  "lambda o: None if type(o).__name__ in ('NaTType', 'NAType')" +
  " else o.to_dict(orient='records') if hasattr(o, 'to_dict') and hasattr(o, 'columns')" +
  ' else {(k if k is None or isinstance(k, (str, int, float, bool))' +
  " else k.isoformat() if hasattr(k, 'isoformat') else str(k)): v for k, v in o.to_dict().items()}" +
  " if hasattr(o, 'to_dict')" +
  " else o.isoformat() if hasattr(o, 'isoformat')" +
  " else o.tolist() if hasattr(o, 'tolist')" +
  ' else list(o) if isinstance(o, (set, frozenset))' +
  ' else str(o)';

/** One Python expression; the variable is evaluated first, so a missing one is a plain NameError. */
function pythonExpression(name: string): string {
  const json = "__import__('json')";
  const value = `${json}.loads(${json}.dumps(${name}, allow_nan=True, default=${PY_DEFAULT}), parse_constant=lambda c: None)`;
  const wrapper =
    `type('NbconductorJSON', (), {'_repr_json_': lambda self: {${JSON.stringify(JSON_VALUE_KEY)}: j},` +
    ` '__repr__': lambda self: ${JSON.stringify(WRAPPER_REPR)}})()`;
  return `(lambda j: ${wrapper})(${value})`;
}

function isPython(language: string): boolean {
  return findTranslator(undefined, language)?.id === 'python';
}

function isRLanguage(language: string): boolean {
  return findTranslator(undefined, language)?.id === 'r';
}

/** Throws E_PARAMETER naming the first name that is not a variable name of `language`. */
export function validateOutputNames(names: readonly string[], language: string): void {
  const python = isPython(language);
  const pattern = isRLanguage(language) ? R_IDENTIFIER : IDENTIFIER;
  for (const [i, name] of names.entries()) {
    const ok = typeof name === 'string' && pattern.test(name) && !(python && PYTHON_KEYWORDS.has(name));
    if (!ok) {
      throw new NbcError(
        'E_PARAMETER',
        `outputs[${i}]: ${JSON.stringify(name)} is not a ${python ? 'Python ' : ''}variable name; ` +
          'outputs lists names of variables the notebook defines, e.g. ["total_rows", "summary"]',
        { field: `outputs[${i}]`, name },
      );
    }
  }
}

/** The `user_expressions` to send so the kernel returns each variable as JSON (keyed by name). */
export function outputVariableExpressions(
  names: readonly string[],
  language: string,
): Record<string, string> {
  validateOutputNames(names, language);
  const python = isPython(language);
  const out: Record<string, string> = {};
  for (const name of names) setOwn(out, name, python ? pythonExpression(name) : name);
  return out;
}

export interface DecodedOutputVariables {
  values: Record<string, JsonValue>;
  /** name → "Ename: evalue" for variables the kernel could not evaluate or return. */
  errors: Record<string, string>;
}

function decodeOne(result: UserExpressionResult): { value: JsonValue } | { error: string } {
  if (result.status !== 'ok') {
    const ename = result.ename ?? 'Error';
    return { error: result.evalue ? `${ename}: ${result.evalue}` : ename };
  }
  const data = isPlainObject(result.data) ? result.data : {};
  const json = data['application/json'];
  if (json !== undefined) {
    if (isPlainObject(json) && Object.keys(json).length === 1 && JSON_VALUE_KEY in json) {
      return { value: json[JSON_VALUE_KEY] ?? null };
    }
    return { value: json };
  }
  const text = data['text/plain'];
  if (text === WRAPPER_REPR) {
    return { error: 'NoJSONError: the kernel returned no application/json for this value' };
  }
  if (typeof text === 'string') return { value: text };
  if (Array.isArray(text)) return { value: text.join('') };
  return { error: 'NoDataError: the kernel returned neither application/json nor text/plain' };
}

/** Values (application/json preferred, else the text/plain string) and errors from the kernel's reply. */
export function decodeOutputVariables(
  names: readonly string[],
  userExpressions: Readonly<Record<string, UserExpressionResult>> | undefined,
): DecodedOutputVariables {
  const values: Record<string, JsonValue> = {};
  const errors: Record<string, string> = {};
  for (const name of names) {
    const result =
      userExpressions && Object.hasOwn(userExpressions, name) ? userExpressions[name] : undefined;
    if (!result) {
      setOwn(errors, name, 'MissingResultError: the kernel returned no result for this name');
      continue;
    }
    const decoded = decodeOne(result);
    if ('value' in decoded) setOwn(values, name, decoded.value);
    else setOwn(errors, name, decoded.error);
  }
  return { values, errors };
}
