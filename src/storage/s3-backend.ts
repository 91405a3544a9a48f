/**
 * s3://bucket/key on AWS S3 or any S3-compatible store (MinIO, moto, ...), through @aws-sdk/client-s3
 * (loaded on first use). Write-once is S3's own conditional write: `If-None-Match: *` on PutObject, or on
 * CompleteMultipartUpload for large bodies (lib-storage's Upload passes the condition through to it).
 */
import { createHash } from 'node:crypto';

import type { S3Client } from '@aws-sdk/client-s3';

import type { S3Config } from '../config';
import { NbcError } from '../errors';
import type { Logger } from '../log';
import { conflictingConditions, guessContentType, throwIfAborted, toBuffer } from './common';
import { createS3Client, loadS3LibStorage, loadS3Sdk } from './s3-client';
import { isS3PreconditionFailure, s3AttemptsOf, s3Error, s3StatusOf, type S3ErrorContext } from './s3-errors';
import type {
  ListOptions,
  ObjectStat,
  ReadOptions,
  StorageBackend,
  WriteBody,
  WriteOptions,
  WriteResult,
} from './types';
import { parseUri } from './uri';

const MIB = 1024 * 1024;
/** S3's minimum part size (all parts but the last). */
const MIN_PART_SIZE = 5 * MIB;

export interface S3BackendOptions extends Readonly<S3Config> {
  logger: Logger;
  /** Keys per ListObjectsV2 page (S3's maximum and default is 1000; tests use small pages). */
  listPageSize?: number;
  /** Part size for multipart uploads (default: the threshold, clamped to 5-16 MiB). */
  partSize?: number;
  /** Parts uploaded in parallel. */
  queueSize?: number;
}

export interface S3Backend extends StorageBackend {
  /** Releases the client's sockets. */
  close(): Promise<void>;
}

interface Location {
  uri: string;
  bucket: string;
  key: string;
}

function locate(uri: string, needKey: boolean): Location {
  const parsed = parseUri(uri);
  if (parsed.scheme !== 's3')
    throw new NbcError('E_INTERNAL', `S3 storage got a non-s3 URI: ${uri}`, { uri });
  if (needKey && parsed.key === '') {
    throw new NbcError('E_USAGE', `S3 URI ${uri} names a bucket but no object key`, { uri });
  }
  return { uri, bucket: parsed.bucket, key: parsed.key };
}

