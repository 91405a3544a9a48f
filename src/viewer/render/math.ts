/**
 * Math in Markdown, as Jupyter shows it: `$…$`, `$$…$$`, `\(…\)`, `\[…\]` and bare `\begin{env}…\end{env}`
 * are lifted out of the source before Markdown parsing (so Markdown cannot mangle the TeX: `\\`, `_`, `*`),
 * replaced by placeholders, and put back typeset by KaTeX on the server. Code spans and fenced code keep
 * their dollars. Inline `$` follows pandoc's rule (no space inside the delimiters, no digit right after the
 * closing one) so that "$5 and $10" stays text.
 */
import { randomBytes } from 'node:crypto';

import { escapeHtml } from './html';

export interface MathSegment {
  tex: string;
  display: boolean;
}

export interface ExtractedMath {
  /** The source with each math segment replaced by a placeholder. */
  text: string;
  math: MathSegment[];
  /** Placeholders look like `<token><index>z`. */
  token: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

function findClosing(src: string, from: number, close: string, stopAtBlankLine: boolean): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '\\' && close !== '\\)' && close !== '\\]' && !close.startsWith('\\end')) {
      i++; // an escaped character never closes ($ in \$)
      continue;
    }
    if (stopAtBlankLine && c === '\n' && /^\n[ \t]*\n/.test(src.slice(i, i + 64))) return -1;
    if (src.startsWith(close, i)) return i;
  }
  return -1;
}

/** The index just past a `\end{name}` matching the `\begin{name}` at `start` (nesting counted), or -1. */
function findEnvEnd(src: string, start: number, name: string): number {
  const open = `\\begin{${name}}`;
  const close = `\\end{${name}}`;
  let depth = 0;
  for (let i = start; i < src.length; i++) {
    if (src.startsWith(open, i)) {
      depth++;
      i += open.length - 1;
    } else if (src.startsWith(close, i)) {
      depth--;
      if (depth === 0) return i + close.length;
      i += close.length - 1;
    }
  }
  return -1;
}

export function extractMath(src: string): ExtractedMath {
  const token = `mathph${randomBytes(4).toString('hex')}n`;
  const math: MathSegment[] = [];
  let out = '';
  let i = 0;
  let lineStart = true;
  const put = (tex: string, display: boolean): void => {
    out += `${token}${math.length}z`;
    math.push({ tex, display });
  };
  while (i < src.length) {
    if (lineStart) {
      const line = src.slice(i, src.indexOf('\n', i) < 0 ? src.length : src.indexOf('\n', i));
      const fence = FENCE.exec(line);
      if (fence?.[1] !== undefined) {
        // Copy the fenced block verbatim, up to and including its closing fence (or the end).
        const marker = fence[1];
        let j = i + line.length + 1;
        for (;;) {
          if (j >= src.length) break;
          const nl = src.indexOf('\n', j);
          const next = src.slice(j, nl < 0 ? src.length : nl);
          j = nl < 0 ? src.length : nl + 1;
          if (new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`).test(next)) break;
        }
        out += src.slice(i, j);
        i = j;
        continue;
      }
    }
    const c = src[i] as string;
    lineStart = c === '\n';
    if (c === '`') {
      let n = 1;
      while (src[i + n] === '`') n++;
      const ticks = '`'.repeat(n);
      const end = src.indexOf(ticks, i + n);
      if (end < 0) {
        out += ticks;
        i += n;
        continue;
      }
      out += src.slice(i, end + n);
      i = end + n;
      continue;
    }
    if (c === '\\') {
      const next = src[i + 1];
      if (next === '(' || next === '[') {
        const close = next === '(' ? '\\)' : '\\]';
        const end = findClosing(src, i + 2, close, false);
        if (end >= 0) {
          put(src.slice(i + 2, end), next === '[');
          i = end + 2;
          continue;
        }
      }
      const env = /^\\begin\{([a-zA-Z*]+)\}/.exec(src.slice(i, i + 40));
      if (env?.[1] !== undefined) {
        const end = findEnvEnd(src, i, env[1]);
        if (end >= 0) {
          put(src.slice(i, end), true);
          i = end;
          continue;
        }
      }
      out += src.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '$') {
      if (src[i + 1] === '$') {
        const end = findClosing(src, i + 2, '$$', false);
        if (end >= 0) {
          put(src.slice(i + 2, end), true);
          i = end + 2;
          continue;
        }
      } else {
        const first = src[i + 1];
        if (first !== undefined && !/\s/.test(first)) {
          const end = findClosing(src, i + 1, '$', true);
          const before = src[end - 1];
          const after = src[end + 1];
          if (end > i + 1 && before !== undefined && !/\s/.test(before) && !/[0-9]/.test(after ?? '')) {
            put(src.slice(i + 1, end), false);
            i = end + 1;
            continue;
          }
        }
      }
    }
    out += c;
    i++;
  }
  return { text: out, math, token };
}

/** `html` with every placeholder replaced by `render(segment)` (placeholders Markdown escaped stay). */
export function restoreMath(
  html: string,
  extracted: ExtractedMath,
  render: (segment: MathSegment) => string,
): string {
  if (extracted.math.length === 0) return html;
  return html.replace(new RegExp(`${extracted.token}(\\d+)z`, 'g'), (whole, n: string) => {
    const seg = extracted.math[Number(n)];
    return seg ? render(seg) : whole;
  });
}

type Katex = typeof import('katex');
let katex: Katex | undefined;
const rendered = new Map<string, string>();
const MAX_CACHED = 2000;
let typesetCount = 0;

/** How many formulas have been typeset so far (a document needs KaTeX's stylesheet if this grew). */
export function formulasTypeset(): number {
  return typesetCount;
}

/** TeX typeset by KaTeX; TeX it cannot typeset is shown as its source (never an exception). */
export function typeset(tex: string, display: boolean): string {
  typesetCount++;
  const key = `${display ? 'D' : 'I'}${tex}`;
  const hit = rendered.get(key);
  if (hit !== undefined) return hit;
  // MathJax extension loading means nothing to KaTeX.
  const source = tex.replace(/\\require\{[^}]*\}/g, '');
  let html: string;
  try {
    katex ??= require('katex') as Katex;
    html = katex.renderToString(source, {
      displayMode: display,
      throwOnError: false,
      strict: 'ignore',
      trust: false,
      maxExpand: 1000,
      maxSize: 50,
    });
  } catch {
    const delim = display ? '$$' : '$';
    html = `<code class="math-error">${escapeHtml(`${delim}${tex}${delim}`)}</code>`;
  }
  if (rendered.size >= MAX_CACHED) rendered.delete(rendered.keys().next().value as string);
  rendered.set(key, html);
  return html;
}
