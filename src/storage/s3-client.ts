/**
 * The AWS SDK, loaded on first use only: requiring @aws-sdk/client-s3 costs a few hundred milliseconds of
 * start-up, which a CLI run on local files should not pay.
 */
import type { S3Client } from '@aws-sdk/client-s3';

import type { S3Config } from '../config';
import { staticCredentials } from '../aws-credentials';

export type S3Sdk = typeof import('@aws-sdk/client-s3');
export type S3LibStorage = typeof import('@aws-sdk/lib-storage');

let sdk: S3Sdk | undefined;
let libStorage: S3LibStorage | undefined;

export function loadS3Sdk(): S3Sdk {
  return (sdk ??= require('@aws-sdk/client-s3') as S3Sdk);
}

export function loadS3LibStorage(): S3LibStorage {
  return (libStorage ??= require('@aws-sdk/lib-storage') as S3LibStorage);
}

/** Connection set-up limit and socket idle limit per request (the SDK retries after either). */
const CONNECTION_TIMEOUT_MS = 10_000;
const SOCKET_IDLE_TIMEOUT_MS = 60_000;

export function createS3Client(config: Readonly<S3Config>): S3Client {
  const credentials = staticCredentials(config, 's3');
  // The SDK's Node >= 22 notice is silenced by the entry points (bin/nbconductor.js, the test runner):
  // library code does not touch the environment.
  const { S3Client: Client } = loadS3Sdk();
  return new Client({
    region: config.region,
    ...(config.endpoint !== null ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(credentials !== undefined ? { credentials } : {}),
    // The standard strategy retries throttling (SlowDown, 503) and 5xx with exponential backoff + jitter.
    retryMode: 'standard',
    maxAttempts: config.maxAttempts,
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: SOCKET_IDLE_TIMEOUT_MS },
    // S3-compatible stores (MinIO, Ceph, older emulators) vary in their support of the newer flexible
    // checksums; send them only where an operation requires them when a custom endpoint is set.
    ...(config.endpoint !== null
      ? { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
      : {}),
  });
}
