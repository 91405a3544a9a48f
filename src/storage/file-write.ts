/**
 * Atomic file writes. Every write first goes to a temp file in the target's directory, so the target
 * name only ever points at a complete file:
 * - replace: temp file + rename (atomic on POSIX);
 * - create only (`ifNoneMatch`): temp file + link(2) to the final name, which fails with EEXIST atomically
 *   if anything is there, then the temp name is removed. A crash mid-write leaves at most a stray hidden
 *   temp file (`.<name>.<random>.nbc-tmp`), never a partial target. Where hard links are not supported
 *   (some network/FUSE file systems), we fall back to an exclusive open (`wx`) of the final name and write
 *   into it: still atomic as a create, but a crash mid-write would leave a partial file there.
 * - replace-if-unchanged (`ifMatch`): the temp file is written first, then the current version is checked
 *   and the rename follows immediately. POSIX has no compare-and-rename, so a foreign writer could still
 *   slip into the few microseconds between that check and the rename.
 * Durability against an OS crash (fsync) is not attempted: the guarantee is about readers and process crashes.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { NbcError } from '../errors';
import { abortedError, conflictingConditions, throwIfAborted } from './common';
import { errnoOf, fileEtag, fsError } from './file-errors';
import type { WriteBody, WriteOptions } from './types';

const TEMP_SUFFIX = '.nbc-tmp';

/** True for our in-progress temp files (listings hide them). */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

function tempPathFor(file: string): string {
  // Keep well under NAME_MAX (255) even for long target names.
  const base = path.basename(file).slice(0, 200);
  return path.join(path.dirname(file), `.${base}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

async function removeQuietly(file: string): Promise<void> {
  await fs.unlink(file).catch(() => undefined);
}

const WRITE_BLOCK = 1 << 20;

/**
 * Writes a body to an open file. Chunked bodies are packed into 1 MiB blocks: no full copy of a large
 * notebook is ever made, and a notebook of many small chunks still costs only a few syscalls.
 */
async function writeBody(handle: fs.FileHandle, body: WriteBody, signal?: AbortSignal): Promise<void> {
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    await fs.writeFile(handle, body, { signal });
    return;
  }
  const block = Buffer.allocUnsafe(WRITE_BLOCK);
  let used = 0;
  const flush = async (): Promise<void> => {
    if (signal?.aborted) throw signal.reason;
    let off = 0;
    while (off < used) off += (await handle.write(block, off, used - off)).bytesWritten;
    used = 0;
  };
  for (const chunk of body) {
    if (Buffer.byteLength(chunk) > WRITE_BLOCK - used) {
      await flush();
      if (Buffer.byteLength(chunk) > WRITE_BLOCK) {
        const big = Buffer.from(chunk, 'utf8');
        let off = 0;
        while (off < big.length) off += (await handle.write(big, off, big.length - off)).bytesWritten;
        continue;
      }
    }
    used += block.write(chunk, used, 'utf8');
  }
  await flush();
}

/** Write `body` to a fresh temp file next to `file`; returns its path and the etag it will keep. */
async function writeTemp(
  file: string,
  body: WriteBody,
  signal: AbortSignal | undefined,
  mode: number,
): Promise<[string, string]> {
  const temp = tempPathFor(file);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    await handle.chmod(mode); // exactly the configured mode, whatever the umask
    await writeBody(handle, body, signal);
    // Stamp a sub-microsecond mtime: kernels without fine-grained timestamps give every write in one
    // clock tick (1-10 ms) the same mtime, so a same-size in-place edit right after ours would keep our
    // etag; any later write gets the kernel's time instead, which will not equal this stamp.
    const now = (performance.timeOrigin + performance.now()) / 1000;
    await handle.utimes(now, now);
    const etag = fileEtag(await handle.stat({ bigint: true }));
    await handle.close();
    return [temp, etag];
  } catch (err) {
    await handle.close().catch(() => undefined);
    await removeQuietly(temp);
    throw err;
  }
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

async function createExclusiveInPlace(
  file: string,
  body: WriteBody,
  shown: string,
  mode: number,
): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'wx', mode);
  } catch (err) {
    if (errnoOf(err) === 'EEXIST') throw existsError(shown, file);
    throw err;
  }
  try {
    await handle.chmod(mode);
    await writeBody(handle, body);
    const now = (performance.timeOrigin + performance.now()) / 1000; // see writeTemp
    await handle.utimes(now, now);
    const etag = fileEtag(await handle.stat({ bigint: true }));
    await handle.close();
    return etag;
  } catch (err) {
    await handle.close().catch(() => undefined);
    await removeQuietly(file); // we created it exclusively: it is ours to remove
    throw err;
  }
}

function existsError(shown: string, file: string): NbcError {
  return new NbcError('E_STORAGE_EXISTS', `${shown} already exists; refusing to overwrite it`, {
    uri: shown,
    path: file,
  });
}

function changedError(shown: string, file: string, why: string): NbcError {
  return new NbcError(
    'E_STORAGE_EXISTS',
    `${shown} ${why} since our last write (another writer?); not replacing it`,
    { uri: shown, path: file },
  );
}

/** Folders created for a file of this mode: owner-only for 0600, group-listable for 0640. */
function dirModeFor(mode: number): number {
  return 0o700 | ((mode & 0o040) !== 0 ? 0o050 : 0) | ((mode & 0o004) !== 0 ? 0o005 : 0);
}

/**
 * Write `body` to `file` atomically, honouring `ifNoneMatch` / `ifMatch`, with file mode `mode`. `shown`
 * is the URI as the user gave it (for messages). Returns the new version's etag.
 */
export async function writeFileAtomic(
  file: string,
  shown: string,
  body: WriteBody,
  options: WriteOptions = {},
  mode = 0o600,
): Promise<string> {
  const { ifNoneMatch, ifMatch, signal } = options;
  if (ifNoneMatch && ifMatch !== undefined) throw conflictingConditions(shown);
  try {
    throwIfAborted(signal, 'write', shown);
    await fs.mkdir(path.dirname(file), { recursive: true, mode: dirModeFor(mode) });
    const [temp, etag] = await writeTemp(file, body, signal, mode);
    let tempRenamed = false;
    try {
      if (signal?.aborted) throw abortedError('write', shown, signal.reason);
      if (ifNoneMatch) {
        try {
          await fs.link(temp, file);
        } catch (err) {
          const errno = errnoOf(err);
          if (errno === 'EEXIST') throw existsError(shown, file);
          if (errno !== undefined && LINK_UNSUPPORTED.has(errno))
            return await createExclusiveInPlace(file, body, shown, mode);
          throw err;
        }
        return etag;
      }
      if (ifMatch !== undefined) {
        let current: string;
        try {
          current = fileEtag(await fs.stat(file, { bigint: true }));
        } catch (err) {
          if (errnoOf(err) === 'ENOENT') throw changedError(shown, file, 'was deleted');
          throw err;
        }
        if (current !== ifMatch) throw changedError(shown, file, 'was changed');
      }
      await fs.rename(temp, file);
      tempRenamed = true;
      return etag;
    } finally {
      // After a link this drops the extra name; after a failure, the temp file.
      if (!tempRenamed) await removeQuietly(temp);
    }
  } catch (err) {
    throw fsError(err, 'write', shown, file);
  }
}
