/**
 * The viewer as a mountable request handler. `handles(path)` says whether a request is the viewer's;
 * `handle(req, res)` answers it: the injected guard first (always: there is no unguarded viewer), then
 * GET/HEAD only (any other method is 405 and changes nothing), then the route.
 *
 * Routes under the base URL: `view/…` pages, `render/…` sandboxed notebook documents, `files/…` raw bytes,
 * `api/contents/…` Jupyter's contents model, `static/…` assets, `runs` and `runs/{id}` (when a Conductor
 * API is configured), `summary/…` summaries across runs; `/` redirects to the root folder.
 */
import type http from 'node:http';

import { errorMessage, isNbcError } from '../../errors';
import type { Logger } from '../../log';
import type { Storage } from '../../storage';
import { staticAsset, isFontAsset } from '../assets';
import { NotebookStore } from '../notebook-store';
import { errorPage, signInPage } from '../pages/error';
import { warmUpRenderer } from '../render/document';
import type { RunsApi } from '../conductor/api';
import { openContentSource } from '../source';
import { SummaryStore } from '../summary-store';
import type { RouteRequest, ViewerContext } from './context';
import type { RouteKind, ViewerGuard } from './guard';
import { parseRequestPath } from './request-path';
import { send, sendJson, sendPage, sendText } from './respond';
import { contentsRoute, filesRoute, renderRoute, rootRoute, viewRoute } from './routes-files';
import { runRoute, runsListRoute, summaryRoute } from './routes-runs';

export interface ViewerOptions {
  /** What to serve: an absolute path or s3://bucket/prefix. */
  root: string;
  storage: Storage;
  /** Decides who may read (required: `securityGuard` over the serving server's src/security). */
  guard: ViewerGuard;
  logger: Logger;
  /** URL prefix of every route (`--base-url`), default "/". */
  baseUrl?: string;
  /** Conductor API for the run pages; without it they are off. */
  runs?: RunsApi | null;
  /** Budget for cached rendered notebooks, in bytes (default 256 MiB). */
  cacheBytes?: number;
  /** Serve a local root that does not exist yet as an empty folder (else: an error at start). */
  allowMissingRoot?: boolean;
}

export interface Viewer {
  /** The normalized base URL ("/" or "/prefix/"). */
  readonly base: string;
  /** True when a request for this raw path (query string allowed) is the viewer's to answer. */
  handles(rawUrl: string): boolean;
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** The viewer URL path of a run's page (for `up` to print). */
  runPath(workflowId: string): string;
}

type RouteName = 'root' | 'view' | 'render' | 'files' | 'contents' | 'static' | 'runs' | 'summary';

const KINDS: Record<RouteName, RouteKind> = {
  root: 'page',
  view: 'page',
  render: 'document',
  files: 'file',
  contents: 'api',
  static: 'asset',
  runs: 'page',
  summary: 'page',
};

