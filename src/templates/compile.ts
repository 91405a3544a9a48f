/**
 * Template → JavaScript, through a subclass of nunjucks' compiler. The generated code receives its
 * `runtime` as an argument; the sandbox passes its own guarded runtime (runtime.ts) rather than the
 * stock one, so nothing global is patched. The overrides here:
 *  - variable and attribute lookups carry a description and a position, for "undefined variable
 *    'x' (line 1, column 4)" messages;
 *  - the first argument of `default`/`d` and the subject of `is defined`/`is undefined` are looked up
 *    softly (a missing name yields a marker instead of an error), so strict undefined and `default`
 *    work together;
 *  - filter and test calls go through the runtime (allowlist, error positions), and every name that
 *    reaches generated code is JSON-quoted (stock nunjucks pastes some unescaped);
 *  - output goes through one runtime function that refuses undefined/null/collections, or, for typed
 *    values, hands the single expression's raw value to the runtime.
 */
import { TemplateFault } from './fault';
import {
  BaseCompiler,
  TemplateError,
  type NjCompileFrame,
  type NjFunction,
  type NjNode,
  type NjNodeList,
} from './internals';

const SOFT_FILTERS = new Set(['default', 'd']);
const SOFT_TESTS = new Set(['defined', 'undefined']);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CompiledTemplate {
  /** The generated root function: (env, context, frame, runtime, cb) → void, calling cb synchronously. */
  readonly root: NjFunction;
}

/** A short source-like description of an expression, used in error messages. */
export function describeExpression(node: NjNode): string {
  switch (node.typename) {
    case 'Symbol':
      return String(node.value);
    case 'LookupVal': {
      const target = describeExpression(node.target as NjNode);
      const val = node.val as NjNode;
      if (val.typename === 'Literal' && typeof val.value === 'string') {
        return IDENTIFIER.test(val.value)
          ? `${target}.${val.value}`
          : `${target}[${JSON.stringify(val.value)}]`;
      }
      if (val.typename === 'Literal' && typeof val.value === 'number') return `${target}[${val.value}]`;
      return `${target}[…]`;
    }
    case 'FunCall':
      return `${describeExpression(node.name as NjNode)}(…)`;
    case 'Literal':
      return JSON.stringify(node.value);
    default:
      return '(expression)';
  }
}

const q = (text: string): string => JSON.stringify(text);
const pos = (node: NjNode): string => `${node.lineno + 1}, ${node.colno + 1}`;

class SandboxCompiler extends BaseCompiler {
  /** When set, the template's single output expression is captured as a raw value. */
  captureValue = false;

  compileSymbol(node: NjNode, frame: NjCompileFrame): void {
    this.emitLookup(node, frame, false);
  }

  compileLookupVal(node: NjNode, frame: NjCompileFrame): void {
    this.emitMember(node, frame, false);
  }

  compileFunCall(node: NjNode, frame: NjCompileFrame): void {
    const name = node.name as NjNode;
    this._emit(`(lineno = ${node.lineno}, colno = ${node.colno}, runtime.callWrap(`);
    this._compileExpression(name, frame);
    this._emit(`, ${q(describeExpression(name))}, context, `);
    this._compileAggregate(node.args as NjNode, frame, '[', ']');
    this._emit(`, ${pos(node)}))`);
  }

  compileFilter(node: NjNode, frame: NjCompileFrame): void {
    const name = String((node.name as NjNode).value);
    this._emit(`runtime.callFilter(context, ${q(name)}, ${pos(node)}, [`);
    (node.args as NjNodeList).children.forEach((arg, i) => {
      if (i > 0) this._emit(', ');
      if (i === 0 && SOFT_FILTERS.has(name)) this.compileSoft(arg, frame);
      else this.compile(arg, frame);
    });
    this._emit('])');
  }

