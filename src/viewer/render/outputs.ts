/**
 * One cell output as HTML. The richest representation wins, in JupyterLab's order (html > markdown > latex >
 * svg > png > jpeg > gif > json > text). Images become `data:` `<img>` (SVG too, so its scripts never run);
 * HTML passes through unchanged because the whole document is sandboxed; widgets and JavaScript show their
 * text fallback with a badge saying what was not run.
 */
import { ansiToHtml } from './ansi';
import { escapeHtml, joinText } from './html';
import { renderLatex, renderMarkdown } from './markdown';
import type { JsonObject } from '../../json';

/** Longest text shown per output; the rest is in the .ipynb download. */
export const MAX_TEXT_CHARS = 1_000_000;

const RANK = [
  'text/html',
  'text/markdown',
  'text/latex',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/json',
  'text/plain',
];

const NOT_RUN: Record<string, string> = {
  'application/javascript': 'JavaScript output (not run)',
  'text/javascript': 'JavaScript output (not run)',
  'application/vnd.jupyter.widget-view+json': 'Widget (needs a live kernel)',
  'application/vnd.jupyter.widget-state+json': 'Widget state',
};

function truncated(text: string): { text: string; note: string } {
  if (text.length <= MAX_TEXT_CHARS) return { text, note: '' };
  const dropped = text.length - MAX_TEXT_CHARS;
  return {
    text: text.slice(0, MAX_TEXT_CHARS),
    note: `<div class="truncated">… ${dropped.toLocaleString('en-US')} more characters (download the .ipynb for the full output)</div>`,
  };
}

function pre(className: string, html: string, note = ''): string {
  return `<pre class="${className}">${html}</pre>${note}`;
}

function dimension(metadata: unknown, mime: string, key: 'width' | 'height'): string {
  if (typeof metadata !== 'object' || metadata === null) return '';
  const m = metadata as JsonObject;
  const own = typeof m[mime] === 'object' && m[mime] !== null ? (m[mime] as JsonObject)[key] : undefined;
  const v = own ?? m[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? ` ${key}="${Math.round(v)}"` : '';
}

function image(mime: string, data: unknown, metadata: unknown): string {
  let b64: string;
  if (mime === 'image/svg+xml') {
    b64 = Buffer.from(joinText(data), 'utf8').toString('base64');
  } else {
    // Browsers skip whitespace in base64 data: URLs, so line breaks may stay. Data that is not base64 only
    // breaks the image; a quote would end the attribute, so that is refused (a cheap check on megabytes).
    b64 = joinText(data);
    if (b64.includes('"')) return pre('output-text', escapeHtml('[unreadable image data]'));
  }
  const size = dimension(metadata, mime, 'width') + dimension(metadata, mime, 'height');
  return `<img class="output-image" alt="${mime} output" src="data:${mime};base64,${b64}"${size}>`;
}

function richest(data: JsonObject): string | undefined {
  for (const mime of RANK) if (data[mime] !== undefined) return mime;
  return Object.keys(data).find((m) => m.endsWith('+json') && !NOT_RUN[m] && !m.includes('scrapbook'));
}

function renderBundle(data: JsonObject, metadata: unknown): string {
  const mime = richest(data);
  const badge = Object.keys(data)
    .map((m) => NOT_RUN[m])
    .find((b) => b !== undefined);
  const prefix = badge ? `<div class="badge">${escapeHtml(badge)}</div>` : '';
  if (mime === undefined) {
    const shown = Object.keys(data).filter((m) => !m.startsWith('application/scrapbook'));
    if (shown.length === 0) return '';
    const js = data['application/javascript'] ?? data['text/javascript'];
    const body = js !== undefined ? pre('output-text', escapeHtml(truncated(joinText(js)).text)) : '';
    return `${prefix || `<div class="badge">${escapeHtml(shown.join(', '))}</div>`}${body}`;
  }
  const value = data[mime];
  switch (mime) {
    case 'text/html':
      return `${prefix}<div class="output-html">${joinText(value)}</div>`;
    case 'text/markdown':
      return `${prefix}<div class="output-markdown">${renderMarkdown(joinText(value))}</div>`;
    case 'text/latex':
      return `${prefix}<div class="output-latex">${renderLatex(joinText(value))}</div>`;
    case 'text/plain': {
      const t = truncated(joinText(value));
      return prefix + pre('output-text', ansiToHtml(t.text), t.note);
    }
    default:
      if (mime.startsWith('image/')) return prefix + image(mime, value, metadata);
      return `${prefix}<details class="output-json" open><summary>${escapeHtml(mime)}</summary>${pre(
        'json',
        escapeHtml(truncated(JSON.stringify(value, null, 2) ?? 'null').text),
      )}</details>`;
  }
}

export interface RenderedOutput {
  html: string;
  isError: boolean;
}

export function renderOutput(output: unknown): RenderedOutput {
  if (typeof output !== 'object' || output === null) return { html: '', isError: false };
  const o = output as JsonObject;
  switch (o.output_type) {
    case 'stream': {
      const t = truncated(joinText(o.text));
      const cls = o.name === 'stderr' ? 'stream stderr' : 'stream stdout';
      return { html: pre(cls, ansiToHtml(t.text), t.note), isError: false };
    }
    case 'error': {
      const lines = Array.isArray(o.traceback) ? o.traceback.filter((l) => typeof l === 'string') : [];
      const text = lines.length > 0 ? lines.join('\n') : `${String(o.ename)}: ${String(o.evalue)}`;
      return { html: pre('error', ansiToHtml(truncated(text).text)), isError: true };
    }
    case 'display_data':
    case 'execute_result': {
      const data = typeof o.data === 'object' && o.data !== null ? (o.data as JsonObject) : {};
      return { html: renderBundle(data, o.metadata), isError: false };
    }
    default:
      return { html: '', isError: false };
  }
}
