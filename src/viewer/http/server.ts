/** The standalone viewer server (`nbconductor view`): node:http around a viewer handler. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Viewer } from './handler';
import { sendText } from './respond';

export interface ViewServerOptions {
  viewer: Viewer;
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface RunningViewServer {
  /** e.g. http://127.0.0.1:8888 (without the base URL). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startViewServer(o: ViewServerOptions): Promise<RunningViewServer> {
  const server = http.createServer((req, res) => {
    if (!o.viewer.handles(req.url ?? '/')) {
      req.resume();
      sendText(res, 404, 'not found');
      return;
    }
    void o.viewer.handle(req, res);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
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
