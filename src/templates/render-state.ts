/**
 * Per-render state: the work/size accounting every guarded helper charges, and the `context` object
 * generated code reads variables from.
 */
import { MISSING } from './data';
import { TemplateFault } from './fault';
import { isSafeString, type NjEnvironment } from './internals';

export interface RenderLimits {
  /** Lookups, calls, loop iterations and outputs, together. */
  readonly maxSteps: number;
  /** Longest rendered output and longest string a template may store in a variable (characters). */
  readonly maxOutputLength: number;
  /** Deepest nesting of macro calls. */
  readonly maxCallDepth: number;
}

/** Per-render accounting. */
export class RenderState {
  steps = 0;
  outputLength = 0;
  callDepth = 0;
  captured = false;
  value: unknown = undefined;
  readonly callables = new WeakSet<object>();
  /** Reading the clock on every step would dominate small renders: look every 256 steps. */
  private nextClockCheck = 256;

  constructor(
    readonly limits: RenderLimits,
    /** Date.now() value after which the render stops at its next check. */
    readonly deadline: number,
    readonly timeLimitMs: number,
  ) {}

  /** Count `cost` units of work (1 per lookup, call, iteration or output; n for an n-item list). */
  step(cost = 1): void {
    this.steps += cost;
    if (this.steps > this.limits.maxSteps) {
      throw new TemplateFault(
        'limit',
        `the template did more than ${this.limits.maxSteps} steps; a loop or recursion is too large`,
      );
    }
    if (this.steps >= this.nextClockCheck) this.checkClock();
  }

  private checkClock(): void {
    this.nextClockCheck = this.steps + 256;
    if (Date.now() > this.deadline) {
      throw new TemplateFault(
        'timeout',
        `rendering took longer than the time limit of ${this.timeLimitMs} ms`,
      );
    }
  }

  checkStored(value: unknown): void {
    const length = typeof value === 'string' ? value.length : isSafeString(value) ? value.val.length : 0;
    if (length > this.limits.maxOutputLength) {
      throw new TemplateFault(
        'limit',
        `a value of ${length} characters exceeds the limit of ${this.limits.maxOutputLength}`,
      );
    }
  }
}

/**
 * The `context` argument of generated code. Variables the caller passed are read lazily, as own data
 * properties only (a getter on the caller's object is never invoked); `{% set %}` at top level writes
 * to an overlay, never to the caller's object.
 */
export class RenderContext {
  private readonly overlay: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

  constructor(
    /** Read by stock filters (`select`, `groupby`, `sort`). */
    readonly env: NjEnvironment,
    private readonly vars: object,
    private readonly state: RenderState,
  ) {}

  /** The variable's value, MISSING when absent; throws for accessors and functions. */
  read(name: string): unknown {
    if (Object.prototype.hasOwnProperty.call(this.overlay, name)) return this.overlay[name];
    const desc = Object.getOwnPropertyDescriptor(this.vars, name);
    if (desc === undefined) return MISSING;
    if (!('value' in desc))
      throw new TemplateFault('forbidden', `variable '${name}' is an accessor, not data`);
    if (typeof desc.value === 'function')
      throw new TemplateFault('forbidden', `variable '${name}' is a function`);
    return desc.value === undefined ? MISSING : desc.value;
  }

  setVariable(name: string, value: unknown): void {
    this.state.checkStored(value);
    this.overlay[name] = value;
  }

  addExport(): void {
    // exports matter only to {% import %}, which the sandbox refuses
  }

  getVariables(): Record<string, unknown> {
    return this.overlay;
  }
}
