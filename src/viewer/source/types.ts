/** What the viewer reads: one root (a local directory or an S3 prefix), addressed by path segments. */

export type EntryKind = 'directory' | 'file';

export interface Entry {
  name: string;
  /** API path: the segments joined by "/" ("" for the root). */
  path: string;
  kind: EntryKind;
  /** Bytes; null for directories. */
  size: number | null;
  mtimeMs: number | null;
  createdMs: number | null;
  /** Changes whenever the content does (render caches are keyed by it); null for directories. */
  etag: string | null;
}

export interface ContentSource {
  /** The root as a storage URI (a path or s3://bucket/prefix). */
  readonly rootUri: string;
  /** The entry at `segments`; null when missing, hidden, or outside the root. */
  stat(segments: readonly string[], signal?: AbortSignal): Promise<Entry | null>;
  /** A directory's children, all of them, sorted by name (hidden names and links leaving the root left out). */
  list(segments: readonly string[], signal?: AbortSignal): Promise<Entry[]>;
  /** Every file under a directory, at any depth, sorted by path. */
  walk(segments: readonly string[], signal?: AbortSignal): Promise<Entry[]>;
  read(segments: readonly string[], signal?: AbortSignal): Promise<Buffer>;
  /** The storage URI of a path under the root. */
  uriOf(segments: readonly string[]): string;
  /** The segments of `uri` when it lies under the root (an output notebook a task names), else null. */
  segmentsOf(uri: string): string[] | null;
}

/** Names the viewer never shows or serves (as Jupyter hides them): dotfiles, e.g. the engine's data dir. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

export function entryPath(segments: readonly string[]): string {
  return segments.join('/');
}

/** A folder entry (folders have no size, times or version here). */
export function directoryEntry(segments: readonly string[]): Entry {
  return {
    name: segments.length > 0 ? (segments[segments.length - 1] as string) : '',
    path: entryPath(segments),
    kind: 'directory',
    size: null,
    mtimeMs: null,
    createdMs: null,
    etag: null,
  };
}
