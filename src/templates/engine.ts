/**
 * The sandboxed template engine: a nunjucks Environment with no loaders, autoescape off (we render
 * paths and parameter values, not HTML) and strict undefined, plus the pieces that make it safe to run
 * templates written by workflow authors:
 *  - static validation of every template (validate.ts) and a compiler that quotes every name;
 *  - a guarded runtime per render (runtime.ts): data-only attribute access, calls only to `range` and
 *    the template's own macros, allowlisted filters, step/output/recursion budgets;
 *  - a hard time limit: rendering runs inside `vm.Script#runInContext({ timeout })`, whose watchdog
 *    interrupts even a runaway built-in. Starting the watchdog thread is most of the cost of a small
 *    render (measured 0.07–0.17 ms of ≈0.15–0.25 ms per call on 2 busy cores; the sandboxed render
 *    itself ≈15 µs), so renderDeep shares one watchdog for its whole walk. Compiling happens before
 *    the watchdog starts: a cold first compile can take tens of ms on a loaded machine and must not
 *    fail a task. The vm context is only a timer, not an isolation boundary: the code runs in our
 *    realm, guarded by the runtime.
 * Nothing in the nunjucks module is changed; the Environment instance refuses its own render methods so
 * that it cannot be used unguarded by mistake.
 */
import vm from 'node:vm';
import { NbcError } from '../errors';
import { isPlainObject, type JsonValue } from '../json';
import { compileAst, singleExpression, toFault, type CompiledTemplate } from './compile';
import { toJsonValue } from './data';
import { TemplateFault } from './fault';
import { buildFilters, buildTests } from './filters';
import { Environment, parse, type NjFrame, type NjFrameCtor, type NjNodeList } from './internals';
import { RenderContext, RenderState, type RenderLimits } from './render-state';
import { makeRuntime, type EngineScope } from './runtime';
import { validateTemplate, type KnownNames } from './validate';

export interface TemplateEngineOptions {
  /**
   * Wall-clock limit for rendering, ms (default 1000): per call, and for renderDeep the whole walk.
   * Parsing and compiling (bounded by maxTemplateLength, cached) are not counted.
   */
  timeLimitMs?: number;
  /** Lookups, calls, loop iterations and outputs per render (default 1,000,000). */
  maxSteps?: number;
  /** Longest output or stored string, characters (default 1,000,000). */
  maxOutputLength?: number;
  /** Most items `range()` may produce (default 10,000). */
  maxRangeLength?: number;
  /** Longest template accepted, characters (default 65,536). */
  maxTemplateLength?: number;
  /** Deepest macro call nesting (default 64). */
  maxCallDepth?: number;
  /** Parsed/compiled templates kept (default 256). */
  cacheSize?: number;
}

/** Variables a template sees: own data properties of this object (getters are never invoked). */
export type TemplateContext = object;

export interface TemplateEngine {
  /** Render to a string. `label` names the template in errors (e.g. `parameters.run_date`). */
  renderString(template: string, context: TemplateContext, label: string): string;
  /**
   * A template that is exactly one `{{ expression }}` yields the expression's value (JSON data:
   * number, boolean, null, string, list, object); any other template yields the rendered string.
   */
  renderValue(template: string, context: TemplateContext, label: string): JsonValue;
  /**
   * Walk JSON data and render (with renderValue) every string containing `{{` or `{%`; other leaves
   * are returned untouched. Errors name the leaf, e.g. `parameters.regions[2].code`.
   */
  renderDeep(value: unknown, context: TemplateContext, label: string): unknown;
}

const DEFAULTS = {
  timeLimitMs: 1000,
  maxSteps: 1_000_000,
  maxOutputLength: 1_000_000,
  maxRangeLength: 10_000,
  maxTemplateLength: 65_536,
  maxCallDepth: 64,
  cacheSize: 256,
};

interface Prepared {
  readonly ast: NjNodeList;
  readonly single: boolean;
  text?: CompiledTemplate;
  value?: CompiledTemplate;
}

