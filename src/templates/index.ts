/**
 * Sandboxed nunjucks templates for parameters and output paths.
 *
 * What a template can use:
 *  - variables: the context's own data properties (task templates: workflow, task, tasks, now — see
 *    task-context.ts; the CLI's OUTPUT: parameters and run facts — see output-path.ts), their
 *    attributes (`a.b`, `a["b"]`, `xs[0]`, `.length`), literals, `{% set %}`, loops, `loop.*`, macros
 *    and `caller()`, `if`/`switch`/`filter`/`raw`, arithmetic, comparisons, `in`, `~`.
 *    Undefined variables and attributes are errors; outputting null, lists or objects is an error
 *    (use `| default(x, true)`, `| join`, `| tojson`).
 *  - globals: `range(stop)` / `range(start, stop[, step])` (at most maxRangeLength items). No cycler,
 *    joiner, methods (`"x".upper()`), includes/imports/extends, regex literals or async tags.
 *  - filters: default/d (works on undefined names), tojson/dump, string, int, float, round, slug,
 *    basename, pathSegment, date, dateAdd, addDays, isoformat (dates.ts lists the tokens), join, sum, sort,
 *    selectattr, rejectattr, replace, abs, capitalize, dictsort, first, last, length, list, lower,
 *    upper, reject, select, reverse, title, trim, truncate, urlencode, wordcount.
 *  - tests (`x is …`): nunjucks' own, with `defined`/`undefined` working on undefined names.
 * A parameter value that is exactly one `{{ expression }}` renders to a typed value (renderValue).
 * Failures are NbcError('E_TEMPLATE') naming the label, the problem, its position and the template.
 */
import type { JsonValue } from '../json';
import { defaultEngine, type TemplateContext } from './engine';

export { createTemplateEngine, defaultEngine, isTemplateString } from './engine';
export type { TemplateContext, TemplateEngine, TemplateEngineOptions } from './engine';
export { usesVariable } from './variables';
export { renderOutputPath } from './output-path';
export { taskTemplateContext } from './task-context';
export type { OutputPathInputs, RunFacts } from './output-path';
export type { TaskTemplateInput } from './task-context';
export { normalizeNow } from './dates';

/** Render a template to a string with the default engine. */
export function renderString(template: string, context: TemplateContext, label: string): string {
  return defaultEngine().renderString(template, context, label);
}

/** Typed value of a single-`{{ expression }}` template (else its string), with the default engine. */
export function renderValue(template: string, context: TemplateContext, label: string): JsonValue {
  return defaultEngine().renderValue(template, context, label);
}

/** Render every template string inside JSON data, with the default engine. */
export function renderDeep(value: unknown, context: TemplateContext, label: string): unknown {
  return defaultEngine().renderDeep(value, context, label);
}
