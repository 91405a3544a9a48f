/**
 * Summaries across runs (papermill's "summarize a collection of notebooks"): one row per output notebook
 * under a folder with its status, duration, parameters and scraps; sortable by any column on the server;
 * downloadable as CSV and JSON.
 */
import { cellText, summaryCell, summaryColumns, type RunSummary } from '../../results';
import { escapeHtml, formatDuration, formatTime } from '../render/html';
import type { SummaryRow } from '../summary-store';
import { breadcrumbs, href, pageShell, statusBadge, type PageContext } from './layout';

export const SUMMARY_PAGE_SIZE = 500;

export interface SummaryQuery {
  sort: string;
  order: 'asc' | 'desc';
  page: number;
}

export function parseSummaryQuery(q: URLSearchParams): SummaryQuery {
  const page = Number(q.get('page') ?? '1');
  return {
    sort: q.get('sort') ?? 'notebook',
    order: q.get('order') === 'desc' ? 'desc' : 'asc',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function heading(column: string): string {
  if (column.startsWith('parameters.')) return column.slice(11);
  if (column.startsWith('scraps.')) return column.slice(7);
  return column.replace('_', ' ');
}

function cell(ctx: PageContext, row: SummaryRow, column: string, prefixLen: number): string {
  switch (column) {
    case 'notebook': {
      const segs = row.path.split('/');
      return `<td><a href="${href(ctx, 'view', segs)}">${escapeHtml(segs.slice(prefixLen).join('/'))}</a></td>`;
    }
    case 'status':
      return `<td>${statusBadge(row.status)}${row.error ? ` <span class="note">${escapeHtml(row.error.slice(0, 120))}</span>` : ''}</td>`;
    case 'duration':
      return `<td class="num">${escapeHtml(formatDuration(row.duration))}</td>`;
    case 'start_time':
    case 'end_time':
      return `<td class="num">${escapeHtml(formatTime(column === 'start_time' ? row.startTime : row.endTime))}</td>`;
  }
  const value = cellText(summaryCell(row as RunSummary, column));
  const shown = value.length > 80 ? `${value.slice(0, 79)}…` : value;
  const cls = typeof summaryCell(row as RunSummary, column) === 'number' ? ' class="num"' : '';
  return `<td${cls}${value.length > 80 ? ` title="${escapeHtml(value.slice(0, 2000))}"` : ''}>${escapeHtml(shown)}</td>`;
}

export function summaryPage(
  ctx: PageContext,
  segments: readonly string[],
  rootLabel: string,
  rows: readonly SummaryRow[],
  q: SummaryQuery,
): string {
  const columns = summaryColumns(rows);
  const pages = Math.max(1, Math.ceil(rows.length / SUMMARY_PAGE_SIZE));
  const page = Math.min(q.page, pages);
  const shown = rows.slice((page - 1) * SUMMARY_PAGE_SIZE, page * SUMMARY_PAGE_SIZE);
  const link = (extra: Record<string, string | number>): string =>
    href(ctx, 'summary', segments, { sort: q.sort, order: q.order, ...extra }, true);
  const head = columns
    .map((c) => {
      const order = q.sort === c && q.order === 'asc' ? 'desc' : 'asc';
      const arrow = q.sort === c ? (q.order === 'asc' ? ' ▲' : ' ▼') : '';
      const group = c.startsWith('parameters.') ? 'param' : c.startsWith('scraps.') ? 'scrap' : '';
      return `<th data-column="${escapeHtml(c)}"${group ? ` class="${group}"` : ''}><a href="${link({ sort: c, order, page: 1 })}">${escapeHtml(heading(c))}${arrow}</a>${
        group ? `<div class="note">${group}</div>` : ''
      }</th>`;
    })
    .join('');
  const body = shown
    .map((r) => `<tr>${columns.map((c) => cell(ctx, r, c, segments.length)).join('')}</tr>`)
    .join('');
  const pager =
    pages > 1
      ? `<div class="pager">${page > 1 ? `<a href="${link({ page: page - 1 })}">← previous</a>` : ''}<span>page ${page} of ${pages}</span>${
          page < pages ? `<a href="${link({ page: page + 1 })}">next →</a>` : ''
        }</div>`
      : '';
  const title = segments.length > 0 ? `Summary of ${segments.join('/')}` : 'Summary of all runs';
  const html = [
    breadcrumbs(ctx, segments, rootLabel, 'summary'),
    `<h1>${escapeHtml(title)}</h1>`,
    `<div class="toolbar"><span class="note">${rows.length.toLocaleString('en-US')} notebooks</span>`,
    `<a href="${href(ctx, 'summary', segments, { format: 'csv', sort: q.sort, order: q.order }, true)}" download>download CSV</a>`,
    `<a href="${href(ctx, 'summary', segments, { format: 'json', sort: q.sort, order: q.order }, true)}" download>download JSON</a>`,
    `<a href="${href(ctx, 'view', segments, {}, true)}">folder</a></div>`,
    pager,
    `<table class="list summary"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`,
    rows.length === 0 ? '<p class="note">No output notebooks under this folder.</p>' : '',
    pager,
  ];
  return pageShell(ctx, { title, section: 'summary', body: html.join('') });
}