/** Whether a string is meant as a template (contains `{{` or `{%`). */
export function isTemplateString(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `parameters` + key → `parameters.key` or `parameters["a key"]`. */
function childLabel(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function quoteTemplate(template: string): string {
  const shown = template.length > 200 ? `${template.slice(0, 200)}…` : template;
  return JSON.stringify(shown);
}

/** The E_TEMPLATE error for a fault: label, what went wrong, where, and the template text. */
export function templateError(err: unknown, label: string, template: string): NbcError {
  if (err instanceof NbcError) return err;
  const fault = err instanceof TemplateFault ? err : toFault(err, 'syntax');
  const where =
    fault.line !== undefined
      ? ` (line ${fault.line}${fault.column !== undefined ? `, column ${fault.column}` : ''})`
      : '';
  const what = fault.kind === 'syntax' ? `template syntax error: ${fault.message}` : fault.message;
  return new NbcError(
    'E_TEMPLATE',
    `${label}: ${what}${where}${template === '' ? '' : ` in template ${quoteTemplate(template)}`}`,
    {
      field: label,
      template: template.length > 200 ? `${template.slice(0, 200)}…` : template,
      reason: fault.kind,
      line: fault.line,
      column: fault.column,
    },
    { cause: err },
  );
}

function boundedRange(max: number) {
  return function range(start: unknown, stop?: unknown, step?: unknown): number[] {
    if (stop === undefined) [start, stop] = [0, start];
    const s = step ?? 1;
    if (typeof start !== 'number' || typeof stop !== 'number' || typeof s !== 'number') {
      throw new TemplateFault('type', 'range() takes numbers: range(stop), range(start, stop[, step])');
    }
    if (![start, stop, s].every(Number.isFinite) || s === 0) {
      throw new TemplateFault('type', 'range() needs finite numbers and a non-zero step');
    }
    const count = Math.max(0, Math.ceil((stop - start) / s));
    if (count > max)
      throw new TemplateFault('limit', `range() would produce ${count} items; the limit is ${max}`);
    return Array.from({ length: count }, (_, i) => start + i * s);
  };
}

class SandboxedEngine implements TemplateEngine {
  private readonly limits: RenderLimits;
  private readonly scope: EngineScope;
  private readonly known: KnownNames;
  private readonly cache = new Map<string, Prepared>();
  private readonly timer = vm.createContext(Object.create(null) as object);
  private readonly runJob = new vm.Script('job()', { filename: 'nbconductor-template-render' });
  /** The template being rendered by the current public call (innermost first), if any. */
  private active: { label: string; template: string } | undefined;
  /** Whether a watchdog is running (renderDeep's leaves run under the walk's). */
  private watching = false;
  /** Date.now() value at which the current watchdog's render runs out of time. */
  private deadline = 0;

  constructor(private readonly options: Required<TemplateEngineOptions>) {
    this.limits = {
      maxSteps: options.maxSteps,
      maxOutputLength: options.maxOutputLength,
      maxCallDepth: options.maxCallDepth,
    };
    const env = new Environment([], { autoescape: false, throwOnUndefined: true });
    const filters = buildFilters(env.filters, { maxOutputLength: options.maxOutputLength });
    const tests = buildTests(env.tests);
    const globals = Object.create(null) as Record<string, unknown>;
    const range = boundedRange(options.maxRangeLength);
    globals.range = range;
    // Stock filters (select/reject) resolve tests through the environment: give it the sandbox tables.
    env.filters = filters;
    env.tests = tests;
    env.globals = globals;
    const refuse = (): never => {
      throw new Error('this nunjucks environment renders only through the nbconductor template sandbox');
    };
    for (const method of ['render', 'renderString', 'getTemplate', 'addExtension', 'addGlobal'])
      env[method] = refuse;
    this.scope = { env, filters, tests, globals, callables: new WeakSet<object>([range]) };
    this.known = { filters: new Set(Object.keys(filters)), tests: new Set(Object.keys(tests)) };
  }

  renderString(template: string, context: TemplateContext, label: string): string {
    return this.failingAs(label, template, () => {
      const compiled = this.compiled(this.prepare(template), false);
      return this.timed(() => this.run(compiled, context).output);
    });
  }

  renderValue(template: string, context: TemplateContext, label: string): JsonValue {
    return this.failingAs(label, template, () => {
      const prepared = this.prepare(template);
      const compiled = this.compiled(prepared, prepared.single);
      return this.timed((): JsonValue => {
        const { output, state } = this.run(compiled, context);
        if (!prepared.single) return output;
        if (!state.captured) throw new TemplateFault('type', 'the expression produced no value');
        return toJsonValue(state.value, 'the value');
      });
    });
  }

  renderDeep(value: unknown, context: TemplateContext, label: string): unknown {
    // Compile every template first, so that only rendering counts against the time limit.
    this.walk(value, label, (template, leafLabel) =>
      this.failingAs(leafLabel, template, () => {
        const prepared = this.prepare(template);
        return this.compiled(prepared, prepared.single);
      }),
    );
    return this.failingAs(label, '', () =>
      this.timed(() =>
        this.walk(value, label, (template, leafLabel) => this.renderValue(template, context, leafLabel)),
      ),
    );
  }

  /** Copy JSON data, replacing each template string leaf by `render(template, label)`. */
  private walk(value: unknown, label: string, render: (template: string, label: string) => unknown): unknown {
    if (typeof value === 'string') return isTemplateString(value) ? render(value, label) : value;
    if (Array.isArray(value)) return value.map((item, i) => this.walk(item, childLabel(label, i), render));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value))
        out[key] = this.walk(item, childLabel(label, key), render);
      return out;
    }
    return value;
  }

  /**
   * Run `fn` for the template `label`, turning any failure into E_TEMPLATE. Calls nest (renderDeep's
   * leaves); when the watchdog fires no JavaScript runs in between, not even `finally`, so `active`
   * still names the innermost template being rendered.
   */
  private failingAs<T>(label: string, template: string, fn: () => T): T {
    const previous = this.active;
    this.active = { label, template };
    try {
      return fn();
    } catch (err) {
      const at = this.active ?? { label, template };
      throw templateError(err, at.label, at.template);
    } finally {
      this.active = previous;
    }
  }

  /** Run `fn` under the time limit; nested calls share the outermost watchdog. */
  private timed<T>(fn: () => T): T {
    if (this.watching) return fn();
    const { timeLimitMs } = this.options;
    this.deadline = Date.now() + timeLimitMs;
    this.watching = true;
    let result: T | undefined;
    const timer = this.timer as { job?: () => void };
    timer.job = () => {
      result = fn();
    };
    try {
      this.runJob.runInContext(this.timer, { timeout: timeLimitMs });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
        throw new TemplateFault('timeout', `rendering took longer than the time limit of ${timeLimitMs} ms`);
      }
      throw err;
    } finally {
      timer.job = undefined;
      this.watching = false;
    }
    return result as T;
  }

  private compiled(prepared: Prepared, captureValue: boolean): CompiledTemplate {
    if (captureValue) return (prepared.value ??= compileAst(prepared.ast, { captureValue: true }));
    return (prepared.text ??= compileAst(prepared.ast, { captureValue: false }));
  }

  /** Parse and validate once per distinct template (LRU cache). */
  private prepare(template: string): Prepared {
    const hit = this.cache.get(template);
    if (hit !== undefined) {
      this.cache.delete(template);
      this.cache.set(template, hit);
      return hit;
    }
    if (typeof template !== 'string')
      throw new TemplateFault('type', `a template must be a string, not ${typeof template}`);
    if (template.length > this.options.maxTemplateLength) {
      throw new TemplateFault(
        'limit',
        `the template is ${template.length} characters long; the limit is ${this.options.maxTemplateLength}`,
      );
    }
    let ast: NjNodeList;
    try {
      ast = parse(template);
    } catch (err) {
      throw toFault(err, 'syntax');
    }
    validateTemplate(ast, this.known);
    const prepared: Prepared = { ast, single: singleExpression(ast) !== undefined };
    this.cache.set(template, prepared);
    if (this.cache.size > this.options.cacheSize) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    return prepared;
  }

  private run(compiled: CompiledTemplate, context: TemplateContext): { output: string; state: RenderState } {
    if (typeof context !== 'object' || context === null) {
      throw new TemplateFault('type', 'the template context must be an object');
    }
    const state = new RenderState(this.limits, this.deadline, this.options.timeLimitMs);
    const runtime = makeRuntime(this.scope, state);
    const frame = new (runtime.Frame as NjFrameCtor)() as NjFrame;
    frame.topLevel = true;
    const renderContext = new RenderContext(this.scope.env, context, state);
    let settled = false;
    let failure: unknown;
    let output = '';
    compiled.root(this.scope.env, renderContext, frame, runtime, (err: unknown, res: unknown) => {
      settled = true;
      failure = err;
      output = typeof res === 'string' ? res : '';
    });
    if (failure) throw failure;
    if (!settled) throw new TemplateFault('type', 'the template did not finish rendering');
    if (output.length > this.limits.maxOutputLength) {
      throw new TemplateFault(
        'limit',
        `the output exceeds the limit of ${this.limits.maxOutputLength} characters`,
      );
    }
    return { output, state };
  }
}

/** A sandboxed engine with its own limits and template cache. */
export function createTemplateEngine(options: TemplateEngineOptions = {}): TemplateEngine {
  const merged = { ...DEFAULTS };
  for (const [key, value] of Object.entries(options) as [keyof typeof DEFAULTS, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) {
      throw new NbcError(
        'E_CONFIG',
        `template engine option ${key} must be a positive number, got ${value}`,
        {
          field: key,
        },
      );
    }
    merged[key] = value;
  }
  return new SandboxedEngine(merged);
}

let shared: TemplateEngine | undefined;

/** The process-wide engine with default limits, created on first use. */
export function defaultEngine(): TemplateEngine {
  shared ??= createTemplateEngine();
  return shared;
}
