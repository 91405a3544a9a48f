/** Routes that read workflows (the Conductor API) and summaries across runs. */
import { formatSummaries, sortSummaries } from '../../results';
import { href } from '../pages/layout';
import { runPage } from '../pages/run';
import { parseRunsQuery, runsPage, runsSearch } from '../pages/runs';
import { parseSummaryQuery, summaryPage } from '../pages/summary';
import { errorPage } from '../pages/error';
import type { SummaryRow } from '../summary-store';
import type { RouteRequest, ViewerContext } from './context';
import { attachment, send, sendPage } from './respond';

export async function runsListRoute(ctx: ViewerContext, r: RouteRequest): Promise<void> {
  const runs = ctx.runs;
  if (!runs) return;
  const q = parseRunsQuery(r.query);
  const result = await runs.search(runsSearch(q), r.signal);
  sendPage(r.res, runsPage(ctx.page, q, result), 200, r.head);
}

export async function runRoute(ctx: ViewerContext, r: RouteRequest): Promise<void> {
  const runs = ctx.runs;
  if (!runs) return;
  const id = r.segments.join('/');
  const wf = await runs.workflow(id, r.signal);
  if (wf === null) {
    sendPage(r.res, errorPage(ctx.page, 404, `no workflow ${id}`, 'runs'), 404, r.head);
    return;
  }
  const html = runPage(ctx.page, {
    workflow: wf,
    now: Date.now(),
    notebookLink: (uri) => {
      const segments = ctx.source.segmentsOf(uri);
      return segments === null ? null : href(ctx.page, 'view', segments);
    },
  });
  sendPage(r.res, html, 200, r.head);
}

export async function summaryRoute(ctx: ViewerContext, r: RouteRequest): Promise<void> {
  const q = parseSummaryQuery(r.query);
  const folder = await ctx.source.stat(r.segments, r.signal);
  if (folder?.kind !== 'directory') {
    sendPage(
      r.res,
      errorPage(ctx.page, 404, `${r.segments.join('/')} is not a folder here`, 'summary'),
      404,
      r.head,
    );
    return;
  }
  const rows = sortSummaries(await ctx.summaries.rows(r.segments, r.signal), q.sort, q.order) as SummaryRow[];
  const format = r.query.get('format');
  if (format === 'csv' || format === 'json') {
    const name = `${r.segments.length > 0 ? r.segments[r.segments.length - 1] : 'runs'}-summary.${format}`;
    // The download lists storage URIs (what scripts open), not viewer paths.
    const body = formatSummaries(
      rows.map(({ path: _path, ...row }) => row),
      format,
    );
    send(r.res, {
      contentType: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json',
      body,
      head: r.head,
      headers: {
        'content-disposition': attachment(name),
        'content-security-policy': "default-src 'none'",
        'cache-control': 'no-cache',
      },
    });
    return;
  }
  sendPage(r.res, summaryPage(ctx.page, r.segments, ctx.rootLabel, rows, q), 200, r.head);
}