/** The ETag S3 gives a single-part upload of `body` (unless SSE-KMS or similar is in play). */
function md5Etag(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

export function createS3Backend(options: S3BackendOptions): S3Backend {
  const logger = options.logger;
  const threshold = options.multipartThresholdBytes;
  const partSize = options.partSize ?? Math.min(Math.max(threshold, MIN_PART_SIZE), 16 * MIB);
  let client: S3Client | undefined;

  function getClient(): S3Client {
    return (client ??= createS3Client(options));
  }

  function ctx(loc: Location, op: string, condition?: S3ErrorContext['condition']): S3ErrorContext {
    return { ...loc, op, endpoint: options.endpoint, condition };
  }

  async function head(loc: Location, signal?: AbortSignal): Promise<ObjectStat | null> {
    const { HeadObjectCommand } = loadS3Sdk();
    try {
      const out = await getClient().send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }), {
        abortSignal: signal,
      });
      const stat: ObjectStat = { uri: loc.uri, size: out.ContentLength ?? 0 };
      if (out.LastModified) stat.mtimeMs = out.LastModified.getTime();
      if (out.ETag) stat.etag = out.ETag;
      return stat;
    } catch (err) {
      // HEAD responses have no body: a missing key (or bucket) shows up only as NotFound / 404.
      if (s3StatusOf(err) === 404 || (err as Error | null)?.name === 'NotFound') return null;
      throw s3Error(err, ctx(loc, 'stat'));
    }
  }

  /** PutObject parameters, with the write-once / replace-ours condition (S3 evaluates it atomically). */
  function putParams(loc: Location, body: Buffer, opts: WriteOptions, contentType: string) {
    return {
      Bucket: loc.bucket,
      Key: loc.key,
      Body: body,
      ContentType: contentType,
      ...(opts.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
      ...(opts.ifMatch !== undefined ? { IfMatch: opts.ifMatch } : {}),
    };
  }

  function conditionOf(opts: WriteOptions): 'ifNoneMatch' | 'ifMatch' | undefined {
    return opts.ifNoneMatch ? 'ifNoneMatch' : opts.ifMatch !== undefined ? 'ifMatch' : undefined;
  }

  async function putSingle(
    loc: Location,
    body: Buffer,
    opts: WriteOptions,
    contentType: string,
  ): Promise<WriteResult> {
    const { PutObjectCommand } = loadS3Sdk();
    const condition = conditionOf(opts);
    try {
      const out = await getClient().send(new PutObjectCommand(putParams(loc, body, opts, contentType)), {
        abortSignal: opts.signal,
      });
      if (out.$metadata.attempts !== undefined && out.$metadata.attempts > 1) {
        logger.info({ uri: loc.uri, attempts: out.$metadata.attempts }, 'S3 write succeeded after retries');
      }
      return out.ETag !== undefined ? { etag: out.ETag } : {};
    } catch (err) {
      // A conditional PUT the SDK retried may have landed on an earlier attempt whose response was lost;
      // the retry then fails its own precondition. If the object now holds exactly our bytes, it is ours.
      if (condition && isS3PreconditionFailure(err) && (s3AttemptsOf(err) ?? 1) > 1) {
        const now = await head(loc, opts.signal).catch(() => null);
        if (now?.etag === md5Etag(body)) return { etag: now.etag };
      }
      throw s3Error(err, ctx(loc, 'write', condition));
    }
  }

  async function putMultipart(
    loc: Location,
    body: Buffer,
    opts: WriteOptions,
    contentType: string,
  ): Promise<WriteResult> {
    const { Upload } = loadS3LibStorage();
    const condition = conditionOf(opts);
    const abortController = new AbortController();
    const onAbort = (): void => abortController.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // Upload spreads these params into CompleteMultipartUpload too, which is where S3 evaluates the
      // condition; a failed condition aborts the multipart upload (no orphaned parts).
      const upload = new Upload({
        client: getClient(),
        abortController,
        partSize,
        queueSize: options.queueSize ?? 4,
        params: putParams(loc, body, opts, contentType),
      });
      const out = await upload.done();
      logger.debug({ uri: loc.uri, bytes: body.length, partSize }, 'S3 multipart upload complete');
      return out.ETag !== undefined ? { etag: out.ETag } : {};
    } catch (err) {
      throw s3Error(err, ctx(loc, 'write', condition));
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async function readBody(loc: Location, signal: AbortSignal | undefined): Promise<Buffer> {
    const { GetObjectCommand } = loadS3Sdk();
    // The SDK retries the request; a connection lost while streaming the body is retried here.
    for (let attempt = 1; ; attempt++) {
      const out = await getClient().send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), {
        abortSignal: signal,
      });
      if (!out.Body) return Buffer.alloc(0);
      try {
        const bytes = await out.Body.transformToByteArray();
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        if (out.ContentLength === undefined || buf.length === out.ContentLength) return buf;
        throw new NbcError(
          'E_STORAGE',
          `S3 object ${loc.uri} was cut short (${buf.length} of ${out.ContentLength} bytes)`,
          {
            uri: loc.uri,
            retryable: true,
          },
        );
      } catch (err) {
        throwIfAborted(signal, 'S3 read of', loc.uri);
        if (attempt >= options.maxAttempts) throw err;
        logger.warn({ uri: loc.uri, attempt, err: (err as Error).message }, 'S3 read interrupted; retrying');
      }
    }
  }

  async function listPrefix(loc: Location, recursive: boolean, signal?: AbortSignal): Promise<ObjectStat[]> {
    const { ListObjectsV2Command } = loadS3Sdk();
    // A non-empty prefix is a "directory": list inside it, not siblings that share its first letters.
    const prefix = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
    const out: ObjectStat[] = [];
    let token: string | undefined;
    do {
      const page = await getClient().send(
        new ListObjectsV2Command({
          Bucket: loc.bucket,
          Prefix: prefix,
          ...(recursive ? {} : { Delimiter: '/' }),
          ...(options.listPageSize !== undefined ? { MaxKeys: options.listPageSize } : {}),
          ...(token !== undefined ? { ContinuationToken: token } : {}),
        }),
        { abortSignal: signal },
      );
      for (const p of page.CommonPrefixes ?? []) {
        if (p.Prefix !== undefined)
          out.push({ uri: `s3://${loc.bucket}/${p.Prefix}`, size: 0, isPrefix: true });
      }
      for (const obj of page.Contents ?? []) {
        if (obj.Key === undefined || obj.Key === prefix) continue; // the "folder" marker itself
        const stat: ObjectStat = { uri: `s3://${loc.bucket}/${obj.Key}`, size: obj.Size ?? 0 };
        if (obj.LastModified) stat.mtimeMs = obj.LastModified.getTime();
        if (obj.ETag) stat.etag = obj.ETag;
        out.push(stat);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  }

  return {
    schemes: ['s3'],

    async read(uri: string, opts: ReadOptions = {}): Promise<Buffer> {
      const loc = locate(uri, true);
      try {
        return await readBody(loc, opts.signal);
      } catch (err) {
        throw s3Error(err, ctx(loc, 'read'));
      }
    },

    async write(uri: string, body: WriteBody, opts: WriteOptions = {}): Promise<WriteResult> {
      const loc = locate(uri, true);
      if (opts.ifNoneMatch && opts.ifMatch !== undefined) throw conflictingConditions(uri);
      throwIfAborted(opts.signal, 'S3 write of', uri);
      const buf = toBuffer(body);
      const contentType = opts.contentType ?? guessContentType(loc.key);
      logger.debug({ uri, bytes: buf.length, ifNoneMatch: opts.ifNoneMatch === true }, 'S3 write');
      return buf.length >= threshold
        ? putMultipart(loc, buf, opts, contentType)
        : putSingle(loc, buf, opts, contentType);
    },

    async stat(uri: string, opts: ReadOptions = {}): Promise<ObjectStat | null> {
      return head(locate(uri, true), opts.signal);
    },

    async list(prefixUri: string, opts: ListOptions = {}): Promise<ObjectStat[]> {
      const loc = locate(prefixUri, false);
      try {
        return await listPrefix(loc, opts.recursive === true, opts.signal);
      } catch (err) {
        throw s3Error(err, ctx(loc, 'list'));
      }
    },

    async close(): Promise<void> {
      client?.destroy();
      client = undefined;
    },
  };
}
