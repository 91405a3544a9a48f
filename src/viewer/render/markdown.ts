/**
 * Markdown cells and `text/markdown` outputs: markdown-it (CommonMark + GFM tables, raw HTML kept, since the
 * document is sandboxed) with math typeset by KaTeX and code highlighted. Images resolve to `data:` URIs:
 * `attachment:name` from the cell's attachments, relative paths from the `images` map the caller loaded
 * (the sandboxed document may load nothing else).
 */
import type MarkdownItModule from 'markdown-it';

type MarkdownIt = MarkdownItModule.MarkdownIt;
type Token = MarkdownItModule.Token;

import { highlightCode } from './highlight';
import { escapeHtml, joinText } from './html';
import { extractMath, restoreMath, typeset } from './math';

export interface MarkdownContext {
  /** The cell's `attachments` (name → mime bundle). */
  attachments?: unknown;
  /** Relative image paths (as written in the Markdown) → data: URI. */
  images?: ReadonlyMap<string, string>;
}

type Env = MarkdownItModule.Env;

function contextOf(env: Env | undefined): MarkdownContext {
  const ctx = (env as { ctx?: MarkdownContext } | undefined)?.ctx;
  return ctx ?? {};
}

function attr(token: Token | undefined, name: string): string {
  const v = token?.attrGet(name);
  return typeof v === 'string' ? v : '';
}

let md: MarkdownIt | undefined;

function attachmentUri(attachments: unknown, name: string): string | undefined {
  if (typeof attachments !== 'object' || attachments === null) return undefined;
  const bundle = (attachments as Record<string, unknown>)[name];
  if (typeof bundle !== 'object' || bundle === null) return undefined;
  for (const [mime, data] of Object.entries(bundle as Record<string, unknown>)) {
    if (!mime.startsWith('image/')) continue;
    const text = joinText(data).replace(/\s+/g, '');
    if (mime === 'image/svg+xml' && !/^[A-Za-z0-9+/=]+$/.test(text)) {
      return `data:image/svg+xml;base64,${Buffer.from(joinText(data)).toString('base64')}`;
    }
    return `data:${mime};base64,${text}`;
  }
  return undefined;
}

function parser(): MarkdownIt {
  if (md) return md;
  const MarkdownItCtor = require('markdown-it') as typeof import('markdown-it');
  const m = new MarkdownItCtor({
    html: true,
    linkify: true,
    highlight: (code, lang) => `<pre class="hljs"><code>${highlightCode(code, lang)}</code></pre>`,
  });
  const defaultImage = m.renderer.rules.image;
  m.renderer.rules.image = (tokens, idx, options, env: Env | undefined, self) => {
    const token = tokens[idx];
    const src = attr(token, 'src');
    let resolved: string | undefined;
    if (src.startsWith('attachment:')) resolved = attachmentUri(contextOf(env).attachments, src.slice(11));
    else resolved = contextOf(env).images?.get(src);
    if (resolved !== undefined) token?.attrSet('src', resolved);
    return defaultImage
      ? defaultImage(tokens, idx, options, env, self)
      : self.renderToken(tokens, idx, options);
  };
  md = m;
  return m;
}

/** Image sources in Markdown that need loading (relative paths; not attachments, data: or absolute URLs). */
export function relativeImageSources(source: string): string[] {
  const found = new Set<string>();
  const walk = (tokens: Token[]): void => {
    for (const t of tokens) {
      if (t.type === 'image') {
        const src = attr(t, 'src');
        if (src !== '' && !/^([a-z][a-z0-9+.-]*:|\/\/|#)/i.test(src)) found.add(src);
      }
      if (t.children) walk(t.children);
    }
  };
  walk(parser().parse(extractMath(source).text, {}));
  return [...found];
}

export function renderMarkdown(source: string, ctx: MarkdownContext = {}): string {
  const extracted = extractMath(source);
  const html = parser().render(extracted.text, { ctx });
  return restoreMath(html, extracted, (seg) => typeset(seg.tex, seg.display));
}

/** `text/latex` outputs: math typeset, any text around it kept as text. */
export function renderLatex(source: string): string {
  const extracted = extractMath(source);
  if (extracted.math.length === 0) return typeset(source, true);
  return restoreMath(escapeHtml(extracted.text), extracted, (seg) => typeset(seg.tex, seg.display));
}