export function normalizeBaseUrl(base: string | undefined): string {
  const trimmed = (base ?? '/').trim().replace(/^\/*/, '/').replace(/\/*$/, '/');
  if (
    !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(trimmed) ||
    trimmed.includes('/../') ||
    trimmed.includes('//')
  ) {
    throw new Error(`invalid base URL ${JSON.stringify(base)}: expected a path like /nbviewer/`);
  }
  return trimmed;
}

/** The route and the raw rest of the path after it, or null when the path is not the viewer's. */
function routeOf(base: string, rawPath: string): { name: RouteName; rest: string } | null {
  if (`${rawPath}/` === base || rawPath === base) return { name: 'root', rest: '' };
  if (!rawPath.startsWith(base)) return null;
  const after = rawPath.slice(base.length);
  const slash = after.indexOf('/');
  const first = slash < 0 ? after : after.slice(0, slash);
  const rest = slash < 0 ? '' : after.slice(slash + 1);
  switch (first) {
    case 'view':
    case 'render':
    case 'files':
    case 'static':
    case 'runs':
    case 'summary':
      return { name: first, rest };
    case 'api': {
      if (rest === 'contents') return { name: 'contents', rest: '' };
      if (rest.startsWith('contents/')) return { name: 'contents', rest: rest.slice('contents/'.length) };
      return null;
    }
    default:
      return null;
  }
}

function splitUrl(raw: string): { path: string; query: URLSearchParams } {
  const q = raw.indexOf('?');
  return { path: q < 0 ? raw : raw.slice(0, q), query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export async function createViewer(o: ViewerOptions): Promise<Viewer> {
  const base = normalizeBaseUrl(o.baseUrl);
  const source = await openContentSource(o.root, o.storage, { allowMissing: o.allowMissingRoot });
  const fontBase = `${base}static/katex/fonts/`;
  const store = new NotebookStore(source, { fontBase, cacheBytes: o.cacheBytes });
  const ctx: ViewerContext = {
    page: { base, runsEnabled: o.runs !== undefined && o.runs !== null },
    source,
    store,
    summaries: new SummaryStore(source, store),
    runs: o.runs ?? null,
    logger: o.logger.child({ component: 'viewer' }),
    rootLabel: source.rootUri,
    fontBase,
  };

  // The first notebook a person opens should not also pay for loading the rendering libraries.
  setImmediate(() => {
    try {
      warmUpRenderer();
    } catch (err) {
      ctx.logger.warn({ err: errorMessage(err) }, 'viewer: renderer warm-up failed');
    }
  });

  function fail(r: RouteRequest, name: RouteName, status: number, message: string): void {
    if (name === 'contents') sendJson(r.res, { message, reason: null }, status, r.head);
    else if (status === 401)
      // A person without the session (or whose browser kept the cookie from a link on another site):
      // what to do, in a page, whatever was asked for.
      sendPage(r.res, signInPage(ctx.page, message, r.req.url ?? ctx.page.base), status, r.head);
    else if (KINDS[name] === 'page')
      sendPage(
        r.res,
        errorPage(
          ctx.page,
          status,
          message,
          name === 'runs' ? 'runs' : name === 'summary' ? 'summary' : 'files',
        ),
        status,
        r.head,
      );
    else sendText(r.res, status, message);
  }

  async function dispatch(
    name: RouteName,
    rest: string,
    r: Omit<RouteRequest, 'segments' | 'trailingSlash'>,
  ): Promise<void> {
    if (name === 'static') {
      const asset = /^[A-Za-z0-9._/-]+$/.test(rest) && !rest.includes('..') ? staticAsset(rest) : null;
      if (!asset) return sendText(r.res, 404, 'no such asset');
      const font = isFontAsset(rest);
      return send(r.res, {
        contentType: asset.contentType,
        body: asset.body,
        head: r.head,
        headers: {
          'cache-control': 'public, max-age=86400',
          'content-security-policy': "default-src 'none'",
          // Fonts are fetched with CORS by the sandboxed notebook document (an opaque origin).
          ...(font
            ? { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' }
            : {}),
        },
      });
    }
    const parsed = parseRequestPath(rest);
    const full = {
      ...r,
      segments: parsed.ok ? parsed.segments : [],
      trailingSlash: parsed.ok && parsed.trailingSlash,
    };
    if (!parsed.ok) return fail(full, name, parsed.status, parsed.message);
    switch (name) {
      case 'root':
        return rootRoute(ctx, full);
      case 'view':
        return viewRoute(ctx, full);
      case 'render':
        return renderRoute(ctx, full);
      case 'files':
        return filesRoute(ctx, full);
      case 'contents':
        return contentsRoute(ctx, full);
      case 'runs':
        if (!ctx.runs)
          return fail(full, name, 404, 'run pages need a Conductor: start the viewer with --conductor-url');
        return full.segments.length === 0 ? runsListRoute(ctx, full) : runRoute(ctx, full);
      case 'summary':
        return summaryRoute(ctx, full);
    }
  }

  return {
    base,
    handles: (rawUrl) => routeOf(base, splitUrl(rawUrl).path) !== null,
    runPath: (workflowId) => `${base}runs/${encodeURIComponent(workflowId)}`,

    async handle(req, res) {
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      const { path, query } = splitUrl(req.url ?? '/');
      const route = routeOf(base, path);
      const method = req.method ?? 'GET';
      const head = method === 'HEAD';
      const r = { req, res, query, head, signal: controller.signal };
      req.resume(); // bodies are never read
      if (route === null) return sendText(res, 404, 'not found');
      try {
        const verdict = await o.guard(req, KINDS[route.name]);
        if (!verdict.ok)
          return fail(
            { ...r, segments: [], trailingSlash: false },
            route.name,
            verdict.status,
            verdict.message,
          );
        if (method !== 'GET' && !head) {
          return send(res, {
            status: 405,
            contentType: 'application/json',
            body: JSON.stringify({
              message: `${method} is not allowed: the viewer is read-only`,
              reason: null,
            }),
            headers: { allow: 'GET, HEAD', 'content-security-policy': "default-src 'none'" },
          });
        }
        await dispatch(route.name, route.rest, r);
      } catch (err) {
        const full = { ...r, segments: [], trailingSlash: false };
        if (controller.signal.aborted) return;
        if (isNbcError(err, 'E_STORAGE_NOT_FOUND')) return fail(full, route.name, 404, 'not found');
        if (isNbcError(err, 'E_NOTEBOOK_INVALID')) return fail(full, route.name, 422, err.message);
        if (isNbcError(err, 'E_CONDUCTOR')) return fail(full, route.name, 502, err.message);
        if (isNbcError(err, 'E_STORAGE_AUTH')) return fail(full, route.name, 502, err.message);
        ctx.logger.error({ err: errorMessage(err), url: req.url }, 'viewer: request failed');
        fail(full, route.name, 500, `the viewer could not answer: ${errorMessage(err)}`);
      }
    },
  };
}
