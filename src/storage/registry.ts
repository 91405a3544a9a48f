/**
 * The storage facade: one `Storage` that dispatches on the URI scheme. Backends are created on first use,
 * so a run on local files never loads the AWS SDK.
 */
import type { S3Config } from '../config';
import type { Logger } from '../log';
import { createFileBackend } from './file-backend';
import { createHttpBackend, type HttpBackendOptions } from './http-backend';
import { createS3Backend, type S3Backend, type S3BackendOptions } from './s3-backend';
import type { Storage, StorageBackend } from './types';
import { parseUri } from './uri';

export type { Storage } from './types';

export interface CreateStorageOptions {
  /** Directory relative paths are resolved against. */
  cwd: string;
  /** S3 settings (from Config.s3), plus optional tuning (list page size, part size). */
  s3: Readonly<S3Config> & Partial<Pick<S3BackendOptions, 'listPageSize' | 'partSize' | 'queueSize'>>;
  logger: Logger;
  http?: HttpBackendOptions;
  /** Mode of local files written (config security.outputFileMode); default 0o600. */
  fileMode?: number;
}

export function createStorage(options: CreateStorageOptions): Storage {
  const logger = options.logger.child({ component: 'storage' });
  let file: StorageBackend | undefined;
  let http: StorageBackend | undefined;
  let s3: S3Backend | undefined;

  function backendFor(uri: string): StorageBackend {
    switch (parseUri(uri).scheme) {
      case 'file':
        return (file ??= createFileBackend({ cwd: options.cwd, fileMode: options.fileMode }));
      case 's3':
        // The backend loads the AWS SDK itself, on its first request.
        return (s3 ??= createS3Backend({ ...options.s3, logger }));
      default:
        return (http ??= createHttpBackend(options.http));
    }
  }

  return {
    // async: a bad URI rejects the returned promise rather than throwing synchronously.
    read: async (uri, opts) => backendFor(uri).read(uri, opts),
    write: async (uri, body, opts) => backendFor(uri).write(uri, body, opts),
    stat: async (uri, opts) => backendFor(uri).stat(uri, opts),
    list: async (uri, opts) => backendFor(uri).list(uri, opts),
    isWritable(uri: string): boolean {
      const scheme = parseUri(uri).scheme;
      return scheme === 'file' || scheme === 's3';
    },
    async close(): Promise<void> {
      await s3?.close();
    },
  };
}
