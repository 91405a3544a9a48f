/** The shell every viewer page shares: header with navigation, one stylesheet, one script, no inline code. */
import { encodePath } from '../http/request-path';
import { escapeHtml } from '../render/html';

export interface PageContext {
  /** URL path prefix of every viewer route, starting and ending with "/" (`--base-url`). */
  base: string;
  /** Run pages are available (a Conductor API is configured). */
  runsEnabled: boolean;
}

export type Section = 'files' | 'runs' | 'summary';

/** A link to a viewer route: `href(ctx, 'view', ['a', 'b.ipynb'], {report: '1'})`, escaped for attributes. */
export function href(
  ctx: PageContext,
  route: string,
  segments: readonly string[] = [],
  query: Record<string, string | number | undefined | null> = {},
  trailingSlash = false,
): string {
  let url = ctx.base + route;
  if (segments.length > 0) url += `/${encodePath(segments)}`;
  if (trailingSlash) url += '/';
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const q = qs.toString();
  return escapeHtml(q ? `${url}?${q}` : url);
}

export function statusBadge(status: string): string {
  const cls = /^[A-Za-z_]+$/.test(status) ? status : 'unknown';
  return `<span class="status ${cls}">${escapeHtml(status.toLowerCase().replace(/_/g, ' '))}</span>`;
}

/** Breadcrumbs for a path: root › a › b (each a link to its folder page). */
export function breadcrumbs(
  ctx: PageContext,
  segments: readonly string[],
  rootLabel: string,
  route = 'view',
): string {
  const parts = [`<a href="${href(ctx, route, [], {}, true)}">${escapeHtml(rootLabel)}</a>`];
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    parts.push(
      last
        ? escapeHtml(seg)
        : `<a href="${href(ctx, route, segments.slice(0, i + 1), {}, true)}">${escapeHtml(seg)}</a>`,
    );
  });
  return `<div class="crumbs">${parts.join(' › ')}</div>`;
}

export interface ShellOptions {
  title: string;
  section: Section;
  body: string;
  /** Re-fetch the page's #live part every N ms (a run still in progress). */
  refreshMs?: number;
}

export function pageShell(ctx: PageContext, o: ShellOptions): string {
  const nav = [
    ['files', 'Files', href(ctx, 'view', [], {}, true)],
    ...(ctx.runsEnabled ? [['runs', 'Runs', href(ctx, 'runs')]] : []),
    ['summary', 'Summary', href(ctx, 'summary', [], {}, true)],
  ]
    .map(
      ([key, label, link]) => `<a href="${link}"${key === o.section ? ' class="current"' : ''}>${label}</a>`,
    )
    .join('');
  const refresh = o.refreshMs ? ` data-refresh="${Math.round(o.refreshMs)}"` : '';
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(o.title)} · nbconductor</title><link rel="icon" href="data:,">`,
    `<link rel="stylesheet" href="${href(ctx, 'static/viewer.css')}">`,
    `<script src="${href(ctx, 'static/viewer.js')}" defer></script>`,
    `</head><body${refresh}><header class="top"><a class="brand" href="${href(ctx, 'view', [], {}, true)}">nbconductor</a><nav>${nav}</nav></header>`,
    `<main>${o.body}</main></body></html>`,
  ].join('');
}

/** A table of name → value (JSON values shown compactly; long ones folded). */
export function kvTable(values: Record<string, unknown>, empty = 'none'): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return `<span class="note">${escapeHtml(empty)}</span>`;
  const rows = entries.map(([k, v]) => {
    const text = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v, null, 1) ?? String(v));
    const cell =
      text.length > 160
        ? `<details><summary>${escapeHtml(text.slice(0, 80))}…</summary><pre class="json">${escapeHtml(JSON.stringify(v, null, 2) ?? '')}</pre></details>`
        : escapeHtml(text);
    return `<tr><th>${escapeHtml(k)}</th><td>${cell}</td></tr>`;
  });
  return `<table class="kv">${rows.join('')}</table>`;
}
