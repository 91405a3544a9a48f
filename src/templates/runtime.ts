/**
 * The guarded runtime handed to generated template code, one per render. It replaces every stock
 * helper that touches user values (variable and attribute lookup, calls, output, `in`, loops) with a
 * version that enforces the data-only rules of data.ts, and counts work so that a large loop or deep
 * recursion fails cleanly within the limits. Stock helpers that only shuffle arguments are reused.
 */
import { isPlainObject } from '../json';
import { MISSING, describeType, isDataValue, outputString, readMember } from './data';
import { TemplateFault } from './fault';
import {
  isSafeString,
  stockRuntime,
  type NjEnvironment,
  type NjFrame,
  type NjFrameCtor,
  type NjFunction,
} from './internals';
import type { RenderContext, RenderState } from './render-state';

/** What an engine shares between renders: its filters, tests and callable globals. */
export interface EngineScope {
  readonly env: NjEnvironment;
  readonly filters: Readonly<Record<string, NjFunction>>;
  readonly tests: Readonly<Record<string, NjFunction>>;
  readonly globals: Readonly<Record<string, unknown>>;
  /** Functions templates may call (the globals); macros are added per render. */
  readonly callables: WeakSet<object>;
}

function positioned(err: unknown, line: number, column: number): TemplateFault {
  if (err instanceof TemplateFault) return err.at(line, column);
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new TemplateFault('limit', 'recursion is too deep', line, column);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TemplateFault('type', message, line, column);
}

function lookupVariable(scope: EngineScope, context: RenderContext, frame: NjFrame, name: string): unknown {
  const local = frame.lookup(name);
  if (local !== undefined) return local;
  const value = context.read(name);
  if (value !== MISSING) return value;
  return Object.prototype.hasOwnProperty.call(scope.globals, name) ? scope.globals[name] : MISSING;
}

function missingMember(obj: unknown, key: unknown, desc: string): TemplateFault {
  if (Array.isArray(obj) || typeof obj === 'string') {
    if (typeof key === 'number' || /^[0-9]+$/.test(String(key))) {
      return new TemplateFault(
        'undefined',
        `index ${String(key)} is out of range for '${desc}' (length ${obj.length})`,
      );
    }
    return new TemplateFault(
      'undefined',
      `'${desc}' (${describeType(obj)}) has no attribute '${String(key)}' (for string and list operations use filters, e.g. | upper, | length)`,
    );
  }
  return new TemplateFault('undefined', `'${desc}' has no attribute '${String(key)}'`);
}

function iterable(value: unknown): unknown {
  if (Array.isArray(value) || typeof value === 'string' || isPlainObject(value)) return value;
  if (isSafeString(value)) return value.val;
  throw new TemplateFault('type', `cannot loop over ${describeType(value)}`);
}

function contains(key: unknown, container: unknown): boolean {
  if (Array.isArray(container)) return container.includes(key);
  if (typeof container === 'string' || isSafeString(container)) {
    const text = typeof container === 'string' ? container : container.val;
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw new TemplateFault('type', `'in' a string needs a string on the left, not ${describeType(key)}`);
    }
    return text.includes(String(key));
  }
  if (isPlainObject(container)) {
    return (
      (typeof key === 'string' || typeof key === 'number') &&
      Object.prototype.hasOwnProperty.call(container, key)
    );
  }
  throw new TemplateFault(
    'type',
    `'in' needs a list, string or object on the right, not ${describeType(container)}`,
  );
}

