/**
 * The notebook page: a header with what a person debugging a run needs first (status, times, kernel, the
 * workflow/task/attempt that produced it, the error and a link to its cell, parameters, scraps), a toolbar
 * (report mode, downloads), and the notebook itself in a sandboxed frame that opens at the failing cell.
 */
import type { NotebookFacts } from '../notebook-facts';
import { escapeHtml, formatDuration, formatTime } from '../render/html';
import { breadcrumbs, href, kvTable, pageShell, statusBadge, type PageContext } from './layout';

export interface NotebookPageInput {
  segments: readonly string[];
  rootLabel: string;
  facts: NotebookFacts;
  report: boolean;
  /** Version tag for the frame's URL, so a browser never shows a stale cached document. */
  version: string;
}

function fact(label: string, value: string): string {
  return value === '' ? '' : `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;
}

function runFacts(ctx: PageContext, f: NotebookFacts): string {
  const run = f.run;
  if (!run) return '';
  const wf = ctx.runsEnabled
    ? `<a href="${href(ctx, 'runs', [run.workflowId])}">${escapeHtml(run.workflowId)}</a>`
    : escapeHtml(run.workflowId);
  const task =
    run.taskRef === null
      ? ''
      : ctx.runsEnabled
        ? `<a href="${href(ctx, 'runs', [run.workflowId])}#task-${encodeURIComponent(run.taskRef)}">${escapeHtml(run.taskRef)}</a>`
        : escapeHtml(run.taskRef);
  return [
    fact('workflow', `${run.workflowType ? `${escapeHtml(run.workflowType)} · ` : ''}${wf}`),
    fact('task', `${task}${run.taskId ? ` <span class="note">${escapeHtml(run.taskId)}</span>` : ''}`),
    fact('attempt', run.attempt === null ? '' : String(run.attempt)),
    fact('correlation id', escapeHtml(run.correlationId ?? '')),
    fact('worker', escapeHtml(run.workerId ?? '')),
  ].join('');
}

export function notebookPage(ctx: PageContext, o: NotebookPageInput): string {
  const f = o.facts;
  const name = o.segments[o.segments.length - 1] ?? '';
  const frameSrc = `${href(ctx, 'render', o.segments, { report: o.report ? '1' : undefined, v: o.version })}${
    f.anchor ? `#${encodeURIComponent(f.anchor)}` : ''
  }`;
  const banner = f.failingCell
    ? `<div class="banner" role="alert"><span class="ename">${escapeHtml(f.failingCell.ename)}</span>: ${escapeHtml(
        f.failingCell.evalue,
      )}<br><a href="${frameSrc}" target="notebook">go to the failing cell</a> <span class="note">(cell ${
        f.failingCell.index + 1
      }${f.failingCell.executionCount !== null ? `, In [${f.failingCell.executionCount}]` : ''})</span></div>`
    : '';
  const facts = [
    fact('status', statusBadge(f.status)),
    fact('started', escapeHtml(formatTime(f.startTime))),
    fact('ended', escapeHtml(formatTime(f.endTime))),
    fact('duration', escapeHtml(formatDuration(f.duration))),
    fact('kernel', escapeHtml(f.kernel ?? '')),
    runFacts(ctx, f),
  ].join('');
  const toolbar = [
    `<a href="${href(ctx, 'view', o.segments, { report: o.report ? undefined : '1' })}" class="${o.report ? 'on' : ''}" role="switch" aria-checked="${o.report}">report mode (hide code)</a>`,
    `<a href="${href(ctx, 'files', o.segments, { download: '1' })}" download>download .ipynb</a>`,
    `<a href="${href(ctx, 'render', o.segments, { download: '1', report: o.report ? '1' : undefined })}" download>download HTML</a>`,
    `<a href="${href(ctx, 'api/contents', o.segments)}">JSON</a>`,
  ].join('');
  const body = [
    breadcrumbs(ctx, o.segments, o.rootLabel),
    `<h1>${escapeHtml(name)}</h1>`,
    banner,
    `<div class="facts"><table class="kv">${facts}</table>`,
    `<div><h2>Parameters</h2>${kvTable(f.parameters, 'no parameters recorded')}</div>`,
    `<div><h2>Scraps</h2>${kvTable(f.scraps, 'no scraps')}</div></div>`,
    `<div class="toolbar">${toolbar}</div>`,
    `<iframe class="notebook" name="notebook" title="${escapeHtml(name)}" sandbox="" referrerpolicy="no-referrer" src="${frameSrc}"></iframe>`,
  ];
  return pageShell(ctx, { title: name, section: 'files', body: body.join('') });
}
