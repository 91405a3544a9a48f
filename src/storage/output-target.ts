/**
 * The output notebook of one run, saved many times while the run goes on (autosave).
 *
 * With `overwrite: false` (write-once, what the worker uses) the first save is an atomic create: it fails
 * with E_STORAGE_EXISTS if anything is already there, e.g. a retry whose output path collides or another
 * worker. Later saves replace only our own previous version (`ifMatch` our last etag): if someone else
 * wrote or deleted the object in between, they fail with E_STORAGE_EXISTS and never clobber it. After a
 * conflict the target refuses all further saves. With `overwrite: true` (the CLI default, as in papermill)
 * every save simply replaces.
 *
 * Saves are serialized, and coalesced: while one is being written, further saves only keep the newest
 * body, and every caller that waited resolves once that newest body is stored (a notebook save supersedes
 * the earlier ones).
 */
import { NbcError, isNbcError } from '../errors';
import type { Storage, WriteBody } from './types';
import { redactUri } from './uri';

export interface OutputTargetOptions {
  overwrite: boolean;
  contentType?: string;
  /** Cancels in-flight and later saves. */
  signal?: AbortSignal;
}

export interface OutputTarget {
  readonly uri: string;
  readonly overwrite: boolean;
  /** Completed writes so far. */
  readonly saves: number;
  /** The etag of our last write, when the backend reports one. */
  readonly etag: string | undefined;
  /**
   * Cheap early check, before running anything: the URI is writable and, when overwrite is off, nothing
   * exists there yet. (Not a reservation: the first save still creates atomically.)
   */
  preflight(signal?: AbortSignal): Promise<void>;
  save(body: WriteBody): Promise<void>;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function openOutputTarget(storage: Storage, uri: string, options: OutputTargetOptions): OutputTarget {
  const { overwrite, contentType, signal } = options;
  let saves = 0;
  let etag: string | undefined;
  let created = false;
  let conflict: NbcError | undefined;
  let writing = false;
  let pending: { body: WriteBody; waiters: Waiter[] } | undefined;

  async function writeOnce(body: WriteBody): Promise<void> {
    if (conflict) throw conflict;
    const base = { contentType, signal };
    try {
      if (overwrite) {
        etag = (await storage.write(uri, body, base)).etag;
      } else if (!created) {
        etag = (await storage.write(uri, body, { ...base, ifNoneMatch: true })).etag;
        created = true;
        // Every backend we ship reports etags; without one, later saves could not be guarded.
        etag ??= (await storage.stat(uri, { signal }))?.etag;
      } else {
        etag = (await storage.write(uri, body, { ...base, ...(etag !== undefined ? { ifMatch: etag } : {}) }))
          .etag;
      }
      saves++;
    } catch (err) {
      if (isNbcError(err, 'E_STORAGE_EXISTS')) conflict = err;
      throw err;
    }
  }

  function pump(): void {
    if (writing || pending === undefined) return;
    const job = pending;
    pending = undefined;
    writing = true;
    writeOnce(job.body)
      .then(
        () => job.waiters.forEach((w) => w.resolve()),
        (err: unknown) => job.waiters.forEach((w) => w.reject(err)),
      )
      .finally(() => {
        writing = false;
        pump();
      });
  }

  return {
    uri,
    overwrite,
    get saves() {
      return saves;
    },
    get etag() {
      return etag;
    },

    async preflight(preflightSignal?: AbortSignal): Promise<void> {
      if (!storage.isWritable(uri)) {
        throw new NbcError(
          'E_STORAGE_UNSUPPORTED',
          `cannot write the output notebook to ${redactUri(uri)}: read-only URI scheme`,
          {
            uri: redactUri(uri),
          },
        );
      }
      if (overwrite) return;
      const existing = await storage.stat(uri, { signal: preflightSignal ?? signal });
      if (existing !== null) {
        const when =
          existing.mtimeMs !== undefined ? ` (written ${new Date(existing.mtimeMs).toISOString()})` : '';
        throw new NbcError(
          'E_STORAGE_EXISTS',
          `output ${uri} already exists${when}; refusing to overwrite it because overwriting is off`,
          { uri },
        );
      }
    },

    save(body: WriteBody): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        if (pending) {
          pending.body = body;
          pending.waiters.push({ resolve, reject });
        } else {
          pending = { body, waiters: [{ resolve, reject }] };
        }
        pump();
      });
    },
  };
}