  compileIs(node: NjNode, frame: NjCompileFrame): void {
    const right = node.right as NjNode;
    const nameNode = right.typename === 'FunCall' ? (right.name as NjNode) : right;
    const name = String(nameNode.value);
    this._emit(`(runtime.callTest(context, ${q(name)}, ${pos(node)}, [`);
    if (SOFT_TESTS.has(name)) this.compileSoft(node.left as NjNode, frame);
    else this.compile(node.left as NjNode, frame);
    if (right.typename === 'FunCall') {
      for (const arg of (right.args as NjNodeList).children) {
        this._emit(', ');
        this.compile(arg, frame);
      }
    }
    this._emit(']) === true)');
  }

  compileOutput(node: NjNodeList, frame: NjCompileFrame): void {
    for (const child of node.children) {
      if (child.typename === 'TemplateData') {
        if (child.value) this._emitLine(`${this.buffer} += ${q(String(child.value))};`);
        continue;
      }
      this._emit(this.captureValue ? 'runtime.captureValue(' : `${this.buffer} += runtime.suppressValue(`);
      this.compile(child, frame);
      this._emitLine(`, ${pos(child)});`);
    }
  }

  /** Compile an expression whose outermost variable/attribute chain may be missing. */
  private compileSoft(node: NjNode, frame: NjCompileFrame): void {
    if (node.typename === 'Symbol') this.emitLookup(node, frame, true);
    else if (node.typename === 'LookupVal') this.emitMember(node, frame, true);
    else this.compile(node, frame);
  }

  private emitLookup(node: NjNode, frame: NjCompileFrame, soft: boolean): void {
    const name = String(node.value);
    const local = frame.lookup(name);
    if (local) {
      this._emit(local);
      return;
    }
    const fn = soft ? 'softLookup' : 'contextOrFrameLookup';
    this._emit(`runtime.${fn}(context, frame, ${q(name)}, ${pos(node)})`);
  }

  private emitMember(node: NjNode, frame: NjCompileFrame, soft: boolean): void {
    const target = node.target as NjNode;
    this._emit(`runtime.${soft ? 'softMemberLookup' : 'memberLookup'}((`);
    if (soft) this.compileSoft(target, frame);
    else this._compileExpression(target, frame);
    this._emit('), ');
    this._compileExpression(node.val as NjNode, frame);
    this._emit(`, ${q(describeExpression(target))}, ${pos(node)})`);
  }
}

/**
 * The single `{{ expression }}` a template consists of, or undefined when it has anything else
 * (text, tags, several expressions). Whitespace around the expression counts as text.
 */
export function singleExpression(root: NjNodeList): NjNode | undefined {
  if (root.children.length !== 1) return undefined;
  const only = root.children[0] as NjNode;
  if (only.typename !== 'Output') return undefined;
  const children = (only as NjNodeList).children;
  if (children.length !== 1) return undefined;
  const expr = children[0] as NjNode;
  return expr.typename === 'TemplateData' ? undefined : expr;
}

/** Generate and instantiate the code for a validated AST. */
export function compileAst(root: NjNodeList, options: { captureValue: boolean }): CompiledTemplate {
  const compiler = new SandboxCompiler('template', true);
  compiler.captureValue = options.captureValue;
  let code: string;
  try {
    compiler.compile(root);
    code = compiler.getCode();
  } catch (err) {
    throw toFault(err, 'syntax');
  }
  // The same construction nunjucks uses for its own templates; the code only sees its parameters
  // (env, context, frame, runtime, cb) and the guarded runtime behind them.
  const props = new Function(code)() as { root?: unknown };
  if (typeof props.root !== 'function') throw new TemplateFault('syntax', 'the template compiled to no code');
  return { root: props.root as NjFunction };
}

/** Turn a nunjucks TemplateError (parser/compiler) into a TemplateFault with its 1-based position. */
export function toFault(err: unknown, kind: 'syntax'): TemplateFault {
  if (err instanceof TemplateFault) return err;
  if (err instanceof TemplateError || err instanceof Error) {
    const e = err as Error & { lineno?: unknown; colno?: unknown };
    const line = typeof e.lineno === 'number' ? e.lineno : undefined;
    const column = typeof e.colno === 'number' ? e.colno : undefined;
    return new TemplateFault(kind, e.message, line, column);
  }
  return new TemplateFault(kind, String(err));
}
