/**
 * A local directory as the viewer's root. Every access resolves symlinks and refuses anything whose real
 * path leaves the root's real path, so a link inside the root cannot expose the rest of the disk.
 */
import type { Dirent, Stats } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { NbcError } from '../../errors';
import { parseUri } from '../../storage';
import { directoryEntry, entryPath, isHiddenName, type ContentSource, type Entry } from './types';

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function entryOf(name: string, segments: readonly string[], st: Stats): Entry {
  const dir = st.isDirectory();
  return {
    name,
    path: entryPath(segments),
    kind: dir ? 'directory' : 'file',
    size: dir ? null : st.size,
    mtimeMs: st.mtimeMs,
    createdMs: st.birthtimeMs > 0 ? st.birthtimeMs : st.ctimeMs,
    etag: dir
      ? null
      : `${st.ino.toString(36)}-${st.size.toString(36)}-${Math.round(st.mtimeMs * 1000).toString(36)}`,
  };
}

export interface LocalSourceOptions {
  /** Serve a root that does not exist yet (the engine's output root before the first run) as empty. */
  allowMissing?: boolean;
}

async function realDirectory(p: string): Promise<string> {
  const real = await fs.realpath(p);
  if (!(await fs.stat(real)).isDirectory()) throw new Error('not a directory');
  return real;
}

export async function openLocalSource(
  root: string,
  options: LocalSourceOptions = {},
): Promise<ContentSource> {
  if (!path.isAbsolute(root)) {
    throw new NbcError('E_INTERNAL', `viewer root must be an absolute path, got ${root}`, { uri: root });
  }
  const rootPath = path.resolve(root);
  let rootReal: string | null = null;
  try {
    rootReal = await realDirectory(rootPath);
  } catch (err) {
    if (!options.allowMissing || errnoOf(err) !== 'ENOENT') {
      throw new NbcError(
        'E_USAGE',
        `viewer root ${root} is not a readable directory (${(err as Error).message})`,
        {
          uri: root,
        },
      );
    }
  }
  /** The root's real path; null while a root allowed to be missing is still missing. */
  async function rootDir(): Promise<string | null> {
    if (rootReal === null) rootReal = await realDirectory(rootPath).catch(() => null);
    return rootReal;
  }
  const inside = (base: string, p: string): boolean => p === base || p.startsWith(base + path.sep);

  /** The real path of `segments`, or null when it does not exist or leaves the root. */
  async function real(segments: readonly string[]): Promise<string | null> {
    if (segments.some((s) => isHiddenName(s) || s.includes('/') || s.includes('\0'))) return null;
    const base = await rootDir();
    if (base === null) return null;
    try {
      const p = await fs.realpath(path.join(base, ...segments));
      return inside(base, p) ? p : null;
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EACCES') return null;
      throw err;
    }
  }

  async function child(dir: string, segments: readonly string[], d: Dirent): Promise<Entry | null> {
    if (isHiddenName(d.name)) return null;
    let full = path.join(dir, d.name);
    if (d.isSymbolicLink()) {
      try {
        full = await fs.realpath(full);
      } catch {
        return null; // dangling or looping link
      }
      if (rootReal === null || !inside(rootReal, full)) return null;
    }
    try {
      return entryOf(d.name, [...segments, d.name], await fs.stat(full));
    } catch {
      return null; // vanished since readdir
    }
  }

  async function list(segments: readonly string[], signal?: AbortSignal): Promise<Entry[]> {
    const dir = await real(segments);
    if (dir === null) return [];
    signal?.throwIfAborted();
    let dirents: Dirent[];
    try {
      dirents = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errnoOf(err) === 'ENOTDIR' || errnoOf(err) === 'ENOENT') return [];
      throw err;
    }
    const entries = (await Promise.all(dirents.map((d) => child(dir, segments, d)))).filter(
      (e): e is Entry => e !== null,
    );
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  return {
    rootUri: rootPath,

    async stat(segments) {
      const p = await real(segments);
      if (p === null && segments.length === 0) {
        // A root allowed to be missing: an empty folder until something is written there.
        return directoryEntry([]);
      }
      if (p === null) return null;
      const st = await fs.stat(p).catch(() => null);
      if (st === null) return null;
      return entryOf(segments.length > 0 ? (segments[segments.length - 1] as string) : '', segments, st);
    },

    list,

    async walk(segments, signal) {
      const out: Entry[] = [];
      const seen = new Set<string>();
      const visit = async (segs: readonly string[]): Promise<void> => {
        // Links can point back up the tree: each real directory is walked once.
        const dir = await real(segs);
        if (dir === null || seen.has(dir)) return;
        seen.add(dir);
        for (const e of await list(segs, signal)) {
          if (e.kind === 'directory') await visit([...segs, e.name]);
          else out.push(e);
        }
      };
      await visit(segments);
      return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    async read(segments, signal) {
      const p = await real(segments);
      if (p === null) {
        throw new NbcError('E_STORAGE_NOT_FOUND', `${entryPath(segments)} does not exist`, {
          uri: entryPath(segments),
        });
      }
      return fs.readFile(p, { signal });
    },

    uriOf: (segments) => path.join(rootPath, ...segments),

    segmentsOf(uri) {
      let p: string;
      try {
        const parsed = parseUri(uri);
        if (parsed.scheme !== 'file') return null;
        p = path.resolve(parsed.path);
      } catch {
        return null;
      }
      for (const base of rootReal === null ? [rootPath] : [rootPath, rootReal]) {
        const rel = path.relative(base, p);
        if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue;
        const segments = rel.split(path.sep);
        return segments.some(isHiddenName) ? null : segments;
      }
      return null;
    },
  };
}
