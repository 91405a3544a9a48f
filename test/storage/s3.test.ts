/** The s3 backend against moto's real S3 server on 127.0.0.1 (one server for this file). */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';

import { NbcError } from '../../src/errors';
import { createS3Backend, type S3Backend } from '../../src/storage/s3-backend';
import { startFaultProxy } from '../helpers/fault-proxy';
import { quietLogger } from '../helpers/logger';
import { startMoto, type S3TestServer } from '../helpers/s3-server';

const BUCKET = 'nbc-test';
const MIB = 1024 * 1024;

let moto: S3TestServer;
let s3: S3Backend;
const extra: S3Backend[] = [];

beforeAll(async () => {
  moto = await startMoto();
  await moto.createBucket(BUCKET);
  s3 = createS3Backend({ ...moto.config(), logger: quietLogger(), listPageSize: 7 });
});

afterAll(async () => {
  await Promise.all([s3, ...extra].map((b) => b?.close()));
  await moto?.stop();
});

function backend(overrides: Parameters<S3TestServer['config']>[0] = {}): S3Backend {
  const b = createS3Backend({ ...moto.config(overrides), logger: quietLogger() });
  extra.push(b);
  return b;
}

async function failure(p: Promise<unknown>): Promise<NbcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof NbcError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

const uri = (key: string): string => `s3://${BUCKET}/${key}`;

test('put, get and head round-trip bytes, size and etag', async () => {
  const body = JSON.stringify({ cells: [], note: 'ünïcödé' });
  const { etag } = await s3.write(uri('rt/nb.ipynb'), body);
  expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
  expect((await s3.read(uri('rt/nb.ipynb'))).toString()).toBe(body);
  const stat = await s3.stat(uri('rt/nb.ipynb'));
  expect(stat).toMatchObject({ uri: uri('rt/nb.ipynb'), size: Buffer.byteLength(body), etag });
  expect(stat?.mtimeMs).toEqual(expect.any(Number));
});

test('missing key: read is E_STORAGE_NOT_FOUND naming it, stat is null', async () => {
  const err = await failure(s3.read(uri('no/such/key.ipynb')));
  expect(err.code).toBe('E_STORAGE_NOT_FOUND');
  expect(err.message).toContain(uri('no/such/key.ipynb'));
  expect(await s3.stat(uri('no/such/key.ipynb'))).toBeNull();
});

test('missing bucket: read, write and list are E_STORAGE_NOT_FOUND naming the bucket', async () => {
  for (const p of [
    s3.read('s3://no-such-bucket/x.ipynb'),
    s3.write('s3://no-such-bucket/x.ipynb', '{}'),
    s3.list('s3://no-such-bucket/runs'),
  ]) {
    const err = await failure(p);
    expect(err.code).toBe('E_STORAGE_NOT_FOUND');
    expect(err.message).toContain('"no-such-bucket"');
  }
  expect(await s3.stat('s3://no-such-bucket/x.ipynb')).toBeNull();
});

test('list pages through ListObjectsV2, one level (with prefixes) or recursive', async () => {
  const names = Array.from({ length: 23 }, (_, i) => `list/n${String(i).padStart(2, '0')}.ipynb`);
  await Promise.all(names.map((k) => s3.write(uri(k), k)));
  await Promise.all(
    ['list/sub/a.ipynb', 'list/sub/deep/b.ipynb', 'listing/other.ipynb'].map((k) => s3.write(uri(k), k)),
  );

  const level = await s3.list(uri('list'));
  expect(level.filter((s) => !s.isPrefix).map((s) => s.uri)).toEqual(names.map(uri));
  expect(level.filter((s) => s.isPrefix).map((s) => s.uri)).toEqual([uri('list/sub/')]);
  expect(level[0]).toMatchObject({ size: names[0]!.length, etag: expect.any(String) });

  const all = await s3.list(uri('list/'), { recursive: true });
  expect(all).toHaveLength(25); // 23 + 2 below sub/ — several pages of 7
  expect(all.map((s) => s.uri)).toContain(uri('list/sub/deep/b.ipynb'));
  expect(all.map((s) => s.uri)).not.toContain(uri('listing/other.ipynb'));
});

test('conditional create: E_STORAGE_EXISTS when the key exists, existing object untouched', async () => {
  await s3.write(uri('once/nb.ipynb'), 'first', { ifNoneMatch: true });
  const err = await failure(s3.write(uri('once/nb.ipynb'), 'second', { ifNoneMatch: true }));
  expect(err.code).toBe('E_STORAGE_EXISTS');
  expect(err.message).toContain(uri('once/nb.ipynb'));
  expect((await s3.read(uri('once/nb.ipynb'))).toString()).toBe('first');
});

