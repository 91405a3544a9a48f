/**
 * The compiled form of a JsonPath: tokens of a path, and the expression tree of a `[?(…)]` filter. Kept
 * apart from the compilers, which call each other (a filter holds paths; a path holds filters).
 */
import type { JsonValue } from '../../../json';

export type PathToken =
  | { readonly type: 'property'; readonly names: readonly string[] }
  | { readonly type: 'index'; readonly indexes: readonly number[] }
  | { readonly type: 'slice'; readonly from: number | null; readonly to: number | null }
  | { readonly type: 'wildcard' }
  | { readonly type: 'scan' }
  | { readonly type: 'filter'; readonly filter: FilterNode }
  | { readonly type: 'function'; readonly name: string; readonly args: readonly FunctionArg[] };

export type FunctionArg =
  { readonly kind: 'json'; readonly text: string } | { readonly kind: 'path'; readonly path: CompiledPath };

export interface CompiledPath {
  /** `$` (the document) or `@` (the current item, inside filters). */
  readonly root: '$' | '@';
  readonly tokens: readonly PathToken[];
}

export type RelationalOperator =
  | '=='
  | '!='
  | '==='
  | '!=='
  | '<'
  | '<='
  | '>'
  | '>='
  | '=~'
  | 'IN'
  | 'NIN'
  | 'CONTAINS'
  | 'ALL'
  | 'SIZE'
  | 'EMPTY'
  | 'SUBSETOF'
  | 'ANYOF'
  | 'NONEOF'
  | 'TYPE'
  | 'MATCHES';

export type FilterValue =
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'null' }
  | { readonly t: 'json'; readonly v: JsonValue }
  | { readonly t: 'regex'; readonly re: RegExp }
  | { readonly t: 'undefined' };

export type Operand =
  | { readonly kind: 'path'; readonly path: CompiledPath; readonly negated: boolean }
  | { readonly kind: 'literal'; readonly value: FilterValue };

export type FilterNode =
  | { readonly kind: 'or' | 'and'; readonly ops: readonly FilterNode[] }
  | { readonly kind: 'not'; readonly op: FilterNode }
  | { readonly kind: 'exists'; readonly path: CompiledPath; readonly shouldExist: boolean }
  | {
      readonly kind: 'compare';
      readonly left: Operand;
      readonly op: RelationalOperator;
      readonly right: Operand;
    };
