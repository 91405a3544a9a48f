/**
 * Typed access to the parts of nunjucks 3.2.x that the sandbox builds on: the parser, the AST node
 * classes, the compiler class and the stock runtime helpers. nunjucks documents none of these, and
 * @types/nunjucks types them as `any` or not at all, so this file is the single place where the module
 * is cast to the shapes below. Nothing here is modified: the sandbox subclasses the compiler and
 * builds its own runtime object, so other users of nunjucks in the process are unaffected.
 */
import nunjucks from 'nunjucks';

/** An AST node. `fields` lists the child slots; some nodes carry extra ones (`Set.body`). */
export interface NjNode {
  readonly typename: string;
  readonly fields: readonly string[];
  lineno: number;
  colno: number;
  [key: string]: unknown;
}

export interface NjNodeList extends NjNode {
  children: NjNode[];
}

export type NjNodeCtor = new (lineno: number, colno: number, ...fields: unknown[]) => NjNode;

/** The compile-time scope nunjucks' compiler keeps (name → generated JS variable). */
export interface NjCompileFrame {
  lookup(name: string): string | undefined | null;
  set(name: string, value: string): void;
}

/** The protected compiler API the sandbox compiler overrides or calls. */
export interface NjCompiler {
  buffer: string;
  compile(node: NjNode, frame?: NjCompileFrame): void;
  getCode(): string;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: NjNode, frame: NjCompileFrame): void;
  _compileAggregate(node: NjNode, frame: NjCompileFrame, start?: string, end?: string): void;
}

export type NjCompilerCtor = new (templateName: string, throwOnUndefined: boolean) => NjCompiler;

/** nunjucks' run-time scope class (`runtime.Frame`), subclassed per render to count work. */
export interface NjFrame {
  variables: Record<string, unknown>;
  parent: NjFrame | undefined;
  topLevel: boolean;
  set(name: string, value: unknown, resolveUp?: boolean): void;
  lookup(name: string): unknown;
  push(isolateWrites?: boolean): NjFrame;
  pop(): NjFrame | undefined;
}

export type NjFrameCtor = new (parent?: NjFrame, isolateWrites?: boolean) => NjFrame;

export type NjFunction = (this: unknown, ...args: unknown[]) => unknown;

export interface NjSafeString {
  val: string;
  length: number;
}

/** The stock runtime helpers the sandbox runtime reuses unchanged (they touch no user values' members). */
export interface NjRuntime {
  Frame: NjFrameCtor;
  SafeString: new (val: string) => NjSafeString;
  makeMacro(argNames: string[], kwargNames: string[], func: NjFunction): NjFunction;
  makeKeywordArgs(obj: Record<string, unknown>): Record<string, unknown>;
  numArgs(args: unknown[]): number;
  markSafe(val: unknown): unknown;
  copySafeness(dest: unknown, target: unknown): unknown;
}

export interface NjTemplateError extends Error {
  lineno?: number;
  colno?: number;
}

export interface NjEnvironment {
  opts: { autoescape: boolean; throwOnUndefined: boolean };
  filters: Record<string, NjFunction>;
  tests: Record<string, NjFunction>;
  globals: Record<string, unknown>;
  [key: string]: unknown;
}

interface NunjucksInternals {
  Environment: new (loaders: unknown[], opts: Record<string, unknown>) => NjEnvironment;
  parser: { parse(src: string, extensions?: unknown[], opts?: Record<string, unknown>): NjNodeList };
  nodes: Record<string, NjNodeCtor>;
  compiler: { Compiler: NjCompilerCtor };
  runtime: NjRuntime;
  lib: { TemplateError: new (message: string, lineno?: number, colno?: number) => NjTemplateError };
}

const nj = nunjucks as unknown as NunjucksInternals;

export const Environment = nj.Environment;
export const parse = (src: string): NjNodeList => nj.parser.parse(src, [], {});
export const BaseCompiler = nj.compiler.Compiler;
export const stockRuntime = nj.runtime;
export const TemplateError = nj.lib.TemplateError;

const NodeBase = nj.nodes.Node as NjNodeCtor;

export function isNode(value: unknown): value is NjNode {
  return value instanceof NodeBase;
}

/** Every child node of `node`, including slots outside `fields` (the parser adds `Set.body` that way). */
export function childNodes(node: NjNode): NjNode[] {
  const out: NjNode[] = [];
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (isNode(value)) out.push(value);
    else if (Array.isArray(value)) for (const item of value) if (isNode(item)) out.push(item);
  }
  return out;
}

export function isSafeString(value: unknown): value is NjSafeString {
  return value instanceof (stockRuntime.SafeString as unknown as new (val: string) => NjSafeString);
}
