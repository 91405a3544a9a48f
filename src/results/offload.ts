/**
 * Large values leave the task output: Conductor rejects or externalises big payloads (its guidance is to
 * keep task data small and pass object-storage locations instead), so a value whose JSON exceeds the
 * limit is written next to the output notebook and replaced by `{"$ref": uri, "bytes": n}`.
 *
 * Layout: `<notebook dir>/<notebook stem>.<kind>/<name>.json`, e.g.
 * `s3://b/runs/wf/123/step1/attempt-0.scraps/big_table.json`. Files are write-once, like the notebook
 * they belong to: writing the same bytes again (a re-reported result) reuses the file, different bytes
 * are E_STORAGE_EXISTS.
 */
import { createHash } from 'node:crypto';

import { NbcError, isNbcError } from '../errors';
import { isPlainObject, setOwn, stringifyJsonExact, type JsonValue } from '../json';
import type { Storage } from '../storage';
import { basename, dirname, joinUri, redactUri } from '../storage';

/** Default per-value limit: 64 KiB of JSON. */
export const DEFAULT_OFFLOAD_LIMIT_BYTES = 64 * 1024;

export type OffloadKind = 'scraps' | 'outputs';

export interface OffloadOptions {
  storage: Storage;
  /** The output notebook's URI; values go into a folder next to it. */
  baseUri: string;
  limitBytes?: number;
  kind: OffloadKind;
  signal?: AbortSignal;
  /** Checks each file's URI before it is written (the worker's output roots); throws to refuse it. */
  guard?: (uri: string) => Promise<void>;
}

/** What replaces an offloaded value in the task output. */
export interface ValueRef {
  $ref: string;
  bytes: number;
}

const MAX_NAME_CHARS = 150;

/**
 * A file name for any value name: characters outside [A-Za-z0-9._-] are percent-encoded (so "/" cannot
 * make folders and names stay distinct), dot-only names are encoded whole, long names are cut and
 * suffixed with a hash of the full name.
 */
export function valueFileName(name: string): string {
  if (name === '') return '%EMPTY';
  let safe = Array.from(name, (ch) =>
    /^[A-Za-z0-9_.-]$/.test(ch)
      ? ch
      : Array.from(Buffer.from(ch, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(
          '',
        ),
  ).join('');
  if (/^\.+$/.test(safe)) safe = safe.replace(/\./g, '%2E');
  if (safe.length > MAX_NAME_CHARS) {
    const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16);
    safe = `${safe.slice(0, MAX_NAME_CHARS - 17)}-${hash}`;
  }
  return safe;
}

/** The folder offloaded values of a notebook go to: `<dir>/<stem>.<kind>`. */
export function offloadFolder(baseUri: string, kind: OffloadKind): string {
  const stem = basename(baseUri).replace(/\.ipynb$/i, '') || 'notebook';
  return joinUri(dirname(baseUri), `${stem}.${kind}`);
}

async function writeOnce(storage: Storage, uri: string, text: string, signal?: AbortSignal): Promise<void> {
  try {
    await storage.write(uri, text, { ifNoneMatch: true, contentType: 'application/json', signal });
  } catch (err) {
    if (!isNbcError(err, 'E_STORAGE_EXISTS')) throw err;
    const existing = await storage.read(uri, { signal });
    if (existing.equals(Buffer.from(text, 'utf8'))) return;
    throw new NbcError(
      'E_STORAGE_EXISTS',
      `${redactUri(uri)} already exists with different contents; offloaded values are write-once ` +
        '(each run attempt writes its own output notebook, so this means two results claimed the same name)',
      { uri: redactUri(uri) },
      { cause: err },
    );
  }
}

/**
 * `values` with every value larger than the limit written to storage and replaced by a `ValueRef`.
 * Small values are returned as they are; the input object is not modified.
 */
export async function offloadLargeValues(
  values: Readonly<Record<string, JsonValue>>,
  options: OffloadOptions,
): Promise<Record<string, JsonValue>> {
  const limit = options.limitBytes ?? DEFAULT_OFFLOAD_LIMIT_BYTES;
  const out: Record<string, JsonValue> = {};
  let folder: string | undefined;
  for (const [name, value] of Object.entries(values)) {
    const text = stringifyJsonExact(value);
    const bytes = text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
    if (text === undefined || bytes <= limit) {
      setOwn(out, name, value);
      continue;
    }
    if (options.signal?.aborted) {
      throw new NbcError(
        'E_ABORTED',
        `offloading ${options.kind} for ${redactUri(options.baseUri)} was stopped`,
      );
    }
    folder ??= offloadFolder(options.baseUri, options.kind);
    const uri = joinUri(folder, `${valueFileName(name)}.json`);
    await options.guard?.(uri);
    await writeOnce(options.storage, uri, text, options.signal);
    const ref: ValueRef = { $ref: uri, bytes };
    setOwn(out, name, ref as unknown as JsonValue);
  }
  return out;
}

/** True for a `{"$ref": ..., "bytes": ...}` left by `offloadLargeValues`. */
export function isValueRef(v: unknown): v is ValueRef {
  return (
    isPlainObject(v) &&
    typeof v.$ref === 'string' &&
    typeof v.bytes === 'number' &&
    Object.keys(v).length === 2
  );
}
