/**
 * The standalone viewer server (`nbconductor view`): node:http around a viewer handler, with its own
 * security (src/security): a key made at start, so its login links and sessions are its own, never the
 * engine's. It answers the login link at `<base>login`; everything else is the viewer's (guarded there).
 */
import http from 'node:http';

import {
  createHttpSecurity,
  generateCredentials,
  listenAddressNames,
  sendLoginResponse,
  type HttpSecurity,
} from '../../security';
import { listenOn } from '../../listen';
import { normalizeBaseUrl, type Viewer } from './handler';
import { sendText } from './respond';

export interface ViewerSecuritySettings {
  /** 'token': pages need the session set by the printed login link; 'none': open (a warning is due). */
  auth: 'token' | 'none';
  /** The listen address (a Host name clients use, unless it is a wildcard). */
  host: string;
  /** Host names accepted besides loopback ones and the listen address (a proxy's name). */
  allowedHosts: readonly string[];
  /** Origins accepted besides the viewer's own. */
  allowedOrigins: readonly string[];
  /** The viewer's base URL (the login link lives under it). */
  baseUrl?: string;
}

/** The standalone viewer's security, with a key of its own made now (restarting signs everyone out). */
export function createViewerSecurity(o: ViewerSecuritySettings): HttpSecurity {
  return createHttpSecurity({
    auth: o.auth === 'none' ? { mode: 'none' } : { mode: 'token', credentials: generateCredentials() },
    allowedHosts: [...listenAddressNames(o.host), ...o.allowedHosts],
    allowedOrigins: o.allowedOrigins,
    loginPath: `${normalizeBaseUrl(o.baseUrl)}login`,
  });
}

export interface ViewServerOptions {
  viewer: Viewer;
  /** The security the viewer's guard uses (`createViewerSecurity`): this server answers its login link. */
  security: HttpSecurity;
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningViewServer {
  /** e.g. http://127.0.0.1:8888 (without the base URL). */
  url: string;
  port: number;
  /** A one-time login link landing on `next` (default: the root folder); null with auth 'none'. */
  loginLink(next?: string): string | null;
  stop(): Promise<void>;
}

export async function startViewServer(o: ViewServerOptions): Promise<RunningViewServer> {
  const loginPath = `${o.viewer.base}login`;
  const server = http.createServer((req, res) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    if ((q < 0 ? raw : raw.slice(0, q)) === loginPath) {
      req.resume();
      if (!o.security.guard(req, res, 'open')) return;
      if (req.method !== 'GET') {
        sendText(res, 405, 'the login link is opened with GET', { allow: 'GET' });
        return;
      }
      sendLoginResponse(res, o.security.redeemLogin(req, new URLSearchParams(q < 0 ? '' : raw.slice(q + 1))));
      return;
    }
    if (!o.viewer.handles(raw)) {
      req.resume();
      sendText(res, 404, 'not found');
      return;
    }
    void o.viewer.handle(req, res);
  });
  server.keepAliveTimeout = 65_000;
  const { port, url } = await listenOn(server, o.port, o.host);
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    loginLink: (next) => o.security.loginLink(url, next ?? o.viewer.base),
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      return stopping;
    },
  };
}