test('two concurrent conditional creates: exactly one wins', async () => {
  for (let i = 0; i < 10; i++) {
    const key = uri(`race/${i}.ipynb`);
    const results = await Promise.allSettled([
      s3.write(key, `A-${i}`, { ifNoneMatch: true }),
      s3.write(key, `B-${i}`, { ifNoneMatch: true }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as NbcError).code).toBe('E_STORAGE_EXISTS');
    const winner = results[0]!.status === 'fulfilled' ? 'A' : 'B';
    expect((await s3.read(key)).toString()).toBe(`${winner}-${i}`);
  }
});

test('ifMatch replaces only the version we last wrote', async () => {
  const first = await s3.write(uri('cas/nb.ipynb'), 'v1');
  const second = await s3.write(uri('cas/nb.ipynb'), 'v2', { ifMatch: first.etag! });
  const stale = await failure(s3.write(uri('cas/nb.ipynb'), 'v3', { ifMatch: first.etag! }));
  expect(stale.code).toBe('E_STORAGE_EXISTS');
  expect((await s3.read(uri('cas/nb.ipynb'))).toString()).toBe('v2');
  expect((await s3.stat(uri('cas/nb.ipynb')))?.etag).toBe(second.etag);
});

describe('multipart (threshold 5 MiB)', () => {
  const big = randomBytes(6 * MIB + 12345);

  test('a body over the threshold goes up in parts and round-trips byte for byte', async () => {
    const { etag } = await s3.write(uri('mp/big.ipynb'), big);
    expect(etag).toMatch(/-2"$/); // S3-style multipart ETag: md5 of part md5s, part count
    const back = await s3.read(uri('mp/big.ipynb'));
    expect(back.equals(big)).toBe(true);
    expect((await s3.stat(uri('mp/big.ipynb')))?.size).toBe(big.length);
  });

  test('conditional multipart create: the condition holds on CompleteMultipartUpload', async () => {
    const created = await s3.write(uri('mp/once.ipynb'), big, { ifNoneMatch: true });
    expect(created.etag).toMatch(/-2"$/);
    const other = randomBytes(6 * MIB);
    const err = await failure(s3.write(uri('mp/once.ipynb'), other, { ifNoneMatch: true }));
    expect(err.code).toBe('E_STORAGE_EXISTS');
    expect((await s3.read(uri('mp/once.ipynb'))).equals(big)).toBe(true);
    // The refused upload was aborted, not left dangling with its parts.
    const raw = new S3Client({
      ...moto.config(),
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const uploads = await raw.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: 'mp/' }));
      expect(uploads.Uploads ?? []).toEqual([]);
    } finally {
      raw.destroy();
    }
  });
});

describe('faults', () => {
  test('503 SlowDown on the first requests is retried with backoff and the write succeeds', async () => {
    const proxy = await startFaultProxy(moto.port, (n) => (n < 2 ? { status: 503, code: 'SlowDown' } : null));
    try {
      const flaky = backend({ endpoint: proxy.endpoint, maxAttempts: 4 });
      await flaky.write(uri('retry/slowdown.ipynb'), 'made it', { ifNoneMatch: true });
      expect(proxy.faults).toBe(2);
      expect((await s3.read(uri('retry/slowdown.ipynb'))).toString()).toBe('made it');
    } finally {
      await proxy.stop();
    }
  });

  test('a conditional create whose success answer was lost is recognised as ours when the retry hits 412', async () => {
    // The first PUT reaches moto and creates the object, but the client sees a 500; the SDK retries,
    // and the retry's If-None-Match fails against our own object.
    const proxy = await startFaultProxy(moto.port, (n) =>
      n === 0 ? { status: 500, code: 'InternalError', afterForward: true } : null,
    );
    try {
      const flaky = backend({ endpoint: proxy.endpoint, maxAttempts: 3 });
      const { etag } = await flaky.write(uri('retry/lost-answer.ipynb'), 'ours', { ifNoneMatch: true });
      expect(proxy.faults).toBe(1);
      expect(etag).toBe((await s3.stat(uri('retry/lost-answer.ipynb')))?.etag);
      // A different body at the same key is still refused.
      const other = await failure(
        flaky.write(uri('retry/lost-answer.ipynb'), 'theirs', { ifNoneMatch: true }),
      );
      expect(other.code).toBe('E_STORAGE_EXISTS');
    } finally {
      await proxy.stop();
    }
  });

  test('a server that always answers 500 gives E_STORAGE after maxAttempts', async () => {
    const proxy = await startFaultProxy(moto.port, () => ({ status: 500, code: 'InternalError' }));
    try {
      const broken = backend({ endpoint: proxy.endpoint, maxAttempts: 3 });
      const err = await failure(broken.write(uri('retry/never.ipynb'), 'x'));
      expect(err.code).toBe('E_STORAGE');
      expect(err.message).toMatch(/500 InternalError after 3 attempts/);
      expect(err.details.retryable).toBe(true);
      expect(proxy.requests).toBe(3);
    } finally {
      await proxy.stop();
    }
    expect(await s3.stat(uri('retry/never.ipynb'))).toBeNull();
  });

  test('connection refused is E_STORAGE (retryable) naming the endpoint', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const down = backend({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    const err = await failure(down.read(uri('rt/nb.ipynb')));
    expect(err.code).toBe('E_STORAGE');
    expect(err.message).toContain(`http://127.0.0.1:${port}`);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.details.retryable).toBe(true);
  });

  test('an aborted read is E_ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure(s3.read(uri('rt/nb.ipynb'), { signal: controller.signal }));
    expect(err.code).toBe('E_ABORTED');
  });
});
