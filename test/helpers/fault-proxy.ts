/**
 * A tiny HTTP proxy for fault injection: forwards requests to a target server on 127.0.0.1, except those
 * the `fault` function picks, which get an S3-style XML error instead (after the request body has been
 * read, as a real server would), or are held: never answered, as by a server that hangs, until the
 * client gives up or the proxy stops; or held until a promise settles and then forwarded (a request still
 * on its way, or a long poll the server keeps open).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface InjectedFault {
  status: number;
  /** S3 error code for the XML body, e.g. "SlowDown", "InternalError". */
  code: string;
  /** Forward the request first and drop the real answer: the server acted, the client sees an error. */
  afterForward?: boolean;
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Requests seen so far (forwarded + failed). */
  readonly requests: number;
  /** Requests answered with an injected fault. */
  readonly faults: number;
  stop(): Promise<void>;
}

export const HOLD = 'hold';

/** Forward the request only once `holdUntil` settles. */
export interface HeldRequest {
  holdUntil: Promise<unknown>;
}

/**
 * `fault(n, req)` gets the 0-based request number; return a fault to inject, HOLD, a HeldRequest, or null
 * to forward.
 */
export async function startFaultProxy(
  targetPort: number,
  fault: (n: number, req: http.IncomingMessage) => InjectedFault | typeof HOLD | HeldRequest | null,
): Promise<FaultProxy> {
  let requests = 0;
  let faults = 0;
  const server = http.createServer((req, res) => {
    const picked = fault(requests++, req);
    if (picked === HOLD) {
      faults++;
      req.resume();
      return;
    }
    const injected = picked && 'holdUntil' in picked ? null : picked;
    const answerWithFault = (f: InjectedFault): void => {
      faults++;
      const body =
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${f.code}</Code>` +
        `<Message>injected by the test proxy</Message><RequestId>test</RequestId></Error>`;
      res.writeHead(f.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (injected && !injected.afterForward) {
      req.resume();
      req.on('end', () => answerWithFault(injected));
      return;
    }
    const forward = (): void => {
      const upstream = http.request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          if (injected) {
            up.resume();
            up.on('end', () => answerWithFault(injected));
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (picked && 'holdUntil' in picked) void picked.holdUntil.then(forward, forward);
    else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get faults() {
      return faults;
    },
    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
