/**
 * The folder page: breadcrumbs, a filter box, sortable columns (name, modified, size), every notebook's run
 * status, and pages of entries (a folder of 10,000 runs is paged, never cut short). Sorting, filtering and
 * paging happen on the server so they apply to the whole folder.
 */
import type { Entry } from '../source';
import { escapeHtml, formatBytes, formatTime } from '../render/html';
import { breadcrumbs, href, pageShell, statusBadge, type PageContext } from './layout';

export const FOLDER_PAGE_SIZE = 200;

export type SortKey = 'name' | 'modified' | 'size';

export interface FolderQuery {
  sort: SortKey;
  order: 'asc' | 'desc';
  filter: string;
  page: number;
}

export function parseFolderQuery(q: URLSearchParams): FolderQuery {
  const sort = q.get('sort');
  const page = Number(q.get('page') ?? '1');
  return {
    sort: sort === 'modified' || sort === 'size' ? sort : 'name',
    order: q.get('order') === 'desc' ? 'desc' : 'asc',
    filter: (q.get('q') ?? '').trim(),
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

/** Entries filtered, sorted (folders first), and the requested page of them. */
export function pageOfEntries(
  entries: readonly Entry[],
  q: FolderQuery,
  pageSize = FOLDER_PAGE_SIZE,
): { shown: Entry[]; matching: number; pages: number; page: number } {
  const needle = q.filter.toLowerCase();
  const matching =
    needle === '' ? [...entries] : entries.filter((e) => e.name.toLowerCase().includes(needle));
  const dir = q.order === 'desc' ? -1 : 1;
  const key = (e: Entry): number | string =>
    q.sort === 'size' ? (e.size ?? -1) : q.sort === 'modified' ? (e.mtimeMs ?? 0) : e.name.toLowerCase();
  matching.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'directory' ? -1 : 1;
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return (ka < kb ? -1 : 1) * dir;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = Math.min(q.page, pages);
  return {
    shown: matching.slice((page - 1) * pageSize, page * pageSize),
    matching: matching.length,
    pages,
    page,
  };
}

export interface FolderPageInput {
  segments: readonly string[];
  rootLabel: string;
  total: number;
  query: FolderQuery;
  shown: Entry[];
  matching: number;
  pages: number;
  page: number;
  /** Run status of the notebooks shown, by path. */
  statuses: ReadonlyMap<string, string>;
}

export function folderPage(ctx: PageContext, o: FolderPageInput): string {
  const q = o.query;
  const base = (extra: Record<string, string | number>): string =>
    href(ctx, 'view', o.segments, { sort: q.sort, order: q.order, q: q.filter, ...extra }, true);
  const sortLink = (key: SortKey, label: string): string => {
    const order = q.sort === key && q.order === 'asc' ? 'desc' : 'asc';
    const arrow = q.sort === key ? (q.order === 'asc' ? ' ▲' : ' ▼') : '';
    return `<a href="${base({ sort: key, order, page: 1 })}">${label}${arrow}</a>`;
  };
  const rows = o.shown.map((e) => {
    const segs = [...o.segments, e.name];
    const isDir = e.kind === 'directory';
    const link = isDir
      ? href(ctx, 'view', segs, {}, true)
      : e.name.endsWith('.ipynb')
        ? href(ctx, 'view', segs)
        : href(ctx, 'files', segs);
    const status = o.statuses.get(e.path);
    return (
      `<tr data-kind="${e.kind}"><td><a href="${link}">${escapeHtml(e.name)}${isDir ? '/' : ''}</a></td>` +
      `<td>${status ? statusBadge(status) : ''}</td>` +
      `<td class="num">${escapeHtml(formatTime(e.mtimeMs))}</td><td class="num">${escapeHtml(formatBytes(e.size))}</td></tr>`
    );
  });
  const pager =
    o.pages > 1
      ? `<div class="pager">${o.page > 1 ? `<a href="${base({ page: o.page - 1 })}" rel="prev">← previous</a>` : ''}` +
        `<span>page ${o.page} of ${o.pages}</span>` +
        `${o.page < o.pages ? `<a href="${base({ page: o.page + 1 })}" rel="next">next →</a>` : ''}</div>`
      : '';
  const count =
    q.filter === ''
      ? `${o.total.toLocaleString('en-US')} entries`
      : `${o.matching.toLocaleString('en-US')} of ${o.total.toLocaleString('en-US')} entries match`;
  const body = [
    breadcrumbs(ctx, o.segments, o.rootLabel),
    `<h1>${escapeHtml(o.segments.length > 0 ? (o.segments[o.segments.length - 1] as string) : o.rootLabel)}</h1>`,
    `<form class="filter" method="get" action="${href(ctx, 'view', o.segments, {}, true)}">`,
    `<input type="hidden" name="sort" value="${q.sort}"><input type="hidden" name="order" value="${q.order}">`,
    `<input type="search" name="q" value="${escapeHtml(q.filter)}" placeholder="filter by name" aria-label="filter by name">`,
    `<button type="submit">Filter</button><span class="note">${count}</span>`,
    o.segments.length > 0
      ? `<a href="${href(ctx, 'summary', o.segments, {}, true)}">summary of runs in this folder</a>`
      : '',
    '</form>',
    pager,
    `<table class="list folder"><thead><tr><th>${sortLink('name', 'Name')}</th><th>Status</th>`,
    `<th class="num">${sortLink('modified', 'Modified')}</th><th class="num">${sortLink('size', 'Size')}</th></tr></thead>`,
    `<tbody>${rows.join('')}</tbody></table>`,
    rows.length === 0 ? '<p class="note">Nothing here.</p>' : '',
    pager,
  ];
  const title = o.segments.length > 0 ? o.segments.join('/') : o.rootLabel;
  return pageShell(ctx, { title, section: 'files', body: body.join('') });
}
