/**
 * A notebook as one static HTML document with no script of its own: what the viewer serves (sandboxed) at
 * /render/, and what "Download HTML" saves. Every cell gets `id="cell-<index>"` so links can open a notebook
 * at a cell; papermill's error anchor keeps its own id.
 */
import { highlightCode } from './highlight';
import { escapeHtml, formatDuration, joinText } from './html';
import { renderMarkdown } from './markdown';
import { formulasTypeset } from './math';
import { renderOutput } from './outputs';
import { DOCUMENT_CSS } from './styles';
import { isPlainObject, type JsonObject } from '../../json';

/** Bumped whenever the HTML this module produces changes: it is part of every render cache key. */
export const RENDERER_VERSION = '2';

export interface DocumentOptions {
  title: string;
  /** Hide all code inputs (papermill's report mode). */
  reportMode?: boolean;
  /** KaTeX's stylesheet with font URLs already pointing where the document may load them from. */
  mathCss?: string;
  /** Relative Markdown image paths → data: URIs (see relativeImageSources). */
  images?: ReadonlyMap<string, string>;
}

function obj(v: unknown): JsonObject {
  return isPlainObject(v) ? (v as JsonObject) : {};
}

function tags(cell: JsonObject): string[] {
  const t = obj(cell.metadata).tags;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

function cellDuration(cell: JsonObject): number | null {
  const pm = obj(obj(cell.metadata).papermill);
  if (typeof pm.duration === 'number') return pm.duration;
  // JupyterLab's "record timing" metadata
  const ex = obj(obj(cell.metadata).execution);
  const start = ex['iopub.execute_input'] ?? ex['shell.execute_reply.started'];
  const end = ex['shell.execute_reply'];
  if (typeof start === 'string' && typeof end === 'string') {
    const ms = Date.parse(end) - Date.parse(start);
    if (Number.isFinite(ms) && ms >= 0) return ms / 1000;
  }
  return null;
}

function renderCodeCell(cell: JsonObject, index: number, language: string | null, report: boolean): string {
  const meta = obj(cell.metadata);
  const jupyter = obj(meta.jupyter);
  const pm = obj(meta.papermill);
  const count = typeof cell.execution_count === 'number' ? String(cell.execution_count) : ' ';
  const cellTags = tags(cell);
  const injected = cellTags.includes('injected-parameters');
  const outputs = Array.isArray(cell.outputs) ? cell.outputs : [];
  const rendered = outputs.map(renderOutput);
  const failed = pm.exception === true || pm.status === 'failed' || rendered.some((o) => o.isError);
  const classes = ['cell', 'code', failed ? 'failed' : '', injected ? 'injected' : ''].filter(Boolean);
  const took = cellDuration(cell);
  const tookHtml =
    took !== null ? `<div class="took" title="cell duration">${formatDuration(took)}</div>` : '';
  const label = injected
    ? '<span class="tag" title="injected parameters">injected</span>'
    : cellTags.includes('parameters')
      ? '<span class="tag">parameters</span>'
      : '';
  let html = `<section class="${classes.join(' ')}" id="cell-${index}">`;
  if (!report && jupyter.source_hidden !== true) {
    const code = highlightCode(joinText(cell.source), language);
    html += `<div class="prompt">In [${count}]:${label}${tookHtml}</div><div class="input"><pre class="hljs"><code>${code}</code></pre></div>`;
  } else if (tookHtml) {
    html += `<div class="prompt">${tookHtml}</div><div class="input hidden-input"></div>`;
  }
  if (jupyter.outputs_hidden !== true) {
    rendered.forEach((o, i) => {
      if (o.html === '') return;
      const out = obj(outputs[i]);
      const prompt =
        out.output_type === 'execute_result' && typeof out.execution_count === 'number'
          ? `Out[${out.execution_count}]:`
          : '';
      html += `<div class="prompt out">${prompt}</div><div class="body">${o.html}</div>`;
    });
  }
  return `${html}</section>`;
}

function renderCell(cell: JsonObject, index: number, language: string | null, o: DocumentOptions): string {
  switch (cell.cell_type) {
    case 'code':
      return renderCodeCell(cell, index, language, o.reportMode === true);
    case 'markdown': {
      const body = renderMarkdown(joinText(cell.source), { attachments: cell.attachments, images: o.images });
      return `<section class="cell markdown" id="cell-${index}"><div class="prompt"></div><div class="md">${body}</div></section>`;
    }
    default:
      if (o.reportMode) return '';
      return `<section class="cell raw" id="cell-${index}"><div class="prompt"></div><div class="md"><pre class="raw">${escapeHtml(joinText(cell.source))}</pre></div></section>`;
  }
}

/** The notebook's language, for highlighting code cells. */
export function notebookLanguage(nb: JsonObject): string | null {
  const meta = obj(nb.metadata);
  const name = obj(meta.language_info).name ?? obj(meta.kernelspec).language;
  return typeof name === 'string' ? name : null;
}

/** The document in pieces (one per cell): big notebooks are encoded piece by piece, never as one string. */
export function renderNotebookParts(nb: JsonObject, o: DocumentOptions): string[] {
  const language = notebookLanguage(nb);
  const cells = Array.isArray(nb.cells) ? nb.cells : [];
  const parts: string[] = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(o.title)}</title><style>${DOCUMENT_CSS}</style>`,
  ];
  const formulasBefore = formulasTypeset();
  const body: string[] = [];
  cells.forEach((cell, i) => {
    if (typeof cell === 'object' && cell !== null) body.push(renderCell(obj(cell), i, language, o));
  });
  // KaTeX's stylesheet only when something was typeset.
  if (o.mathCss && formulasTypeset() > formulasBefore) parts.push(`<style>${o.mathCss}</style>`);
  parts.push(`</head><body class="notebook${o.reportMode ? ' report' : ''}"><main>`);
  for (const cell of body) parts.push(cell);
  parts.push('</main></body></html>');
  return parts;
}

export function renderNotebookDocument(nb: JsonObject, o: DocumentOptions): string {
  return renderNotebookParts(nb, o).join('');
}

/**
 * The document as UTF-8 bytes. Encoded cell by cell: one non-Latin-1 character (KaTeX emits some) would
 * otherwise make a 20 MB page a two-byte string, twice the memory and much slower to encode.
 */
export function renderNotebookBytes(nb: JsonObject, o: DocumentOptions): Buffer {
  return Buffer.concat(renderNotebookParts(nb, o).map((p) => Buffer.from(p, 'utf8')));
}

/** Loads and compiles the renderer's libraries (KaTeX, highlight.js, markdown-it, anser) ahead of need. */
export function warmUpRenderer(): void {
  renderNotebookDocument(
    {
      metadata: { language_info: { name: 'python' } },
      cells: [
        { cell_type: 'markdown', source: '# t\n\n$x^2$ and **b**' },
        {
          cell_type: 'code',
          source: 'print(1)',
          outputs: [{ output_type: 'stream', name: 'stdout', text: '\u001b[31mred\u001b[0m' }],
        },
      ],
    },
    { title: 'warm-up' },
  );
}
