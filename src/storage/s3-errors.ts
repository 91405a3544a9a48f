/**
 * AWS SDK errors → the project's storage error codes. Messages name the bucket/key and the S3 error code,
 * and for credential problems say which one and where credentials come from; they never include secrets.
 */
import { NbcError } from '../errors';
import { abortedError, isAbortError } from './common';

export interface S3ErrorContext {
  /** What we were doing: "read", "write", "stat", "list". */
  op: string;
  uri: string;
  bucket: string;
  key: string;
  /** The endpoint in use (for network errors), or null for AWS. */
  endpoint: string | null;
  /** The write carried a condition (IfNoneMatch / IfMatch). */
  condition?: 'ifNoneMatch' | 'ifMatch';
}

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; attempts?: unknown };
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
}

export function s3StatusOf(err: unknown): number | undefined {
  const status = shape(err).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

export function s3CodeOf(err: unknown): string {
  const { name, code } = shape(err);
  if (typeof code === 'string' && code !== '') return code;
  return typeof name === 'string' ? name : 'Error';
}

export function s3AttemptsOf(err: unknown): number | undefined {
  const attempts = shape(err).$metadata?.attempts;
  return typeof attempts === 'number' ? attempts : undefined;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
  'RequestTimeout',
]);

/**
 * The network error code (ECONNREFUSED, ...), if this is a network failure. Looked for on the error, its
 * cause, and its message: the SDK wraps errors it does not recognise as Errors (e.g. from another realm)
 * into "AWS SDK error wrapper for Error: connect ECONNREFUSED ...", which keeps only the text.
 */
function networkCodeOf(err: unknown): string | undefined {
  const candidates = [
    shape(err).code,
    shape(err).name,
    shape((err as { cause?: unknown } | null)?.cause).code,
  ];
  for (const c of candidates) if (typeof c === 'string' && NETWORK_CODES.has(c)) return c;
  const message = shape(err).message;
  if (typeof message === 'string') {
    for (const c of NETWORK_CODES) if (new RegExp(`\\b${c}\\b`).test(message)) return c;
  }
  return undefined;
}

const CREDENTIALS_HINT =
  'check the S3 credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, a profile, or s3.* in the config file)';

function objectName(ctx: S3ErrorContext): string {
  return ctx.key === '' ? `bucket "${ctx.bucket}"` : ctx.uri;
}

export function isS3PreconditionFailure(err: unknown): boolean {
  const code = s3CodeOf(err);
  const status = s3StatusOf(err);
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || status === 412;
}

export function s3Error(err: unknown, ctx: S3ErrorContext): NbcError {
  if (err instanceof NbcError) return err;
  if (isAbortError(err)) return abortedError(`S3 ${ctx.op} of`, ctx.uri, err);
  const code = s3CodeOf(err);
  const status = s3StatusOf(err);
  const attempts = s3AttemptsOf(err);
  const details = { uri: ctx.uri, bucket: ctx.bucket, key: ctx.key, s3Code: code, status, attempts };
  const opts = { cause: err };
  const doing = `cannot ${ctx.op} ${objectName(ctx)}`;

  if (code === 'NoSuchBucket') {
    return new NbcError(
      'E_STORAGE_NOT_FOUND',
      `${doing}: S3 bucket "${ctx.bucket}" does not exist`,
      details,
      opts,
    );
  }
  if (ctx.condition && isS3PreconditionFailure(err)) {
    const message =
      ctx.condition === 'ifNoneMatch'
        ? `${ctx.uri} already exists; refusing to overwrite it (${code})`
        : `${ctx.uri} was changed since our last write (another writer?); not replacing it (${code})`;
    return new NbcError('E_STORAGE_EXISTS', message, details, opts);
  }
  if (ctx.condition === 'ifMatch' && (code === 'NoSuchKey' || status === 404)) {
    return new NbcError(
      'E_STORAGE_EXISTS',
      `${ctx.uri} was deleted since our last write (another writer?); not recreating it`,
      details,
      opts,
    );
  }
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
    return new NbcError(
      'E_STORAGE_NOT_FOUND',
      `${doing}: no such object in bucket "${ctx.bucket}"`,
      details,
      opts,
    );
  }
  if (code === 'InvalidAccessKeyId') {
    return new NbcError(
      'E_STORAGE_AUTH',
      `${doing}: S3 does not know the access key id (InvalidAccessKeyId); ${CREDENTIALS_HINT}`,
      details,
      opts,
    );
  }
  if (code === 'SignatureDoesNotMatch') {
    return new NbcError(
      'E_STORAGE_AUTH',
      `${doing}: S3 rejected the request signature (SignatureDoesNotMatch), usually a wrong secret access key; ${CREDENTIALS_HINT}`,
      details,
      opts,
    );
  }
  if (code === 'ExpiredToken' || code === 'InvalidToken' || code === 'TokenRefreshRequired') {
    return new NbcError(
      'E_STORAGE_AUTH',
      `${doing}: the S3 session token is expired or invalid (${code}); ${CREDENTIALS_HINT}`,
      details,
      opts,
    );
  }
  if (code === 'CredentialsProviderError' || /could not load credentials/i.test(String(shape(err).message))) {
    return new NbcError(
      'E_STORAGE_AUTH',
      `${doing}: no S3 credentials found; ${CREDENTIALS_HINT}`,
      details,
      opts,
    );
  }
  if (code === 'AccessDenied' || code === 'AllAccessDisabled' || status === 403 || status === 401) {
    return new NbcError(
      'E_STORAGE_AUTH',
      `${doing}: access denied by S3 (${code}); the credentials in use lack permission, or ${CREDENTIALS_HINT}`,
      details,
      opts,
    );
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    return new NbcError(
      'E_STORAGE',
      `${doing}: the bucket is in another region or needs another endpoint (${code}); set AWS_REGION / s3.region or s3.endpoint`,
      details,
      opts,
    );
  }
  const tries = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
  const network = networkCodeOf(err);
  if (network !== undefined) {
    const endpoint = ctx.endpoint ?? 'the AWS S3 endpoint';
    return new NbcError(
      'E_STORAGE',
      `${doing}: cannot reach ${endpoint} (${network})${tries}`,
      { ...details, s3Code: network, retryable: true },
      opts,
    );
  }
  if (status !== undefined && status >= 500) {
    return new NbcError(
      'E_STORAGE',
      `${doing}: S3 answered ${status} ${code}${tries}`,
      { ...details, retryable: true },
      opts,
    );
  }
  const message = typeof shape(err).message === 'string' ? (shape(err).message as string) : String(err);
  return new NbcError(
    'E_STORAGE',
    `${doing}: ${code}${status !== undefined ? ` (HTTP ${status})` : ''}: ${message}${tries}`,
    { ...details, retryable: status === undefined || status === 429 },
    opts,
  );
}
