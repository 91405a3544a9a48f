/**
 * Who may read: every viewer request passes a guard first. The viewer does not know how people log in;
 * whoever mounts it injects the guard (the engine's session check, or `hostGuard` for the standalone
 * `nbconductor view`). The route kind lets a guard treat static assets differently: KaTeX's fonts are
 * fetched by the sandboxed notebook document, whose origin is opaque, so those requests carry
 * `Origin: null` and no SameSite cookies.
 */
import type http from 'node:http';

/** page: the viewer's HTML pages · document: a rendered notebook (sandboxed) · file: raw bytes ·
 *  api: the contents API · asset: /static/ (stylesheet, script, fonts; public, no notebook data). */
export type RouteKind = 'page' | 'document' | 'file' | 'api' | 'asset';

export type GuardResult = { ok: true } | { ok: false; status: number; message: string };

export type ViewerGuard = (req: http.IncomingMessage, kind: RouteKind) => GuardResult | Promise<GuardResult>;

export interface HostGuardOptions {
  /** Extra Host names (without port) accepted besides loopback ones, e.g. the name of a proxy in front. */
  allowedHosts?: readonly string[];
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

function hostName(host: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(host);
  return (m?.[1] ?? '').toLowerCase();
}

/**
 * The standalone viewer's guard: the Host must be a loopback name or an allowed one (DNS rebinding gets
 * 403), a cross-origin Origin gets 403 (no other site's page may read through a visitor's browser), and
 * requests a foreign site started (`Sec-Fetch-Site: cross-site`) get 403, except top-level navigations
 * (a shared link) and static assets.
 */
export function hostGuard(options: HostGuardOptions = {}): ViewerGuard {
  const allowed = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  return (req, kind) => {
    const host = req.headers.host;
    if (host === undefined || host === '') return { ok: false, status: 400, message: 'missing Host header' };
    const name = hostName(host);
    if (!LOOPBACK.test(name) && !allowed.has(name)) {
      return {
        ok: false,
        status: 403,
        message: `Host ${host} is not allowed (start the viewer with --allowed-host)`,
      };
    }
    if (kind === 'asset') return { ok: true };
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
      return { ok: false, status: 403, message: `requests from ${origin} are not allowed` };
    }
    // A link to a notebook shared in a chat or a ticket is a cross-site navigation: a person opening it
    // sees the page, the linking site reads nothing. Anything else another site starts is refused.
    const site = req.headers['sec-fetch-site'];
    const topLevel =
      req.headers['sec-fetch-mode'] === 'navigate' && req.headers['sec-fetch-dest'] === 'document';
    if ((site === 'cross-site' || site === 'same-site') && !topLevel) {
      return { ok: false, status: 403, message: 'cross-site requests are not allowed' };
    }
    return { ok: true };
  };
}
