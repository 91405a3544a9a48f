import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import type { S3Config } from '../../src/config';
import { NbcError } from '../../src/errors';
import { createStorage } from '../../src/storage/registry';
import { quietLogger } from '../helpers/logger';

// Records when the AWS SDK is first required (the module itself is the real one).
const mockSdkLoads: string[] = [];
jest.mock('@aws-sdk/client-s3', () => {
  mockSdkLoads.push('@aws-sdk/client-s3');
  return jest.requireActual('@aws-sdk/client-s3');
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-registry-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function s3Config(endpoint: string): S3Config {
  return {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: 'k',
    secretAccessKey: 's',
    sessionToken: null,
    maxAttempts: 1,
    multipartThresholdBytes: 5 * 1024 * 1024,
  };
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

test('file URIs never load the AWS SDK; the first s3:// URI does', async () => {
  const storage = createStorage({
    cwd: dir,
    s3: s3Config(`http://127.0.0.1:${await closedPort()}`),
    logger: quietLogger(),
  });
  await storage.write('a/nb.ipynb', '{}');
  await storage.read(`file://${dir}/a/nb.ipynb`);
  await storage.list('a');
  expect(storage.isWritable('https://example.com/x.ipynb')).toBe(false);
  expect(mockSdkLoads).toEqual([]);

  const err = await failure(storage.stat('s3://bucket/key.ipynb'));
  expect(err.code).toBe('E_STORAGE'); // nothing listens there
  expect(mockSdkLoads).toEqual(['@aws-sdk/client-s3']);
  await storage.close();
});

test('relative paths resolve against the cwd option, not the process cwd', async () => {
  const storage = createStorage({ cwd: dir, s3: s3Config('http://127.0.0.1:1'), logger: quietLogger() });
  await storage.write('out/run.ipynb', 'x');
  expect(readFileSync(path.join(dir, 'out/run.ipynb'), 'utf8')).toBe('x');
  expect(process.cwd()).not.toBe(dir);
});

test('unknown schemes are E_STORAGE_UNSUPPORTED listing the supported ones', async () => {
  const storage = createStorage({ cwd: dir, s3: s3Config('http://127.0.0.1:1'), logger: quietLogger() });
  for (const p of [
    storage.read('gs://bucket/nb.ipynb'),
    storage.write('gs://bucket/nb.ipynb', '{}'),
    storage.stat('gs://bucket/nb.ipynb'),
    storage.list('gs://bucket/'),
  ]) {
    const err = await failure(p);
    expect(err.code).toBe('E_STORAGE_UNSUPPORTED');
    expect(err.message).toMatch(/"gs:\/\/".*file:\/\/.*s3:\/\/.*https?:\/\//);
  }
  expect(() => storage.isWritable('gs://bucket/nb.ipynb')).toThrow(/unsupported URI scheme/);
});
