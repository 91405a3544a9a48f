/**
 * Static checks on a parsed template, before any code is generated. nunjucks pastes names from the
 * template (variables, filters, tests, macro arguments) into the JavaScript it generates without
 * escaping them, so a "name" such as a"&Function`…```&" runs code at render time in stock nunjucks.
 * Here every name must be a plain identifier, and only the node types the sandbox compiles and guards
 * are accepted: no template loading, no async tags, no extensions, no regular-expression literals.
 */
import { TemplateFault } from './fault';
import { childNodes, isNode, type NjNode } from './internals';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const ALLOWED = new Set([
  'Root',
  'NodeList',
  'Output',
  'TemplateData',
  'Literal',
  'Symbol',
  'Group',
  'Array',
  'Pair',
  'Dict',
  'LookupVal',
  'FunCall',
  'Filter',
  'KeywordArgs',
  'Compare',
  'CompareOperand',
  'InlineIf',
  'In',
  'Is',
  'Not',
  'And',
  'Or',
  'Add',
  'Concat',
  'Sub',
  'Mul',
  'Div',
  'FloorDiv',
  'Mod',
  'Pow',
  'Neg',
  'Pos',
  'If',
  'For',
  'Set',
  'Capture',
  'Macro',
  'Caller',
  'Switch',
  'Case',
]);

const NO_LOADING = 'templates cannot load other templates (no file system access)';

const REFUSED: Record<string, string> = {
  Include: `{% include %} is not available: ${NO_LOADING}`,
  Import: `{% import %} is not available: ${NO_LOADING}`,
  FromImport: `{% from … import %} is not available: ${NO_LOADING}`,
  Extends: `{% extends %} is not available: ${NO_LOADING}`,
  Block: '{% block %} is not available (there is no template inheritance)',
  Super: 'super() is not available (there is no template inheritance)',
  IfAsync: '{% ifAsync %} is not available (templates render synchronously)',
  AsyncEach: '{% asyncEach %} is not available (templates render synchronously)',
  AsyncAll: '{% asyncAll %} is not available (templates render synchronously)',
  FilterAsync: 'asynchronous filters are not available',
  CallExtension: 'template extensions are not available',
  CallExtensionAsync: 'template extensions are not available',
};

export interface KnownNames {
  readonly filters: ReadonlySet<string>;
  readonly tests: ReadonlySet<string>;
}

function refuse(node: NjNode, message: string): TemplateFault {
  return new TemplateFault('refused', message, node.lineno + 1, node.colno + 1);
}

function checkName(node: NjNode, what: string): string {
  const name = node.value;
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw refuse(
      node,
      `${what} ${JSON.stringify(String(name))} is not a valid name (letters, digits and _ only)`,
    );
  }
  if (name.startsWith('__'))
    throw refuse(node, `${what} '${name}' is reserved (names may not start with __)`);
  return name;
}

/**
 * Where nunjucks expects a name it also accepts a string literal, and pastes it into generated code
 * unescaped (`{% set "x\"+f()+\"" = 1 %}` runs f in stock nunjucks). Require an actual name there.
 */
function requireName(node: NjNode, what: string): void {
  if (node.typename !== 'Symbol')
    throw refuse(node, `${what} must be a plain name, not ${node.typename.toLowerCase()}`);
}

function checkLiteral(node: NjNode): void {
  const value = node.value;
  if (value instanceof RegExp) throw refuse(node, 'regular expression literals (r/…/) are not allowed');
  if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
    throw refuse(node, `unsupported literal ${String(value)}`);
  }
}

function checkPairKey(pair: NjNode): void {
  const key = pair.key;
  if (!isNode(key)) return;
  if (key.typename === 'Symbol') checkName(key, 'key');
  else if (key.typename === 'Literal' && key.value === '__proto__')
    throw refuse(key, "the key '__proto__' is not allowed");
}

function testName(node: NjNode): NjNode | undefined {
  const right = node.right;
  if (!isNode(right)) return undefined;
  if (right.typename === 'Symbol') return right;
  if (right.typename === 'FunCall' && isNode(right.name) && right.name.typename === 'Symbol')
    return right.name;
  return undefined;
}

function checkNode(node: NjNode, known: KnownNames): void {
  const type = node.typename;
  const refused = REFUSED[type];
  if (refused !== undefined) throw refuse(node, refused);
  if (!ALLOWED.has(type)) throw refuse(node, `the construct ${type} is not available`);
  switch (type) {
    case 'Symbol':
      checkName(node, 'the name');
      break;
    case 'Literal':
      checkLiteral(node);
      break;
    case 'Pair':
      checkPairKey(node);
      break;
    case 'Filter': {
      const name = checkName(node.name as NjNode, 'the filter');
      if (!known.filters.has(name)) throw refuse(node.name as NjNode, `unknown filter '${name}'`);
      break;
    }
    case 'Is': {
      const nameNode = testName(node);
      if (nameNode === undefined) throw refuse(node, "the right side of 'is' must be a test name");
      const name = checkName(nameNode, 'the test');
      if (!known.tests.has(name)) throw refuse(nameNode, `unknown test '${name}'`);
      break;
    }
    case 'Set':
      if (node.value === null && !isNode(node.body)) throw refuse(node, '{% set %} needs a value');
      for (const target of node.targets as NjNode[]) requireName(target, 'a {% set %} target');
      break;
    case 'For': {
      const name = node.name as NjNode;
      if (name.typename === 'Array')
        for (const item of name.children as NjNode[]) requireName(item, 'a loop variable');
      else requireName(name, 'a loop variable');
      break;
    }
    case 'Macro':
    case 'Caller':
      requireName(node.name as NjNode, 'a macro name');
      for (const arg of (node.args as NjNode).children as NjNode[]) {
        if (arg.typename === 'Dict' || arg.typename === 'KeywordArgs') {
          for (const pair of arg.children as NjNode[]) requireName(pair.key as NjNode, 'a macro argument');
        } else requireName(arg, 'a macro argument');
      }
      break;
  }
}

/** Throw a TemplateFault ('refused', with a position) for the first construct the sandbox rejects. */
export function validateTemplate(root: NjNode, known: KnownNames): void {
  const stack: NjNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as NjNode;
    checkNode(node, known);
    stack.push(...childNodes(node));
  }
}
