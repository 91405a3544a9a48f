import { promises as fs, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { NbcError } from '../../src/errors';
import { createFileBackend, type FileBackend } from '../../src/storage/file-backend';

let dir: string;
let files: FileBackend;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-file-'));
  files = createFileBackend({ cwd: dir });
});

afterEach(() => {
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

describe('file storage', () => {
  test('relative paths resolve against the cwd option; write creates parent directories', async () => {
    const { etag } = await files.write('out/deep/run.ipynb', '{"cells": []}');
    expect(await fs.readFile(path.join(dir, 'out/deep/run.ipynb'), 'utf8')).toBe('{"cells": []}');
    expect((await files.read('out/deep/run.ipynb')).toString()).toBe('{"cells": []}');
    const stat = await files.stat('out/deep/run.ipynb');
    expect(stat).toMatchObject({ uri: 'out/deep/run.ipynb', size: 13, etag });
    expect(stat?.mtimeMs).toEqual(expect.any(Number));
    expect(await files.stat('out/missing.ipynb')).toBeNull();
  });

  test('files written are owner-only by default, group-readable when configured, whatever the umask', async () => {
    const mode = async (p: string): Promise<number> => (await fs.stat(path.join(dir, p))).mode & 0o777;
    await files.write('private/a/run.ipynb', '{}');
    await files.write('private/a/run.ipynb', '{"v": 2}'); // replacing keeps the mode
    await files.write('private/b.ipynb', '{}', { ifNoneMatch: true });
    expect([await mode('private/a/run.ipynb'), await mode('private/b.ipynb')]).toEqual([0o600, 0o600]);
    expect([await mode('private'), await mode('private/a')]).toEqual([0o700, 0o700]);
    const old = process.umask(0o077);
    try {
      const group = createFileBackend({ cwd: dir, fileMode: 0o640 });
      await group.write('shared/a/run.ipynb', '{}');
      expect(await mode('shared/a/run.ipynb')).toBe(0o640);
    } finally {
      process.umask(old);
    }
    await createFileBackend({ cwd: dir, fileMode: 0o640 }).write('shared2/a/run.ipynb', '{}');
    expect([await mode('shared2'), await mode('shared2/a/run.ipynb')]).toEqual([0o750, 0o640]);
  });

  test('a missing file is E_STORAGE_NOT_FOUND naming the path', async () => {
    const err = await failure(files.read('nope/missing.ipynb'));
    expect(err.code).toBe('E_STORAGE_NOT_FOUND');
    expect(err.message).toContain(path.join(dir, 'nope/missing.ipynb'));
  });

  test('reading a directory is E_STORAGE naming the errno', async () => {
    await fs.mkdir(path.join(dir, 'adir'));
    const err = await failure(files.read('adir'));
    expect(err.code).toBe('E_STORAGE');
    expect(err.message).toMatch(/EISDIR/);
  });

  test('replacing is atomic: a concurrent reader only ever sees a complete version', async () => {
    const size = 2 * 1024 * 1024;
    const versions = ['a', 'b', 'c'].map((ch) => Buffer.alloc(size, ch));
    await files.write('big.ipynb', versions[0]!);
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (writing) {
        const body = await fs.readFile(path.join(dir, 'big.ipynb'));
        expect(body.length).toBe(size);
        const first = body[0]!;
        expect(body.every((b) => b === first)).toBe(true);
        seen.add(String.fromCharCode(first));
      }
    })();
    for (let i = 0; i < 30; i++) await files.write('big.ipynb', versions[i % 3]!);
    writing = false;
    await reader;
    expect(seen.size).toBeGreaterThan(0);
    // No temp files are left behind.
    expect(readdirSync(dir)).toEqual(['big.ipynb']);
  });

  test('ifNoneMatch creates only when nothing is there and leaves an existing file untouched', async () => {
    await files.write('once.ipynb', 'first', { ifNoneMatch: true });
    const err = await failure(files.write('once.ipynb', 'second', { ifNoneMatch: true }));
    expect(err.code).toBe('E_STORAGE_EXISTS');
    expect(err.message).toContain('once.ipynb');
    expect(await fs.readFile(path.join(dir, 'once.ipynb'), 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['once.ipynb']);
  });

  test('two concurrent exclusive creates: exactly one wins, and its content is what is stored', async () => {
    for (let i = 0; i < 20; i++) {
      const name = `race-${i}.ipynb`;
      const results = await Promise.allSettled([
        files.write(name, `writer-A-${'x'.repeat(10_000)}`, { ifNoneMatch: true }),
        files.write(name, `writer-B-${'y'.repeat(10_000)}`, { ifNoneMatch: true }),
      ]);
      const won = results.findIndex((r) => r.status === 'fulfilled');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((lost.reason as NbcError).code).toBe('E_STORAGE_EXISTS');
      const stored = await fs.readFile(path.join(dir, name), 'utf8');
      expect(stored.startsWith(won === 0 ? 'writer-A-' : 'writer-B-')).toBe(true);
    }
  });

  test('ifMatch replaces only our own last version', async () => {
    const first = await files.write('nb.ipynb', 'v1');
    const second = await files.write('nb.ipynb', 'v2', { ifMatch: first.etag! });
    expect(second.etag).not.toBe(first.etag);
    expect((await files.stat('nb.ipynb'))?.etag).toBe(second.etag);

    // A stale etag is refused.
    const stale = await failure(files.write('nb.ipynb', 'v3', { ifMatch: first.etag! }));
    expect(stale.code).toBe('E_STORAGE_EXISTS');

    // Another tool edits the file in place, same size: our etag no longer matches.
    await fs.writeFile(path.join(dir, 'nb.ipynb'), 'XX');
    const edited = await failure(files.write('nb.ipynb', 'v3', { ifMatch: second.etag! }));
    expect(edited.code).toBe('E_STORAGE_EXISTS');
    expect(await fs.readFile(path.join(dir, 'nb.ipynb'), 'utf8')).toBe('XX');

    // Deleted meanwhile: not recreated.
    const current = await files.stat('nb.ipynb');
    await fs.unlink(path.join(dir, 'nb.ipynb'));
    const deleted = await failure(files.write('nb.ipynb', 'v4', { ifMatch: current!.etag! }));
    expect(deleted.code).toBe('E_STORAGE_EXISTS');
    expect(await files.stat('nb.ipynb')).toBeNull();
  });

  test('ifMatch notices a same-size in-place edit made right after our write', async () => {
    // Within one kernel clock tick, an in-place edit keeps inode, size and (coarse) mtime.
    for (let i = 0; i < 50; i++) {
      const name = `tick-${i}.ipynb`;
      const { etag } = await files.write(name, 'ours');
      await fs.writeFile(path.join(dir, name), 'them');
      const err = await failure(files.write(name, 'ours again', { ifMatch: etag! }));
      expect(err.code).toBe('E_STORAGE_EXISTS');
      expect(await fs.readFile(path.join(dir, name), 'utf8')).toBe('them');
    }
  });

  test('list: one level with directories as prefixes, or recursive; temp files hidden', async () => {
    await files.write('runs/a.ipynb', 'a');
    await files.write('runs/wf/b.ipynb', 'bb');
    await files.write('runs/wf/deeper/c.ipynb', 'ccc');
    await fs.writeFile(path.join(dir, 'runs', '.a.ipynb.0123456789ab.nbc-tmp'), 'partial');

    const level = await files.list('runs');
    expect(level.map((s) => [s.uri, s.isPrefix === true])).toEqual([
      [path.join('runs', 'a.ipynb'), false],
      [path.join('runs', 'wf'), true],
    ]);
    expect(level[0]).toMatchObject({ size: 1, etag: expect.any(String) });

    const all = await files.list('runs', { recursive: true });
    expect(all.map((s) => [s.uri, s.size])).toEqual([
      ['runs/a.ipynb', 1],
      ['runs/wf/b.ipynb', 2],
      ['runs/wf/deeper/c.ipynb', 3],
    ]);
    expect(await files.list('no-such-dir')).toEqual([]);
  });

  test('file:// URIs with spaces and unicode round-trip through write, read, stat and list', async () => {
    const target = path.join(dir, 'my notebooks', 'ünï cödé 📓.ipynb');
    const uri = pathToFileURL(target).href;
    expect(uri).toContain('%20');
    await files.write(uri, 'héllo');
    expect(await fs.readFile(target, 'utf8')).toBe('héllo');
    expect((await files.read(uri)).toString()).toBe('héllo');
    expect(await files.stat(uri)).toMatchObject({ uri, size: Buffer.byteLength('héllo') });
    const listed = await files.list(pathToFileURL(path.join(dir, 'my notebooks')).href);
    expect(listed.map((s) => s.uri)).toEqual([uri]);
    expect((await files.read(listed[0]!.uri)).toString()).toBe('héllo');
  });

  test('an aborted write is E_ABORTED and leaves nothing behind', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure(files.write('aborted.ipynb', 'x', { signal: controller.signal }));
    expect(err.code).toBe('E_ABORTED');
    expect(readdirSync(dir)).toEqual([]);
  });

  test('permission errors are E_STORAGE naming EACCES', async () => {
    await files.write('locked/secret.ipynb', 'x');
    await fs.chmod(dir, 0o755);
    await fs.chmod(path.join(dir, 'locked', 'secret.ipynb'), 0o000);
    await fs.chmod(path.join(dir, 'locked'), 0o555);
    // Root ignores permission bits: check as an unprivileged user by dropping the effective uid.
    const asRoot = process.getuid?.() === 0 && typeof process.seteuid === 'function';
    if (asRoot) process.seteuid!(65534);
    let readErr: NbcError;
    let writeErr: NbcError;
    try {
      readErr = await failure(files.read('locked/secret.ipynb'));
      writeErr = await failure(files.write('locked/new.ipynb', 'y'));
    } finally {
      if (asRoot) process.seteuid!(0);
      await fs.chmod(path.join(dir, 'locked'), 0o755);
    }
    expect(readErr.code).toBe('E_STORAGE');
    expect(readErr.message).toMatch(/permission denied.*EACCES/);
    expect(readErr.message).toContain('secret.ipynb');
    expect(writeErr.code).toBe('E_STORAGE');
    expect(writeErr.message).toMatch(/EACCES/);
  });
});
