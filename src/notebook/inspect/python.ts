/**
 * Papermill's Python parameter inference (`PythonTranslator.inspect`), rule for rule, so `nbconductor
 * inspect` agrees with `papermill --help-notebook`: blank and comment lines are skipped; a line with one
 * `=` starts a definition and a line with several is dropped with a warning (so `d = a == 3` and
 * `s = "a=b"` are not parameters, papermill issue #864); continuation lines join the definition with
 * their comments removed except on the last line; each flattened definition is matched against
 * papermill's pattern (name, optional annotation, value, optional `# type: T help` comment).
 */
import { PY_WHITESPACE, pySplitlines, pyStrip } from '../python-text';
import type { InferredParameter } from './types';

// Python's `\w` and `\s` are Unicode-aware; JavaScript's are not, hence the explicit classes.
const W = '\\p{L}\\p{N}_';
const S = PY_WHITESPACE;
const PARAMETER_PATTERN = new RegExp(
  `^(?<target>[${W}][${W}]*)[${S}]*` +
    `(:[${S}]*["']?(?<annotation>[${W}][${W}\\[\\],${S}]*)["']?[${S}]*)?` +
    `=[${S}]*(?<value>.*?)` +
    `([${S}]*#[${S}]*(type:[${S}]*(?<typeComment>[^${S}]*)[${S}]*)?(?<help>.*))?$`,
  'u',
);

/** Joins a multi-line definition: comments dropped from all lines but the last, every line stripped. */
function flatten(lines: string[]): string {
  let flat = '';
  lines.forEach((line, i) => {
    if (i === lines.length - 1) flat += pyStrip(line);
    else flat += pyStrip(line.includes('#') ? line.slice(0, line.indexOf('#')) : line);
  });
  return flat;
}

export function inspectPython(source: string, warnings: string[]): InferredParameter[] {
  const groups: string[] = [];
  let accumulator: string[] = [];
  pySplitlines(source).forEach((line, index) => {
    const stripped = pyStrip(line);
    if (stripped.length === 0 || stripped.startsWith('#')) return;
    const equals = line.split('=').length - 1;
    if (equals > 0) {
      groups.push(flatten(accumulator));
      accumulator = [];
      if (equals > 1) {
        warnings.push(`Unable to parse line ${index + 1} '${line}'.`);
        return;
      }
    }
    accumulator.push(line);
  });
  groups.push(flatten(accumulator));

  const params: InferredParameter[] = [];
  for (const definition of groups) {
    if (definition.length === 0) continue;
    const g = PARAMETER_PATTERN.exec(definition)?.groups;
    if (!g || g.target === undefined) continue;
    params.push({
      name: pyStrip(g.target),
      inferredType: pyStrip(g.annotation || g.typeComment || 'None'),
      default: pyStrip(g.value ?? ''),
      help: pyStrip(g.help ?? ''),
    });
  }
  return params;
}
