/** The http(s) backend against a real node:http server on 127.0.0.1. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { NbcError } from '../../src/errors';
import { createHttpBackend } from '../../src/storage/http-backend';

const NOTEBOOK = JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] });
let server: http.Server;
let base: string;
const seen: http.IncomingHttpHeaders[] = [];
/** Another origin (another port), for redirects that leave the first one. */
let other: http.Server;
let otherBase: string;
const otherSeen: http.IncomingHttpHeaders[] = [];
const backend = createHttpBackend();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    const send = (status: number, body = '', headers: http.OutgoingHttpHeaders = {}): void => {
      res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    switch (req.url) {
      case '/nb.ipynb':
        return send(200, NOTEBOOK, {
          'content-type': 'application/json',
          etag: '"v1"',
          'last-modified': 'Tue, 02 Jan 2024 03:04:05 GMT',
        });
      case '/moved':
        return send(302, '', { location: '/nb.ipynb' });
      case '/hop':
        return send(301, '', { location: `${base}/moved` });
      case '/private-moved':
        return send(307, '', { location: '/private.ipynb' });
      case '/to-other':
        return send(302, '', { location: `${otherBase}/nb.ipynb` });
      case '/loop':
        return send(302, '', { location: '/loop' });
      case '/to-file':
        return send(302, '', { location: 'file:///etc/passwd' });
      case '/private.ipynb':
        return req.headers.authorization === `Basic ${Buffer.from('ann:s3cret pw').toString('base64')}`
          ? send(200, NOTEBOOK)
          : send(401, 'who are you', { 'www-authenticate': 'Basic' });
      case '/forbidden.ipynb':
        return send(403, 'no');
      case '/broken.ipynb':
        return send(503, 'down');
      default:
        return send(404, 'not here');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  other = http.createServer((req, res) => {
    otherSeen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(NOTEBOOK);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of [server, other]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function failure(p: Promise<unknown>): Promise<NbcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof NbcError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

test('reads a notebook, asking for JSON', async () => {
  const body = await backend.read(`${base}/nb.ipynb`);
  expect(body.toString()).toBe(NOTEBOOK);
  expect(seen.at(-1)?.accept).toMatch(/^application\/json/);
});

test('follows redirects', async () => {
  expect((await backend.read(`${base}/moved`)).toString()).toBe(NOTEBOOK);
});

test('shows every redirect hop to checkRedirect before following it; a refusal fetches nothing more', async () => {
  const hops: [string, string][] = [];
  const body = await backend.read(`${base}/hop`, { checkRedirect: (from, to) => void hops.push([from, to]) });
  expect(body.toString()).toBe(NOTEBOOK);
  expect(hops).toEqual([
    [`${base}/hop`, `${base}/moved`],
    [`${base}/moved`, `${base}/nb.ipynb`],
  ]);

  const before = otherSeen.length;
  const refusal = new NbcError('E_NOT_ALLOWED', 'not there');
  const err = await failure(
    backend.read(`${base}/to-other`, {
      checkRedirect: (_from, to) => {
        if (to.startsWith(otherBase)) throw refusal;
      },
    }),
  );
  expect(err).toBe(refusal);
  expect(otherSeen.length).toBe(before);
  // stat (HEAD) follows redirects the same way
  const refuse = (): void => {
    throw refusal;
  };
  expect(await failure(backend.stat(`${base}/to-other`, { checkRedirect: refuse }))).toBe(refusal);
  expect(otherSeen.length).toBe(before);
});

test('credentials from the URL follow a redirect within the origin, never to another origin', async () => {
  const withAuth = base.replace('http://', 'http://ann:s3cret%20pw@');
  expect((await backend.read(`${withAuth}/private-moved`)).toString()).toBe(NOTEBOOK);
  await backend.read(`${withAuth}/to-other`);
  expect(otherSeen.at(-1)?.authorization).toBeUndefined();
  const configured = createHttpBackend({ headers: { Authorization: 'Bearer configured' } });
  await configured.read(`${base}/to-other`);
  expect(otherSeen.at(-1)?.authorization).toBeUndefined();
});

test('a redirect loop stops after 20 hops; a redirect to a non-http(s) URL is refused', async () => {
  const loop = await failure(backend.read(`${base}/loop`));
  expect(loop.code).toBe('E_STORAGE');
  expect(loop.message).toBe(`cannot read ${base}/loop: more than 20 redirects`);
  const file = await failure(backend.read(`${base}/to-file`));
  expect(file.code).toBe('E_STORAGE');
  expect(file.message).toContain('redirected to a file: URL');
});

test('stat uses HEAD: size, etag and mtime; null when missing', async () => {
  const stat = await backend.stat(`${base}/nb.ipynb`);
  expect(stat).toEqual({
    uri: `${base}/nb.ipynb`,
    size: Buffer.byteLength(NOTEBOOK),
    etag: '"v1"',
    mtimeMs: Date.UTC(2024, 0, 2, 3, 4, 5),
  });
  expect(await backend.stat(`${base}/missing.ipynb`)).toBeNull();
});

test('404 is E_STORAGE_NOT_FOUND, 401/403 E_STORAGE_AUTH, other statuses E_STORAGE with the status', async () => {
  const missing = await failure(backend.read(`${base}/missing.ipynb`));
  expect(missing.code).toBe('E_STORAGE_NOT_FOUND');
  expect(missing.message).toContain(`${base}/missing.ipynb`);
  expect(missing.message).toContain('404');

  expect((await failure(backend.read(`${base}/forbidden.ipynb`))).code).toBe('E_STORAGE_AUTH');
  expect((await failure(backend.read(`${base}/private.ipynb`))).code).toBe('E_STORAGE_AUTH');

  const broken = await failure(backend.read(`${base}/broken.ipynb`));
  expect(broken.code).toBe('E_STORAGE');
  expect(broken.message).toContain('503');
  expect(broken.details).toMatchObject({ status: 503, retryable: true });
});

test('user info in the URL becomes Basic auth and never appears in messages', async () => {
  const withAuth = base.replace('http://', 'http://ann:s3cret%20pw@');
  expect((await backend.read(`${withAuth}/private.ipynb`)).toString()).toBe(NOTEBOOK);
  const err = await failure(backend.read(`${withAuth}/missing.ipynb`));
  expect(err.message).not.toContain('s3cret');
  expect(JSON.stringify(err.details)).not.toContain('s3cret');
});

test('network errors are E_STORAGE and retryable', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const err = await failure(backend.read(`http://127.0.0.1:${port}/nb.ipynb`));
  expect(err.code).toBe('E_STORAGE');
  expect(err.message).toMatch(/ECONNREFUSED/);
  expect(err.details.retryable).toBe(true);
});

test('write and list are refused: http(s) is read-only', async () => {
  const before = seen.length;
  const write = await failure(backend.write(`${base}/out.ipynb`, '{}'));
  expect(write.code).toBe('E_STORAGE_UNSUPPORTED');
  expect(write.message).toMatch(/http\(s\) URIs are read-only/);
  expect((await failure(backend.list(`${base}/`))).code).toBe('E_STORAGE_UNSUPPORTED');
  expect(seen.length).toBe(before); // refused without a request
});
