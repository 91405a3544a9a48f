/**
 * Conductor's expression languages as pure functions, for the embedded engine:
 * `${…}` parameter expressions (JsonPath, Jayway semantics), JavaScript evaluation (INLINE, LAMBDA,
 * SWITCH, DO_WHILE, event conditions) and jq (JSON_JQ_TRANSFORM).
 */
export type { ResolveOptions } from './types';

export { resolveExpressions, resolveString, isSystemName, SYSTEM_PARAMETERS } from './resolve';
export { collectReferences, type ExpressionReference } from './references';
export { expandInlineJson } from './expand';
export { checkJsonPath, readPath, type PathValue } from './jsonpath';
export { findPlaceholders, type Placeholder } from './placeholders';
export { javaToString, javaNumberToString, javaDoubleToString } from './java-format';

export {
  evaluateScript,
  scriptResult,
  scriptTimeout,
  closeScriptSandbox,
  ScriptPool,
  type ScriptOutcome,
  type ScriptPoolOptions,
  type ScriptErrorKind,
  checkScriptSyntax,
  ScriptError,
  isTruthy,
  scriptResultToCaseString,
  lambdaScript,
  DEFAULT_SCRIPT_TIMEOUT_MS,
} from './script';

export { jqAvailable, jqTransform, closeJq, JqError, DEFAULT_JQ_TIMEOUT_MS, type JqResult } from './jq';
