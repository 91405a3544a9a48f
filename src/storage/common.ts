/** Small helpers shared by the storage backends. */
import { NbcError } from '../errors';
import type { WriteBody } from './types';

export function toBuffer(body: WriteBody): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  // Chunks: packed into 1 MiB blocks, then one concatenation.
  const blocks: Buffer[] = [];
  let block = Buffer.allocUnsafe(1 << 20);
  let used = 0;
  for (const chunk of body) {
    const bytes = Buffer.byteLength(chunk);
    if (bytes > block.length - used) {
      blocks.push(block.subarray(0, used));
      block = Buffer.allocUnsafe(Math.max(1 << 20, bytes));
      used = 0;
    }
    used += block.write(chunk, used, 'utf8');
  }
  blocks.push(block.subarray(0, used));
  return Buffer.concat(blocks);
}

export function isAbortError(err: unknown): boolean {
  return (
    err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR')
  );
}

export function abortedError(op: string, uri: string, cause?: unknown): NbcError {
  return new NbcError('E_ABORTED', `${op} ${uri} was cancelled`, { uri }, { cause });
}

export function throwIfAborted(signal: AbortSignal | undefined, op: string, uri: string): void {
  if (signal?.aborted) throw abortedError(op, uri, signal.reason);
}

export function conflictingConditions(uri: string): NbcError {
  return new NbcError('E_USAGE', `write to ${uri}: ifNoneMatch and ifMatch cannot be combined`, { uri });
}

const CONTENT_TYPES: Record<string, string> = {
  ipynb: 'application/x-ipynb+json',
  json: 'application/json',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  log: 'text/plain; charset=utf-8',
  md: 'text/plain; charset=utf-8',
  py: 'text/plain; charset=utf-8',
  r: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
};

/** A content type for common notebook-related file names (S3 stores it; browsers and viewers use it). */
export function guessContentType(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return (ext !== undefined ? CONTENT_TYPES[ext] : undefined) ?? 'application/octet-stream';
}
