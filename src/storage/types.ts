/**
 * Storage: URI → read / write / stat / list, one backend per scheme (file, s3, http(s)).
 * Backends know nothing about notebooks; they move bytes.
 */

export interface ObjectStat {
  uri: string;
  size: number;
  /** Last modification time (ms since epoch), when the backend knows it. */
  mtimeMs?: number;
  /** Opaque version tag (S3 ETag, or size+mtime for files) usable with `ifMatch`. */
  etag?: string;
  /** True for a directory / common prefix in a listing. */
  isPrefix?: boolean;
}

export interface ReadOptions {
  signal?: AbortSignal;
  /**
   * http(s): called before each redirect is followed, with the URL that answered (as given for the
   * first hop) and the absolute URL it points to; throw to refuse it. Other schemes ignore it.
   */
  checkRedirect?: (from: string, to: string) => void;
}

/**
 * A body to write: bytes, text, or text as a sequence of chunks (written in order as they are produced,
 * never joined; the sequence may be iterated more than once, e.g. to retry).
 */
export type WriteBody = Buffer | string | Iterable<string>;

export interface WriteOptions {
  /** Create only: fail with E_STORAGE_EXISTS if the object exists (atomic where the backend allows). */
  ifNoneMatch?: boolean;
  /** Replace only if the current version is this etag (our own previous write); else E_STORAGE_EXISTS. */
  ifMatch?: string;
  contentType?: string;
  signal?: AbortSignal;
}

export interface WriteResult {
  etag?: string;
}

export interface ListOptions {
  /** List recursively (all keys under the prefix) rather than one level. */
  recursive?: boolean;
  signal?: AbortSignal;
}

export interface StorageBackend {
  /** URI schemes this backend serves, without "://" (e.g. ["s3"]). "file" also serves plain paths. */
  readonly schemes: readonly string[];
  read(uri: string, options?: ReadOptions): Promise<Buffer>;
  write(uri: string, body: WriteBody, options?: WriteOptions): Promise<WriteResult>;
  /** null when the object does not exist. */
  stat(uri: string, options?: ReadOptions): Promise<ObjectStat | null>;
  list(prefixUri: string, options?: ListOptions): Promise<ObjectStat[]>;
}

/** All backends behind one facade, dispatching on the URI's scheme (see registry.ts: `createStorage`). */
export interface Storage {
  read(uri: string, options?: ReadOptions): Promise<Buffer>;
  write(uri: string, body: WriteBody, options?: WriteOptions): Promise<WriteResult>;
  /** null when the object does not exist. */
  stat(uri: string, options?: ReadOptions): Promise<ObjectStat | null>;
  list(prefixUri: string, options?: ListOptions): Promise<ObjectStat[]>;
  /** False for read-only schemes (http, https); throws E_STORAGE_UNSUPPORTED for unknown schemes. */
  isWritable(uri: string): boolean;
  /** Releases network resources (S3 sockets). The storage stays usable: backends reopen on demand. */
  close(): Promise<void>;
}
