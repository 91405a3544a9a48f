/**
 * Parameter inference for R `parameters` cells (papermill has none): `name <- value`, `name <<- value`
 * and `name = value` at the start of a line, a value that may span lines while brackets or a string
 * are open, and a trailing `# help` comment (optionally `# type: T help`, as for Python). Without a
 * `# type:` comment the type is read off the literal (character, logical, integer, numeric, NULL),
 * else "None". Leading underscores are not legal in R names; lines that are not assignments are skipped.
 */
import { pySplitlines } from '../python-text';
import type { InferredParameter } from './types';

const START = /^\s*(?<name>[\p{L}.][\p{L}\p{N}._]*|`[^`]+`)\s*(?:<<-|<-|=(?!=))\s*(?<rest>.*)$/u;
const TYPE_COMMENT = /^type:\s*(?<type>\S*)\s*(?<help>.*)$/;

interface ScanState {
  quote: string | null;
  depth: number;
}

/** Advances the bracket/string state over one line; returns where a comment starts, or -1. */
function scanLine(line: string, state: ScanState): number {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (state.quote !== null) {
      if (c === '\\') i++;
      else if (c === state.quote) state.quote = null;
    } else if (c === '#') {
      return i;
    } else if (c === '"' || c === "'" || c === '`') {
      state.quote = c;
    } else if (c === '(' || c === '[' || c === '{') {
      state.depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      state.depth = Math.max(0, state.depth - 1);
    }
  }
  return -1;
}

function literalType(value: string): string {
  if (/^(["']).*\1$/s.test(value)) return 'character';
  if (/^(TRUE|FALSE|T|F)$/.test(value)) return 'logical';
  if (value === 'NULL') return 'NULL';
  if (/^[-+]?\d+L$/.test(value)) return 'integer';
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-?(Inf|NaN)$/.test(value)) return 'numeric';
  return 'None';
}

export function inspectR(source: string): InferredParameter[] {
  const params: InferredParameter[] = [];
  let current: { name: string; code: string; help: string } | undefined;
  const state: ScanState = { quote: null, depth: 0 };
  // A definition continues while a bracket or string is open, or the line ends in an operator or comma.
  let continues = false;

  const finish = (): void => {
    if (!current) return;
    const typed = TYPE_COMMENT.exec(current.help)?.groups;
    params.push({
      name: current.name.replace(/^`|`$/g, ''),
      inferredType: typed?.type || literalType(current.code),
      default: current.code,
      help: typed ? (typed.help ?? '').trim() : current.help,
    });
    current = undefined;
  };

  for (const line of pySplitlines(source)) {
    if (!continues) {
      finish();
      const m = START.exec(line)?.groups;
      if (!m || m.name === undefined) continue;
      current = { name: m.name, code: '', help: '' };
      state.quote = null;
      state.depth = 0;
      const rest = m.rest ?? '';
      addLine(current, rest, scanLine(rest, state));
    } else if (current) {
      addLine(current, line, scanLine(line, state));
    }
    continues = state.quote !== null || state.depth > 0 || /[-+*/^,|&<>=~]$/.test(current?.code ?? '');
  }
  finish();
  return params;
}

function addLine(def: { code: string; help: string }, line: string, commentAt: number): void {
  const code = (commentAt >= 0 ? line.slice(0, commentAt) : line).trim();
  def.code += code;
  def.help = commentAt >= 0 ? line.slice(commentAt + 1).trim() : '';
}
