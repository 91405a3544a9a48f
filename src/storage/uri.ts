/**
 * Storage URIs: plain paths, file://, s3://bucket/key and http(s)://. Pure string work, no I/O.
 * Every helper keeps the form it was given (a relative path stays relative, a file:// URI stays a URI)
 * so that URIs built from a user's input look like the user's input.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { NbcError } from '../errors';

export const SUPPORTED_SCHEMES = ['file', 's3', 'http', 'https'] as const;
export type SupportedScheme = (typeof SUPPORTED_SCHEMES)[number];

export type ParsedUri =
  /** `path` is as given for plain paths (maybe relative), decoded and absolute for file:// URIs. */
  | { scheme: 'file'; path: string; form: 'path' | 'url' }
  | { scheme: 's3'; bucket: string; key: string }
  | { scheme: 'http' | 'https'; url: URL };

const SCHEME_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** The scheme of a URI, lower-cased; "file" for plain paths. Never throws. */
export function uriScheme(uri: string): string {
  const m = SCHEME_RE.exec(uri);
  if (m?.[1] !== undefined) return m[1].toLowerCase();
  return 'file'; // plain paths, and the rare `file:/abs` form
}

export function unsupportedSchemeError(uri: string): NbcError {
  const scheme = uriScheme(uri);
  return new NbcError(
    'E_STORAGE_UNSUPPORTED',
    `unsupported URI scheme "${scheme}://" in ${redactUri(uri)}: supported are plain paths, file://, s3://, http:// and https://`,
    { uri: redactUri(uri), scheme },
  );
}

export function parseUri(uri: string): ParsedUri {
  const scheme = uriScheme(uri);
  if (scheme === 'file') {
    if (!/^file:/i.test(uri)) return { scheme: 'file', path: uri, form: 'path' };
    let p: string;
    try {
      p = fileURLToPath(uri);
    } catch (err) {
      throw new NbcError('E_STORAGE_UNSUPPORTED', `invalid file URI ${uri}: ${(err as Error).message}`, {
        uri,
      });
    }
    return { scheme: 'file', path: p, form: 'url' };
  }
  if (scheme === 's3') {
    const rest = uri.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (bucket === '') throw new NbcError('E_USAGE', `invalid S3 URI ${uri}: no bucket name`, { uri });
    return { scheme: 's3', bucket, key };
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new NbcError('E_USAGE', `invalid URL ${redactUri(uri)}`, { uri: redactUri(uri) });
    }
    return { scheme, url };
  }
  throw unsupportedSchemeError(uri);
}

/** True for URIs served over the network (s3, http(s), or any other scheme); false for local files. */
export function isRemote(uri: string): boolean {
  return uriScheme(uri) !== 'file';
}

function trimSlashes(s: string, leading: boolean, trailing: boolean): string {
  let out = s;
  if (leading) out = out.replace(/^\/+/, '');
  if (trailing) out = out.replace(/\/+$/, '');
  return out;
}

/** Join key segments with exactly one "/" at each joint; inner slashes of a part are kept. */
function joinKey(base: string, parts: readonly string[]): string {
  let out = base;
  for (const part of parts) {
    if (part === '') continue;
    out =
      out === ''
        ? trimSlashes(part, true, false)
        : `${trimSlashes(out, false, true)}/${trimSlashes(part, true, false)}`;
  }
  return out;
}

/** `base` joined with path segments, in `base`'s form (path, file://, s3://, http(s)://). */
export function joinUri(base: string, ...parts: string[]): string {
  const parsed = parseUri(base);
  switch (parsed.scheme) {
    case 'file':
      if (parsed.form === 'path') return path.join(parsed.path, ...parts);
      return pathToFileURL(path.join(parsed.path, ...parts)).href;
    case 's3':
      return `s3://${parsed.bucket}/${joinKey(parsed.key, parts)}`;
    default: {
      const url = new URL(parsed.url.href);
      const encoded = parts.map((p) => p.split('/').map(encodeURIComponent).join('/'));
      url.pathname = `/${joinKey(trimSlashes(url.pathname, true, false), encoded)}`;
      return url.href;
    }
  }
}

/** The last segment (file name), decoded; a trailing "/" is ignored. For `s3://bucket` it is the bucket. */
export function basename(uri: string): string {
  const parsed = parseUri(uri);
  switch (parsed.scheme) {
    case 'file':
      return path.basename(parsed.path);
    case 's3': {
      const key = trimSlashes(parsed.key, false, true);
      return key === '' ? parsed.bucket : (key.split('/').pop() ?? '');
    }
    default: {
      const last = trimSlashes(parsed.url.pathname, false, true).split('/').pop() ?? '';
      return decodeURIComponent(last);
    }
  }
}

/** The parent, in the same form: `s3://b/a/x.ipynb` → `s3://b/a`, `s3://b/x` → `s3://b`. */
export function dirname(uri: string): string {
  const parsed = parseUri(uri);
  switch (parsed.scheme) {
    case 'file':
      return parsed.form === 'path'
        ? path.dirname(parsed.path)
        : pathToFileURL(path.dirname(parsed.path)).href;
    case 's3': {
      const segments = trimSlashes(parsed.key, false, true).split('/');
      segments.pop();
      return segments.length === 0 ? `s3://${parsed.bucket}` : `s3://${parsed.bucket}/${segments.join('/')}`;
    }
    default: {
      const url = new URL(parsed.url.href);
      url.search = '';
      url.hash = '';
      url.pathname = path.posix.dirname(trimSlashes(url.pathname, false, true) || '/');
      return url.href;
    }
  }
}

/**
 * A value made safe as one path segment (a folder or file name) on every backend: runs of characters
 * other than ASCII letters, digits, `.`, `_` and `-` become `_` (no separators, no control characters),
 * a name of dots only (`.`, `..`) becomes underscores, and the result has 1 to 200 characters.
 */
export function pathSegment(value: string): string {
  const safe = value.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 200);
  if (safe === '') return '_';
  return /^\.+$/.test(safe) ? safe.replace(/\./g, '_') : safe;
}

const SENSITIVE_QUERY = /sig|token|secret|password|credential|key|auth/i;

/**
 * A URI safe to show in messages and logs: user info is masked and, for http(s), query values that look
 * like credentials (presigned-URL signatures such as X-Amz-Signature / X-Amz-Credential /
 * X-Amz-Security-Token, `token=`, keys) are masked.
 */
export function redactUri(uri: string): string {
  if (!/^https?:\/\//i.test(uri)) return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri.replace(/\/\/[^/@]*@/, '//***@');
  }
  if (url.username || url.password) {
    url.username = '***';
    url.password = '';
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SENSITIVE_QUERY.test(name)) url.searchParams.set(name, '***');
  }
  return url.href;
}
