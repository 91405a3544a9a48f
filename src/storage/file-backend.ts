/**
 * Local files: plain paths (relative ones resolved against the `cwd` option, never process.cwd()) and
 * file:// URIs. Writes are atomic (see file-write.ts).
 */
import type { Dirent } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { NbcError } from '../errors';
import { errnoOf, fileEtag, fsError } from './file-errors';
import { isTempName, writeFileAtomic } from './file-write';
import type {
  ListOptions,
  ObjectStat,
  ReadOptions,
  StorageBackend,
  WriteBody,
  WriteOptions,
  WriteResult,
} from './types';
import { joinUri, parseUri } from './uri';

export interface FileBackendOptions {
  /** Directory relative paths are resolved against (required: library code never uses process.cwd()). */
  cwd: string;
  /** Mode of the files written (output notebooks and their offloaded data); default 0o600. */
  fileMode?: number;
}

export interface FileBackend extends StorageBackend {
  /** The absolute path a plain path or file:// URI refers to. */
  resolvePath(uri: string): string;
}

export function createFileBackend(options: FileBackendOptions): FileBackend {
  if (!path.isAbsolute(options.cwd)) {
    throw new NbcError('E_INTERNAL', `file storage cwd must be an absolute path, got ${options.cwd}`);
  }
  const cwd = options.cwd;

  function resolvePath(uri: string): string {
    const parsed = parseUri(uri);
    if (parsed.scheme !== 'file') {
      throw new NbcError('E_INTERNAL', `file storage got a ${parsed.scheme} URI: ${uri}`, { uri });
    }
    return path.resolve(cwd, parsed.path);
  }

  async function statOf(uri: string, file: string): Promise<ObjectStat | null> {
    try {
      const st = await fs.stat(file, { bigint: true });
      // Directories are prefixes, sized 0 as S3's common prefixes are.
      if (st.isDirectory()) return { uri, size: 0, mtimeMs: Number(st.mtimeMs), isPrefix: true };
      return { uri, size: Number(st.size), mtimeMs: Number(st.mtimeMs), etag: fileEtag(st) };
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === 'ENOENT' || errno === 'ENOTDIR') return null;
      throw fsError(err, 'stat', uri, file);
    }
  }

  async function listDir(
    uri: string,
    dir: string,
    recursive: boolean,
    signal: AbortSignal | undefined,
    out: ObjectStat[],
  ): Promise<void> {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      // A missing directory lists as empty, as a prefix with no objects does on S3.
      if (errnoOf(err) === 'ENOENT') return;
      if (errnoOf(err) === 'ENOTDIR') {
        throw new NbcError('E_STORAGE', `cannot list ${uri}: not a directory`, {
          uri,
          path: dir,
        });
      }
      throw fsError(err, 'list', uri, dir);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (isTempName(entry.name)) continue;
      const childUri = joinUri(uri, entry.name);
      const childPath = path.join(dir, entry.name);
      // Symlinked directories are reported but not descended into (no cycles).
      if (entry.isDirectory() && recursive) {
        await listDir(childUri, childPath, true, signal, out);
        continue;
      }
      const stat = await statOf(childUri, childPath);
      if (stat === null) continue; // vanished (or dangling link) since readdir
      if (recursive && stat.isPrefix) continue;
      out.push(stat);
    }
  }

  return {
    schemes: ['file'],
    resolvePath,

    async read(uri: string, opts: ReadOptions = {}): Promise<Buffer> {
      const file = resolvePath(uri);
      try {
        return await fs.readFile(file, { signal: opts.signal });
      } catch (err) {
        throw fsError(err, 'read', uri, file);
      }
    },

    async write(uri: string, body: WriteBody, opts: WriteOptions = {}): Promise<WriteResult> {
      const file = resolvePath(uri);
      const etag = await writeFileAtomic(file, uri, body, opts, options.fileMode ?? 0o600);
      return { etag };
    },

    async stat(uri: string): Promise<ObjectStat | null> {
      return statOf(uri, resolvePath(uri));
    },

    async list(prefixUri: string, opts: ListOptions = {}): Promise<ObjectStat[]> {
      const dir = resolvePath(prefixUri);
      const out: ObjectStat[] = [];
      try {
        await listDir(prefixUri, dir, opts.recursive === true, opts.signal, out);
      } catch (err) {
        throw fsError(err, 'list', prefixUri, dir);
      }
      return out;
    },
  };
}
