/**
 * `${…}` references for registration-time validation, found the way Conductor's `ConstraintParamUtil`
 * finds them: each string is split before every `${` (not after a `$`) and after every `}`, and each piece
 * of the form `${…}` is one reference. So nested expressions contribute only their innermost parts
 * (`${a[${i}]}` → `${i}`), exactly as Conductor validates them.
 */
import type { JsonValue } from '../../json';
import { checkJsonPath } from './jsonpath';
import { isSystemName } from './resolve';

export interface ExpressionReference {
  /** The placeholder as written, e.g. `${t1.output.x}`. */
  readonly expression: string;
  /** The path inside it, e.g. `t1.output.x`. */
  readonly path: string;
  /** The first `.`-separated component: `workflow`, a task reference name, or a system name. */
  readonly root: string;
  /** Where the string sits in the input: `a.b[2]` (empty for a top-level string). */
  readonly location: string;
  /** The nearest enclosing map key (what Conductor's messages call the input parameter). */
  readonly key: string;
  /** Set when the path does not compile as a JsonPath (Conductor: "… is not valid"). */
  readonly problem?: string;
  /** A system name (`CPEWF_TASK_ID`, `NETFLIX_ENV`, `NETFLIX_STACK`, or an allowlisted env name). */
  readonly system?: boolean;
}

const SPLIT = /(?=(?<!\$)\$\{)|(?<=\})/;

/** Every reference in a (nested) inputParameters value, in document order. */
export function collectReferences(
  input: JsonValue,
  options: { env?: Readonly<Record<string, string>> } = {},
): ExpressionReference[] {
  const out: ExpressionReference[] = [];
  walk(input, '', '', options.env, out);
  return out;
}

function walk(
  value: JsonValue,
  location: string,
  key: string,
  env: Readonly<Record<string, string>> | undefined,
  out: ExpressionReference[],
): void {
  if (typeof value === 'string') {
    for (const piece of value.split(SPLIT)) {
      if (piece.startsWith('${') && piece.endsWith('}')) out.push(reference(piece, location, key, env));
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${location}[${i}]`, key, env, out));
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value))
      walk(value[k] as JsonValue, location === '' ? k : `${location}.${k}`, k, env, out);
  }
}

function reference(
  expression: string,
  location: string,
  key: string,
  env: Readonly<Record<string, string>> | undefined,
): ExpressionReference {
  const path = expression.slice(2, -1);
  const base = { expression, path, root: path.split('.')[0] ?? '', location, key };
  const problem = checkJsonPath(path);
  if (problem !== null) return { ...base, problem };
  return isSystemName(path, env) ? { ...base, system: true } : base;
}
