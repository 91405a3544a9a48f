/** Write-once output targets, on local files and on S3 (moto), through the storage facade. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { NbcError } from '../../src/errors';
import { openOutputTarget } from '../../src/storage/output-target';
import { createStorage } from '../../src/storage/registry';
import type { Storage } from '../../src/storage/types';
import { quietLogger } from '../helpers/logger';
import { startMoto, type S3TestServer } from '../helpers/s3-server';

let moto: S3TestServer;
let dir: string;
let storage: Storage;

beforeAll(async () => {
  moto = await startMoto();
  await moto.createBucket('nbc-out');
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-target-'));
  storage = createStorage({ cwd: dir, s3: moto.config(), logger: quietLogger() });
});

afterAll(async () => {
  await storage?.close();
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
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

const read = async (uri: string): Promise<string> => (await storage.read(uri)).toString();

let n = 0;
const backends: Array<[string, () => string]> = [
  ['file', () => `runs/wf/attempt-${n++}.ipynb`],
  ['s3', () => `s3://nbc-out/runs/wf/attempt-${n++}.ipynb`],
];

describe.each(backends)('%s', (_name, newUri) => {
  test('write-once: the first save creates, later saves replace our own version', async () => {
    const uri = newUri();
    const target = openOutputTarget(storage, uri, { overwrite: false });
    await target.preflight();
    await target.save('{"v": 1}');
    const first = target.etag;
    await target.save('{"v": 2}');
    await target.save('{"v": 3}');
    expect(await read(uri)).toBe('{"v": 3}');
    expect(target.saves).toBe(3);
    expect(target.etag).not.toBe(first);
  });

  test('write-once: an existing output is refused by preflight and by save, and left untouched', async () => {
    const uri = newUri();
    await storage.write(uri, 'earlier run');
    const target = openOutputTarget(storage, uri, { overwrite: false });
    const early = await failure(target.preflight());
    expect(early.code).toBe('E_STORAGE_EXISTS');
    expect(early.message).toContain(uri);
    expect((await failure(target.save('ours'))).code).toBe('E_STORAGE_EXISTS');
    expect((await failure(target.save('ours again'))).code).toBe('E_STORAGE_EXISTS');
    expect(await read(uri)).toBe('earlier run');
    expect(target.saves).toBe(0);
  });

  test('write-once: a foreign write between our saves stops us without clobbering it', async () => {
    const uri = newUri();
    const target = openOutputTarget(storage, uri, { overwrite: false });
    await target.save('ours 1');
    await storage.write(uri, 'another worker');
    const err = await failure(target.save('ours 2'));
    expect(err.code).toBe('E_STORAGE_EXISTS');
    expect((await failure(target.save('ours 3'))).code).toBe('E_STORAGE_EXISTS');
    expect(await read(uri)).toBe('another worker');
    expect(target.saves).toBe(1);
  });

  test('write-once: two runs racing for the same output, exactly one gets it', async () => {
    const uri = newUri();
    const a = openOutputTarget(storage, uri, { overwrite: false });
    const b = openOutputTarget(storage, uri, { overwrite: false });
    const results = await Promise.allSettled([a.save('run A'), b.save('run B')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [winner, loser] = results[0]!.status === 'fulfilled' ? [a, b] : [b, a];
    await winner.save(`${winner === a ? 'run A' : 'run B'} final`);
    expect((await failure(loser.save('late'))).code).toBe('E_STORAGE_EXISTS');
    expect(await read(uri)).toBe(`${winner === a ? 'run A' : 'run B'} final`);
  });

  test('overwrite: an existing output is replaced, and every save replaces', async () => {
    const uri = newUri();
    await storage.write(uri, 'earlier run');
    const target = openOutputTarget(storage, uri, { overwrite: true });
    await target.preflight();
    await target.save('new 1');
    await storage.write(uri, 'someone else');
    await target.save('new 2');
    expect(await read(uri)).toBe('new 2');
    expect(target.saves).toBe(2);
  });

  test('saves are serialized and coalesced: the newest body wins, every caller resolves', async () => {
    const uri = newUri();
    const target = openOutputTarget(storage, uri, { overwrite: false });
    await Promise.all([1, 2, 3, 4, 5].map((i) => target.save(`{"v": ${i}}`)));
    expect(await read(uri)).toBe('{"v": 5}');
    expect(target.saves).toBe(2); // the first, then the newest of those that queued behind it
  });
});

test('preflight refuses a read-only output URI', async () => {
  const target = openOutputTarget(storage, 'https://example.com/out.ipynb', { overwrite: true });
  expect((await failure(target.preflight())).code).toBe('E_STORAGE_UNSUPPORTED');
});
