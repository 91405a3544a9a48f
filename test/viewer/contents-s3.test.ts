/**
 * The contents API over an S3 root (moto's S3 server on 127.0.0.1): Jupyter's model, folders from common
 * prefixes, listings complete past S3's 1,000-key pages, no write of any kind, no way out of the prefix.
 */
import { startMoto, type S3TestServer } from '../helpers/s3-server';
import {
  codeCell,
  notebookJson,
  rawRequest,
  startTestViewer,
  testStorage,
  type TestViewer,
} from '../helpers/viewer';
import type { Storage } from '../../src/storage';

const SECRET = 'SECRET-OUTSIDE-THE-PREFIX';
let s3: S3TestServer;
let v: TestViewer;
let storage: Storage;

async function allKeys(): Promise<string[]> {
  return (await storage.list('s3://records', { recursive: true })).map(
    (s) => `${s.uri} ${s.size} ${s.etag ?? ''}`,
  );
}

beforeAll(async () => {
  s3 = await startMoto();
  await s3.createBucket('records');
  storage = testStorage(s3.config());
  const put = (key: string, body: string): Promise<unknown> => storage.write(`s3://records/${key}`, body);
  await put(
    'runs/a.ipynb',
    JSON.stringify(
      notebookJson([codeCell('x = 1')], { papermill: { start_time: 't', end_time: 'u', exception: false } }),
    ),
  );
  await put('runs/sub/deeper/b.txt', 'hello\n');
  await put('runs/.hidden', SECRET);
  await put('runs-sibling/secret.txt', SECRET);
  await put('other/secret.txt', SECRET);
  const keys = Array.from({ length: 2500 }, (_, i) => `runs/big/k${String(i).padStart(4, '0')}.txt`);
  for (let i = 0; i < keys.length; i += 25) await Promise.all(keys.slice(i, i + 25).map((k) => put(k, k)));
  v = await startTestViewer({ root: 's3://records/runs', s3: s3.config() });
}, 180_000);

afterAll(async () => {
  await v?.stop();
  await storage?.close();
  await s3?.stop();
});

async function getJson(p: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await rawRequest(v.url, 'GET', p);
  return { status: r.status, body: JSON.parse(r.body) as Record<string, unknown> };
}

it('lists the root with folders from common prefixes, files with sizes and times', async () => {
  const { status, body } = await getJson('/api/contents/');
  expect(status).toBe(200);
  expect(body).toMatchObject({ type: 'directory', path: '', writable: false, format: 'json' });
  const children = body.content as Record<string, unknown>[];
  expect(children.map((c) => [c.name, c.type])).toEqual([
    ['a.ipynb', 'notebook'],
    ['big', 'directory'],
    ['sub', 'directory'],
  ]);
  const nb = children[0] as Record<string, unknown>;
  expect(nb.size).toBeGreaterThan(0);
  // S3 objects are replaced, never modified: LastModified is when this version was created
  expect(nb.created).toBe(nb.last_modified);
  expect(Date.parse(nb.last_modified as string)).toBeGreaterThan(0);
});

it('lists a 2,500-key folder completely (three ListObjectsV2 pages)', async () => {
  const { body } = await getJson('/api/contents/big');
  const names = (body.content as { name: string }[]).map((c) => c.name);
  expect(names).toHaveLength(2500);
  expect(new Set(names).size).toBe(2500);
  expect(names[2499]).toBe('k2499.txt');
});

it('reads notebooks and files, and knows a folder that has only deeper keys', async () => {
  expect((await getJson('/api/contents/a.ipynb')).body).toMatchObject({
    type: 'notebook',
    format: 'json',
    content: { nbformat: 4 },
  });
  expect((await getJson('/api/contents/sub/deeper/b.txt')).body).toMatchObject({
    type: 'file',
    format: 'text',
    content: 'hello\n',
    mimetype: 'text/plain',
  });
  expect((await getJson('/api/contents/sub')).body).toMatchObject({
    type: 'directory',
    content: [{ name: 'deeper', type: 'directory' }],
  });
  expect((await getJson('/api/contents/nope')).status).toBe(404);
  const files = await fetch(`${v.url}/files/sub/deeper/b.txt`);
  expect(await files.text()).toBe('hello\n');
});

it('shows the folder page paged, not truncated', async () => {
  const first = await (await fetch(`${v.url}/view/big/`)).text();
  expect(first).toContain('2,500 entries');
  expect(first).toContain('page 1 of 13');
  const last = await (await fetch(`${v.url}/view/big/?page=13`)).text();
  expect(last).toContain('k2499.txt');
  expect(last).not.toContain('k2399.txt');
});

it('refuses every write method and leaves the bucket as it was', async () => {
  const before = await allKeys();
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'COPY', 'MOVE']) {
    for (const p of [
      '/api/contents/a.ipynb',
      '/api/contents/new.ipynb',
      '/api/contents/big',
      '/files/a.ipynb',
    ]) {
      const r = await rawRequest(
        v.url,
        method,
        p,
        { 'content-type': 'application/json' },
        '{"type":"file","format":"text","content":"x"}',
      );
      expect([method, p, r.status]).toEqual([method, p, 405]);
    }
  }
  expect(await allKeys()).toEqual(before);
});

it.each([
  '/api/contents/../other/secret.txt',
  '/api/contents/%2e%2e/other/secret.txt',
  '/api/contents/..%2fruns-sibling%2fsecret.txt',
  '/files/%2E%2E/other/secret.txt',
  '/files/..%5cother%5csecret.txt',
  '/files//other/secret.txt',
  '/api/contents/.hidden',
  '/files/.hidden',
  '/files/a.ipynb%00',
])('%s is refused', async (attack) => {
  const r = await rawRequest(v.url, 'GET', attack);
  expect([400, 404]).toContain(r.status);
  expect(r.body).not.toContain(SECRET);
});
