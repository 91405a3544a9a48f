/**
 * Finds second copies of the shared JSON vocabulary (src/json.ts) in a TypeScript source tree: JSON value
 * types declared elsewhere (by name, or as a union of JSON's primitives), and plain-object guards (named, or
 * written inline as `typeof x === 'object' … Array.isArray(x)` or as a prototype comparison). For the
 * code-health test that keeps one JSON type and one guard across modules.
 */
import fs from 'node:fs';
import path from 'node:path';

import { sourceFiles } from './import-graph';

export interface JsonTwin {
  /** Path relative to the scanned root, with `/` separators. */
  file: string;
  line: number;
  what: string;
}

interface Rule {
  what: string;
  pattern: RegExp;
}

/** The start of a declaration (not an `import { type X }` specifier). */
const DECLARE = String.raw`^[ \t]*(?:export\s+)?(?:declare\s+)?`;

const JSON_PRIMITIVES = ['null', 'boolean', 'number', 'string'];

const RULES: Rule[] = [
  {
    what: 'a JSON type',
    pattern: new RegExp(`${DECLARE}(?:type|interface)\\s+(\\w*json\\w*)\\s*(?:[=<{]|extends)`, 'gim'),
  },
  {
    what: 'a plain-object guard',
    pattern: /\bfunction\s+(isPlain\w*|is(?:Json|JSON)?(?:Object|Record|Dict|Map))\s*[(<]/g,
  },
  {
    what: 'an inline plain-object check',
    pattern:
      /typeof\s+([\w.$]+)\s*[!=]==?\s*'object'[^;{}]{0,160}?Array\.isArray\(\s*\1\s*\)|Array\.isArray\(\s*([\w.$]+)\s*\)[^;{}]{0,160}?typeof\s+\2\s*[!=]==?\s*'object'/g,
  },
  { what: 'a prototype check for plain objects', pattern: /[!=]==?\s*Object\.prototype\b/g },
];

/** Notebook parameter values are JSON plus `FloatValue` (papermill tells `1` from `1.0`): not JSON. */
const NOT_JSON_UNIONS: ReadonlySet<string> = new Set(['ParamValue']);

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** `type X = null | boolean | number | string | …` (in any order): a JSON value type by another name. */
function jsonUnions(text: string): { index: number; name: string }[] {
  const out: { index: number; name: string }[] = [];
  for (const m of text.matchAll(new RegExp(`${DECLARE}type\\s+(\\w+)(?:<[^>]*>)?\\s*=([^;]*);`, 'gm'))) {
    const members = new Set((m[2] as string).split('|').map((s) => s.trim()));
    const name = m[1] as string;
    if (JSON_PRIMITIVES.every((p) => members.has(p)) && !NOT_JSON_UNIONS.has(name))
      out.push({ index: m.index, name });
  }
  return out;
}

/** Every JSON type or plain-object guard declared in `root` outside `shared` (a path relative to root). */
export function jsonTwins(root: string, shared: string): JsonTwin[] {
  const twins: JsonTwin[] = [];
  for (const full of sourceFiles(root)) {
    const file = path.relative(root, full).split(path.sep).join('/');
    if (file === shared) continue;
    const text = fs.readFileSync(full, 'utf8');
    for (const rule of RULES) {
      for (const m of text.matchAll(rule.pattern)) {
        const name = m[1] ?? m[2];
        twins.push({ file, line: lineOf(text, m.index), what: `${rule.what}${name ? ` (${name})` : ''}` });
      }
    }
    for (const u of jsonUnions(text))
      twins.push({ file, line: lineOf(text, u.index), what: `a JSON value union (${u.name})` });
  }
  return twins.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
