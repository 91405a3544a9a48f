/** The list of recent workflow runs, filterable by name, status, correlation id and free text. */
import { escapeHtml, formatDuration, formatTime } from '../render/html';
import type { WorkflowSearch, WorkflowSummaryRow } from '../conductor/api';
import { href, pageShell, statusBadge, type PageContext } from './layout';

export const RUNS_PAGE_SIZE = 50;

export const WORKFLOW_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED', 'PAUSED'];

export interface RunsQuery {
  name: string;
  status: string;
  correlationId: string;
  text: string;
  page: number;
}

/** Only characters that cannot change the meaning of a Conductor search query. */
function clean(v: string | null): string {
  return (v ?? '').replace(/[^A-Za-z0-9_.:@*/-]/g, '');
}

export function parseRunsQuery(q: URLSearchParams): RunsQuery {
  const page = Number(q.get('page') ?? '1');
  const status = (q.get('status') ?? '').toUpperCase();
  return {
    name: clean(q.get('name')),
    status: WORKFLOW_STATUSES.includes(status) ? status : '',
    correlationId: clean(q.get('correlationId')),
    text: clean(q.get('q')),
    page: Number.isInteger(page) && page > 0 ? Math.min(page, 1000) : 1,
  };
}

export function runsSearch(q: RunsQuery): WorkflowSearch {
  const clauses: string[] = [];
  if (q.name) clauses.push(`workflowType IN (${q.name})`);
  if (q.status) clauses.push(`status IN (${q.status})`);
  if (q.correlationId) clauses.push(`correlationId = ${q.correlationId}`);
  return {
    query: clauses.join(' AND '),
    freeText: q.text || '*',
    start: (q.page - 1) * RUNS_PAGE_SIZE,
    size: RUNS_PAGE_SIZE,
    sort: 'startTime:DESC',
  };
}

export function runsPage(
  ctx: PageContext,
  q: RunsQuery,
  result: { totalHits: number; results: WorkflowSummaryRow[] },
): string {
  const rows = result.results.map((r) => {
    const trigger = r.event ? `event ${r.event}` : (r.createdBy ?? '');
    const duration = r.executionTime ? formatDuration(r.executionTime / 1000) : '';
    return (
      `<tr><td><a href="${href(ctx, 'runs', [r.workflowId])}">${escapeHtml(r.workflowType)}</a>` +
      `<div class="note">${escapeHtml(r.workflowId)}</div></td><td>${statusBadge(r.status)}</td>` +
      `<td class="num">${escapeHtml(formatTime(r.startTime))}</td><td class="num">${escapeHtml(duration)}</td>` +
      `<td>${escapeHtml(r.correlationId ?? '')}</td><td>${escapeHtml(trigger)}</td>` +
      `<td>${escapeHtml((r.reasonForIncompletion ?? '').slice(0, 200))}</td></tr>`
    );
  });
  const pages = Math.max(1, Math.ceil(result.totalHits / RUNS_PAGE_SIZE));
  const link = (page: number): string =>
    href(ctx, 'runs', [], {
      name: q.name,
      status: q.status,
      correlationId: q.correlationId,
      q: q.text,
      page,
    });
  const pager =
    pages > 1
      ? `<div class="pager">${q.page > 1 ? `<a href="${link(q.page - 1)}" rel="prev">← newer</a>` : ''}<span>page ${q.page} of ${pages}</span>${
          q.page < pages ? `<a href="${link(q.page + 1)}" rel="next">older →</a>` : ''
        }</div>`
      : '';
  const options = ['', ...WORKFLOW_STATUSES]
    .map(
      (s) =>
        `<option value="${s}"${s === q.status ? ' selected' : ''}>${s === '' ? 'any status' : s.toLowerCase()}</option>`,
    )
    .join('');
  const body = [
    '<h1>Runs</h1>',
    `<form class="filter" method="get" action="${href(ctx, 'runs')}">`,
    `<input name="name" value="${escapeHtml(q.name)}" placeholder="workflow name" aria-label="workflow name">`,
    `<select name="status" aria-label="status">${options}</select>`,
    `<input name="correlationId" value="${escapeHtml(q.correlationId)}" placeholder="correlation id" aria-label="correlation id">`,
    `<input name="q" value="${escapeHtml(q.text)}" placeholder="text in input/output" aria-label="free text">`,
    `<button type="submit">Search</button><span class="note">${result.totalHits.toLocaleString('en-US')} runs</span></form>`,
    pager,
    '<table class="list runs"><thead><tr><th>Workflow</th><th>Status</th><th class="num">Started</th><th class="num">Duration</th>',
    '<th>Correlation id</th><th>Started by</th><th>Reason</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    rows.length === 0 ? '<p class="note">No runs match.</p>' : '',
    pager,
  ];
  return pageShell(ctx, { title: 'Runs', section: 'runs', body: body.join('') });
}
