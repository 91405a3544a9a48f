/** Node fs errors → the project's storage error codes, with messages that name the path and the errno. */
import type { BigIntStats } from 'node:fs';

import { NbcError } from '../errors';
import { abortedError, isAbortError } from './common';

export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const DESCRIPTIONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EIO: 'I/O error',
};

/**
 * `op` is a verb phrase ("read", "write", "list"); `shown` is the URI as the user gave it and `file` the
 * resolved path (both appear when they differ, so a relative path's resolution is visible).
 */
export function fsError(err: unknown, op: string, shown: string, file: string): NbcError {
  if (err instanceof NbcError) return err;
  if (isAbortError(err)) return abortedError(op, shown, err);
  const errno = errnoOf(err);
  const where = shown === file ? file : `${shown} (${file})`;
  const details = { uri: shown, path: file, errno };
  if (errno === 'ENOENT' || errno === 'ENOTDIR') {
    const why = errno === 'ENOENT' ? 'no such file or directory' : DESCRIPTIONS.ENOTDIR;
    return new NbcError('E_STORAGE_NOT_FOUND', `cannot ${op} ${where}: ${why}`, details, { cause: err });
  }
  const description = (errno && DESCRIPTIONS[errno]) ?? (err as Error | undefined)?.message ?? String(err);
  return new NbcError(
    'E_STORAGE',
    `cannot ${op} ${where}: ${description}${errno ? ` (${errno})` : ''}`,
    details,
    {
      cause: err,
    },
  );
}

/**
 * A file's version tag. Every write we make lands as a fresh inode (temp file + rename/link) whose mtime
 * we stamp with a sub-microsecond clock reading, so the inode number changes with each of our writes and
 * any other write to the file changes the mtime; size is a further guard. ctime is left out on purpose:
 * rename and link bump it without changing the content. (A content hash would be stronger but would make
 * every stat and listing read whole files.)
 */
export function fileEtag(st: BigIntStats): string {
  return `${st.ino.toString(36)}-${st.size.toString(36)}-${st.mtimeNs.toString(36)}`;
}
