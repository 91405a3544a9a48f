/**
 * An S3 prefix as the viewer's root, through the project's storage layer (listings are complete: every
 * ListObjectsV2 page is read; "folders" are common prefixes). A path is a file when its key exists, else a
 * folder when anything lies under it. The last few listings are kept for a moment, because a folder page
 * asks for one right after finding that the path is a folder.
 */
import { NbcError } from '../../errors';
import { joinUri, parseUri, type ObjectStat, type Storage } from '../../storage';
import { directoryEntry, entryPath, isHiddenName, type ContentSource, type Entry } from './types';

const LISTING_TTL_MS = 2000;
const LISTINGS_KEPT = 8;

/** `p`, or a rejection as soon as `signal` aborts (the work behind `p` goes on for others). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

export function openStorageSource(rootUri: string, storage: Storage): ContentSource {
  const parsed = parseUri(rootUri);
  if (parsed.scheme !== 's3') {
    throw new NbcError('E_USAGE', `the viewer serves a local directory or an s3:// prefix, not ${rootUri}`, {
      uri: rootUri,
    });
  }
  const bucket = parsed.bucket;
  const prefix = trimSlash(parsed.key);
  const root = prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix}`;
  const listings = new Map<string, { at: number; stats: Promise<ObjectStat[]> }>();

  const uriOf = (segments: readonly string[]): string =>
    segments.length === 0 ? root : joinUri(root, ...segments);

  /** Segments of a listed URI below the root ('' parts dropped), or null when outside. */
  function segmentsUnder(uri: string): string[] | null {
    const base = `${root}/`;
    if (!uri.startsWith(base)) return null;
    const segments = trimSlash(uri.slice(base.length)).split('/');
    return segments.some((s) => s === '' || s === '.' || s === '..') ? null : segments;
  }

  function listing(uri: string, recursive: boolean, signal?: AbortSignal): Promise<ObjectStat[]> {
    const key = `${recursive ? 'R' : 'D'}${uri}`;
    const hit = listings.get(key);
    // In flight (at: Infinity) or finished a moment ago: a long listing is not fetched twice. It is shared,
    // so one client going away does not cancel it; that client just stops waiting.
    if (hit && Date.now() - hit.at < LISTING_TTL_MS) return untilAborted(hit.stats, signal);
    const stats = storage.list(uri, { recursive });
    const entry = { at: Infinity, stats };
    listings.set(key, entry);
    stats.then(
      () => (entry.at = Date.now()),
      () => listings.delete(key),
    );
    while (listings.size > LISTINGS_KEPT) listings.delete(listings.keys().next().value as string);
    return untilAborted(stats, signal);
  }

  function toEntry(stat: ObjectStat): Entry | null {
    const segments = segmentsUnder(stat.uri);
    if (segments === null || segments.some(isHiddenName)) return null;
    const name = segments[segments.length - 1] as string;
    if (stat.isPrefix) return directoryEntry(segments);
    const mtime = stat.mtimeMs ?? null;
    // S3 objects are never modified in place, only replaced: an object's LastModified is its creation time.
    return {
      name,
      path: entryPath(segments),
      kind: 'file',
      size: stat.size,
      mtimeMs: mtime,
      createdMs: mtime,
      etag: stat.etag ?? null,
    };
  }

  async function list(segments: readonly string[], signal?: AbortSignal): Promise<Entry[]> {
    if (segments.some(isHiddenName)) return [];
    const entries = (await listing(uriOf(segments), false, signal)).map(toEntry);
    return entries
      .filter((e): e is Entry => e !== null)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  return {
    rootUri: root,

    async stat(segments, signal) {
      if (segments.length === 0) return directoryEntry(segments);
      if (segments.some(isHiddenName)) return null;
      const stat = await storage.stat(uriOf(segments), { signal });
      if (stat !== null) return toEntry({ ...stat, uri: uriOf(segments) });
      return (await list(segments, signal)).length > 0 ? directoryEntry(segments) : null;
    },

    list,

    async walk(segments, signal) {
      if (segments.some(isHiddenName)) return [];
      return (await listing(uriOf(segments), true, signal))
        .map(toEntry)
        .filter((e): e is Entry => e !== null && e.kind === 'file')
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    read: (segments, signal) => storage.read(uriOf(segments), { signal }),

    uriOf,

    segmentsOf(uri) {
      const segments = segmentsUnder(uri);
      return segments === null || segments.some(isHiddenName) ? null : segments;
    },
  };
}
