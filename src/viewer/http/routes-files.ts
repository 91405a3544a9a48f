/** Routes over the root's files: folder and notebook pages, rendered documents, raw files, contents API. */
import { createHash } from 'node:crypto';

import { guessContentType } from '../../storage';
import { contentsModel, parseContentsQuery } from '../contents';
import { errorPage } from '../pages/error';
import { folderPage, pageOfEntries, parseFolderQuery } from '../pages/folder';
import { href } from '../pages/layout';
import { notebookPage } from '../pages/notebook';
import { RENDERER_VERSION } from '../render/document';
import type { Entry } from '../source';
import type { RouteRequest, ViewerContext } from './context';
import {
  FILE_CSP,
  attachment,
  documentCsp,
  notModified,
  redirect,
  send,
  sendJson,
  sendPage,
  sendText,
} from './respond';

const STATUS_CONCURRENCY = 4;

function isNotebook(e: Entry): boolean {
  return e.kind === 'file' && e.name.endsWith('.ipynb');
}

function short(s: string): string {
  return createHash('sha256').update(s).digest('base64url').slice(0, 16);
}

/** The rendered document's HTTP validator: changes with the notebook, the renderer and the variant. */
function documentEtag(entry: Entry, variant: string): string {
  return `"r${RENDERER_VERSION}-${variant}-${short(entry.etag ?? `${entry.size}-${entry.mtimeMs}`)}"`;
}

async function statuses(
  ctx: ViewerContext,
  entries: readonly Entry[],
  signal: AbortSignal,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const todo = entries.filter(isNotebook);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const e = todo[next++] as Entry;
      try {
        out.set(e.path, (await ctx.store.notebookFacts(e.path.split('/'), e, signal)).status);
      } catch {
        out.set(e.path, 'unreadable');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STATUS_CONCURRENCY, todo.length) }, worker));
  return out;
}

export async function viewRoute(ctx: ViewerContext, r: RouteRequest): Promise<void> {
  const entry = await ctx.source.stat(r.segments, r.signal);
  if (entry === null) {
    sendPage(r.res, errorPage(ctx.page, 404, `${r.segments.join('/')} does not exist`), 404, r.head);
    return;
  }
  if (entry.kind === 'directory') {
    if (!r.trailingSlash && r.segments.length > 0) {
      const qs = r.query.toString();
      redirect(
        r.res,
        `${ctx.page.base}view/${r.segments.map(encodeURIComponent).join('/')}/${qs ? `?${qs}` : ''}`,
      );
      return;
    }
    const entries = await ctx.source.list(r.segments, r.signal);
    const query = parseFolderQuery(r.query);
    const shown = pageOfEntries(entries, query);
    const html = folderPage(ctx.page, {
      segments: r.segments,
      rootLabel: ctx.rootLabel,
      total: entries.length,
      query,
      ...shown,
      statuses: await statuses(ctx, shown.shown, r.signal),
    });
    sendPage(r.res, html, 200, r.head);
    return;
  }
  if (!isNotebook(entry)) {
    redirect(r.res, `${ctx.page.base}files/${r.segments.map(encodeURIComponent).join('/')}`);
    return;
  }
  const report = r.query.get('report') === '1';
  const facts = await ctx.store.prepare(r.segments, entry, { report, standalone: false }, r.signal);
  const html = notebookPage(ctx.page, {
    segments: r.segments,
    rootLabel: ctx.rootLabel,
    facts,
    report,
    version: short(`${entry.etag}${RENDERER_VERSION}`),
  });
  sendPage(r.res, html, 200, r.head);
}

export async function renderRoute(ctx: ViewerContext, r: RouteRequest): Promise<void> {
  const entry = await ctx.source.stat(r.segments, r.signal);
  if (entry === null || !isNotebook(entry)) {
    sendText(r.res, 404, `${r.segments.join('/')} is not a notebook here`);
    return;
  }
  const report = r.query.get('report') === '1';
  const download = r.query.get('download') === '1';
  const etag = documentEtag(entry, `${report ? 'R' : ''}${download ? 'D' : ''}`);
  const headers: Record<string, string> = {
    'content-security-policy': documentCsp(r.req.headers.host, ctx.fontBase),
    'x-frame-options': 'SAMEORIGIN',
    'cache-control': 'private, no-cache',
    etag,
  };
  if (download) headers['content-disposition'] = attachment(entry.name.replace(/\.ipynb$/, '.html'));
  if (notModified(r.req, etag)) {
    send(r.res, { status: 304, contentType: 'text/html; charset=utf-8', body: '', headers, head: true });
    return;
  }
  const html = await ctx.store.document(r.segments, entry, { report, standalone: download }, r.signal);
  send(r.res, { contentType: 'text/html; charset=utf-8', body: html, headers, head: r.head });
}

export async function filesRoute(ctx: ViewerContext, r: RouteRequest): Promise<void> {
  const entry = await ctx.source.stat(r.segments, r.signal);
  if (entry === null || entry.kind !== 'file') {
    sendText(r.res, 404, `${r.segments.join('/')} does not exist`);
    return;
  }
  const etag = `"${short(entry.etag ?? `${entry.size}-${entry.mtimeMs}`)}"`;
  const headers: Record<string, string> = {
    'content-security-policy': FILE_CSP,
    'x-frame-options': 'SAMEORIGIN',
    'cache-control': 'private, no-cache',
    etag,
  };
  if (entry.mtimeMs !== null) headers['last-modified'] = new Date(entry.mtimeMs).toUTCString();
  if (r.query.get('download') === '1') headers['content-disposition'] = attachment(entry.name);
  const contentType = guessContentType(entry.name);
  if (notModified(r.req, etag)) {
    send(r.res, { status: 304, contentType, body: '', headers, head: true });
    return;
  }
  const body = r.head ? Buffer.alloc(0) : await ctx.source.read(r.segments, r.signal);
  if (r.head) headers['content-length'] = String(entry.size ?? 0);
  send(r.res, { contentType, body, headers, head: r.head });
}

export async function contentsRoute(ctx: ViewerContext, r: RouteRequest): Promise<void> {
  const q = parseContentsQuery(r.query);
  if ('status' in q) {
    sendJson(r.res, { message: q.message, reason: q.reason }, q.status, r.head);
    return;
  }
  const result = await contentsModel(ctx.source, r.segments, q, r.signal);
  if ('status' in result) {
    sendJson(r.res, { message: result.message, reason: result.reason }, result.status, r.head);
    return;
  }
  const modified = result.model.last_modified;
  sendJson(
    r.res,
    result.model,
    200,
    r.head,
    typeof modified === 'string' ? { 'last-modified': new Date(modified).toUTCString() } : {},
  );
}

/** `/` → the root folder. */
export function rootRoute(ctx: ViewerContext, r: RouteRequest): void {
  redirect(r.res, href(ctx.page, 'view', [], {}, true).replace(/&amp;/g, '&'));
}