/** Build the runtime object for one render. */
export function makeRuntime(scope: EngineScope, state: RenderState): Record<string, unknown> {
  const BaseFrame: NjFrameCtor = stockRuntime.Frame;

  class BudgetFrame extends BaseFrame {
    constructor(parent?: NjFrame, isolateWrites?: boolean) {
      super(parent, isolateWrites);
      state.step();
    }
    override set(name: string, value: unknown, resolveUp?: boolean): void {
      state.step();
      state.checkStored(value);
      super.set(name, value, resolveUp);
    }
    override push(isolateWrites?: boolean): NjFrame {
      return new BudgetFrame(this, isolateWrites);
    }
  }

  /** Lists cost one step per item; strings may not exceed the output limit. */
  const chargeResult = (result: unknown, line: number, column: number): void => {
    try {
      if (Array.isArray(result)) state.step(result.length);
      else state.checkStored(result);
    } catch (err) {
      throw positioned(err, line, column);
    }
  };

  const callChecked = (kind: 'filter' | 'test', table: Readonly<Record<string, NjFunction>>) =>
    function (context: RenderContext, name: string, line: number, column: number, args: unknown[]): unknown {
      state.step();
      const fn = Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
      if (fn === undefined) throw new TemplateFault('refused', `unknown ${kind} '${name}'`, line, column);
      let result: unknown;
      try {
        result = fn.apply(context, args);
      } catch (err) {
        const fault = positioned(err, line, column);
        if (!fault.message.startsWith(`${name}:`)) fault.message = `${name}: ${fault.message}`;
        throw fault;
      }
      if (!isDataValue(result)) {
        throw new TemplateFault(
          'forbidden',
          `${kind} '${name}' returned ${describeType(result)}`,
          line,
          column,
        );
      }
      chargeResult(result, line, column);
      return result;
    };

  return {
    Frame: BudgetFrame,
    SafeString: stockRuntime.SafeString,
    makeKeywordArgs: stockRuntime.makeKeywordArgs,
    numArgs: stockRuntime.numArgs,
    markSafe: stockRuntime.markSafe,
    copySafeness: stockRuntime.copySafeness,
    isArray: Array.isArray,
    keys: (obj: unknown): string[] => (isPlainObject(obj) ? Object.keys(obj) : []),
    fromIterator: iterable,
    inOperator: contains,

    makeMacro(argNames: string[], kwargNames: string[], func: NjFunction): NjFunction {
      const macro = stockRuntime.makeMacro(argNames, kwargNames, func);
      state.callables.add(macro);
      return macro;
    },

    contextOrFrameLookup(context: RenderContext, frame: NjFrame, name: string, line: number, column: number) {
      state.step();
      let value: unknown;
      try {
        value = lookupVariable(scope, context, frame, name);
      } catch (err) {
        throw positioned(err, line, column);
      }
      if (value === MISSING)
        throw new TemplateFault('undefined', `undefined variable '${name}'`, line, column);
      return value;
    },

    softLookup(context: RenderContext, frame: NjFrame, name: string, line: number, column: number) {
      state.step();
      try {
        return lookupVariable(scope, context, frame, name);
      } catch (err) {
        throw positioned(err, line, column);
      }
    },

    memberLookup(obj: unknown, key: unknown, desc: string, line: number, column: number) {
      state.step();
      if (obj === null || obj === undefined) {
        throw new TemplateFault(
          'undefined',
          `'${desc}' is ${describeType(obj)}; cannot read '${String(key)}'`,
          line,
          column,
        );
      }
      let value: unknown;
      try {
        value = readMember(obj, key);
      } catch (err) {
        throw positioned(err, line, column);
      }
      if (value === MISSING) throw missingMember(obj, key, desc).at(line, column);
      return value;
    },

    softMemberLookup(obj: unknown, key: unknown, _desc: string, line: number, column: number) {
      state.step();
      if (obj === MISSING || obj === null || obj === undefined) return MISSING;
      try {
        return readMember(obj, key);
      } catch (err) {
        throw positioned(err, line, column);
      }
    },

    callWrap(
      fn: unknown,
      name: string,
      context: RenderContext,
      args: unknown[],
      line: number,
      column: number,
    ) {
      state.step();
      if (typeof fn !== 'function') {
        throw new TemplateFault(
          'type',
          `'${name}' is not callable (it is ${describeType(fn)})`,
          line,
          column,
        );
      }
      if (!scope.callables.has(fn) && !state.callables.has(fn)) {
        throw new TemplateFault('forbidden', `'${name}' cannot be called in a template`, line, column);
      }
      if (state.callDepth >= state.limits.maxCallDepth) {
        throw new TemplateFault(
          'limit',
          `macro calls nested deeper than ${state.limits.maxCallDepth}`,
          line,
          column,
        );
      }
      state.callDepth += 1;
      let result: unknown;
      try {
        result = (fn as NjFunction).apply(context, args);
      } finally {
        state.callDepth -= 1;
      }
      chargeResult(result, line, column);
      return result;
    },

    callFilter: callChecked('filter', scope.filters),
    callTest: callChecked('test', scope.tests),

    suppressValue(value: unknown, line: number, column: number): string {
      state.step();
      let text: string;
      try {
        text = outputString(value);
      } catch (err) {
        throw positioned(err, line, column);
      }
      state.outputLength += text.length;
      if (state.outputLength > state.limits.maxOutputLength) {
        throw new TemplateFault(
          'limit',
          `the output exceeds the limit of ${state.limits.maxOutputLength} characters`,
          line,
          column,
        );
      }
      return text;
    },

    captureValue(value: unknown): void {
      state.captured = true;
      state.value = value;
    },

    handleError(err: unknown, lineno: number, colno: number): TemplateFault {
      return positioned(err, lineno + 1, colno + 1);
    },

    asyncEach(): never {
      throw new TemplateFault('refused', 'asynchronous loops are not available');
    },
    asyncAll(): never {
      throw new TemplateFault('refused', 'asynchronous loops are not available');
    },
  };
}
