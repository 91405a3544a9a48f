/**
 * Who may read: every viewer request passes a guard first. The viewer does not decide who gets in:
 * whoever serves it injects the guard, normally `securityGuard` over the server's src/security (the
 * engine's own under `server`/`up`, the standalone viewer's under `nbconductor view`). The route kind lets
 * a guard treat static assets differently: KaTeX's fonts are fetched by the sandboxed notebook document,
 * whose origin is opaque, so those requests carry `Origin: null` and no SameSite cookie.
 */
import type http from 'node:http';

import type { Access, HttpSecurity } from '../../security';

/** page: the viewer's HTML pages · document: a rendered notebook (sandboxed) · file: raw bytes ·
 *  api: the contents API · asset: /static/ (stylesheet, script, fonts; public, no notebook data). */
export type RouteKind = 'page' | 'document' | 'file' | 'api' | 'asset';

export type GuardResult = { ok: true } | { ok: false; status: number; message: string };

export type ViewerGuard = (req: http.IncomingMessage, kind: RouteKind) => GuardResult | Promise<GuardResult>;

/**
 * The viewer behind src/security: always the Host check (DNS rebinding gets 403); for everything but
 * static assets also the Origin check (another site's page gets 403) and the login session (else 401).
 * The contents API also takes an API token instead (`X-Authorization`, which no page can send to another
 * site), so scripts holding the key read it as they read the engine's API.
 */
export function securityGuard(security: Pick<HttpSecurity, 'admit'>): ViewerGuard {
  return (req, kind) => {
    const access: Access =
      kind === 'asset' ? 'host' : kind === 'api' && req.headers['x-authorization'] ? 'api' : 'page';
    const refused = security.admit(req, access);
    return refused ? { ok: false, status: refused.status, message: refused.message } : { ok: true };
  };
}
