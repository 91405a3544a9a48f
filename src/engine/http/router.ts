/**
 * A small path router: patterns like `/api/tasks/{taskId}/log`; when several match, the one with literal
 * segments earliest wins (so `/api/tasks/poll/batch/{t}` beats `/api/tasks/{id}/log`).
 *
 * A parameter never takes a value that names a literal sub-resource at its place: `bulk` in
 * `/api/workflow/bulk` is not a workflow id, because `/api/workflow/bulk/...` routes exist. Such a request
 * matches nothing (404, the resource does not exist) instead of being answered by the id route.
 */
import type { IncomingHttpHeaders } from 'node:http';

import type { JsonValue } from '../../json';
import type { Access } from '../../security';

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (`body: 'json'` routes), the raw text (`body: 'text'`), or undefined. */
  body: JsonValue | undefined;
  signal: AbortSignal;
}

export interface ApiResponse {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Readonly<Record<string, string>>;
}

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface RouteOptions {
  body?: 'json' | 'text' | 'none';
  /** Who may call it (default 'api': a valid X-Authorization token when auth is on). */
  access?: Access;
}

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
  options: RouteOptions;
}

/** A registered route as it was declared (for listings and the security coverage test). */
export interface RouteInfo {
  method: string;
  /** e.g. `/api/tasks/{taskId}/log` */
  pattern: string;
  access: Access;
  body: 'json' | 'text' | 'none';
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
  options: RouteOptions;
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, options: RouteOptions = {}): void {
    this.routes.push({ method, pattern, segments: split(pattern), handler, options });
  }

  /** Every route, in registration order. */
  list(): RouteInfo[] {
    return this.routes.map((r) => ({
      method: r.method,
      pattern: r.pattern,
      access: r.options.access ?? 'api',
      body: r.options.body ?? 'none',
    }));
  }

  get(pattern: string, handler: Handler, options?: RouteOptions): void {
    this.add('GET', pattern, handler, options);
  }
  post(pattern: string, handler: Handler, options: RouteOptions = { body: 'json' }): void {
    this.add('POST', pattern, handler, options);
  }
  put(pattern: string, handler: Handler, options: RouteOptions = { body: 'json' }): void {
    this.add('PUT', pattern, handler, options);
  }
  delete(pattern: string, handler: Handler, options?: RouteOptions): void {
    this.add('DELETE', pattern, handler, options);
  }

  /** The route for this request, `'method'` when the path exists with another method, or null. */
  match(method: string, path: string): RouteMatch | 'method' | null {
    const parts = split(path);
    let best: { route: Route; params: Record<string, string>; score: string } | null = null;
    let pathExists = false;
    for (const route of this.routes) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let score = '';
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = route.segments[i] as string;
        const part = parts[i] as string;
        if (isParam(seg)) {
          ok = !this.isLiteralAt(parts, i);
          params[seg.slice(1, -1)] = decode(part);
          score += '0';
        } else if (seg === part) {
          score += '1';
        } else {
          ok = false;
        }
      }
      if (!ok) continue;
      pathExists = true;
      if (route.method !== method) continue;
      if (!best || score > best.score) best = { route, params, score };
    }
    if (best) return { handler: best.route.handler, params: best.params, options: best.route.options };
    return pathExists ? 'method' : null;
  }

  /**
   * Whether `parts[i]` is a literal segment of some route (any method) at position i after the same
   * leading segments: one of the same length (e.g. `/api/tasks/search`), or a longer one for which it
   * names a group of sub-resources (e.g. `bulk` in `/api/workflow/bulk/pause`).
   */
  private isLiteralAt(parts: string[], i: number): boolean {
    const value = parts[i] as string;
    return this.routes.some((r) => {
      const n = r.segments.length;
      if (n <= i || r.segments[i] !== value || (n !== parts.length && n <= i + 1)) return false;
      for (let j = 0; j < i; j++) {
        const seg = r.segments[j] as string;
        if (!isParam(seg) && seg !== parts[j]) return false;
      }
      return true;
    });
  }
}

function isParam(segment: string): boolean {
  return segment.startsWith('{') && segment.endsWith('}');
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
