/**
 * Which top-level variables a template reads, from nunjucks' own parser (a regex would count
 * `{{ "tasks" }}` or `{{ workflow.tasks }}`). The worker asks `usesVariable(parameters, 'tasks')` to
 * decide whether upstream task outputs must be fetched from Conductor before rendering.
 */
import { isPlainObject } from '../json';
import { isTemplateString } from './engine';
import { isNode, parse, type NjNode } from './internals';

/** Child slots that hold names being bound or called by name, not variable reads. */
function referenceChildren(node: NjNode): NjNode[] {
  const slots: unknown[] = [];
  switch (node.typename) {
    case 'Filter': // name = the filter
      slots.push(node.args);
      break;
    case 'Is': {
      // right = the test name, or a call of it with arguments
      slots.push(node.left);
      const right = node.right as NjNode;
      if (right.typename === 'FunCall') slots.push(right.args);
      break;
    }
    case 'For': // name = the loop variables
      slots.push(node.arr, node.body, node.else_);
      break;
    case 'Set': // targets = the names assigned
      slots.push(node.value, node.body);
      break;
    case 'Macro':
    case 'Caller': // name and argument names are bindings; keyword defaults are expressions
      slots.push(
        ((node.args as NjNode).children as NjNode[]).filter((a) => a.typename !== 'Symbol'),
        node.body,
      );
      break;
    case 'Pair': // a Symbol key in a dict or keyword argument is a literal name
      slots.push((node.key as NjNode).typename === 'Symbol' ? undefined : node.key, node.value);
      break;
    default:
      for (const key of Object.keys(node)) slots.push(node[key]);
  }
  const out: NjNode[] = [];
  for (const slot of slots) {
    if (isNode(slot)) out.push(slot);
    else if (Array.isArray(slot)) for (const item of slot) if (isNode(item)) out.push(item);
  }
  return out;
}

function templateUses(template: string, name: string): boolean {
  let root: NjNode;
  try {
    root = parse(template);
  } catch {
    return true; // unparseable: rendering will report it; answering "maybe" costs at most a fetch
  }
  const stack: NjNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as NjNode;
    if (node.typename === 'Symbol' && node.value === name) return true;
    stack.push(...referenceChildren(node));
  }
  return false;
}

/**
 * Does any template in `value` (a template string, or JSON data whose string leaves containing `{{`
 * or `{%` are templates) read the top-level variable `name`? Conservative: a variable shadowed by a
 * loop or `set` of the same name still counts, and an unparseable template counts.
 */
export function usesVariable(value: unknown, name: string): boolean {
  if (typeof value === 'string') return isTemplateString(value) && templateUses(value, name);
  if (Array.isArray(value)) return value.some((item) => usesVariable(item, name));
  if (isPlainObject(value)) return Object.values(value).some((item) => usesVariable(item, name));
  return false;
}
