/**
 * Jupyter Server's contents model, read-only: `GET /api/contents/{path}` answers what Jupyter answers
 * (directory listings with content-less children, notebooks as JSON with multi-line fields joined, files as
 * text or base64, `?type=`, `?format=`, `?content=0`, `?hash=1`), with `writable: false` everywhere.
 */
import { createHash } from 'node:crypto';

import { errorMessage } from '../errors';
import { joinCellLines } from '../notebook/io';
import { guessContentType } from '../storage';
import type { ContentSource, Entry } from './source';
import { isPlainObject, type JsonObject } from '../json';

export interface ContentsQuery {
  type: 'directory' | 'file' | 'notebook' | null;
  format: 'text' | 'base64' | null;
  content: boolean;
  hash: boolean;
}

export interface ContentsError {
  status: number;
  message: string;
  reason: string | null;
}

export type ContentsModel = Record<string, unknown>;

export function parseContentsQuery(q: URLSearchParams): ContentsQuery | ContentsError {
  const type = q.get('type');
  const format = q.get('format');
  const content = q.get('content') ?? '1';
  const hash = q.get('hash') ?? '0';
  if (format !== null && format !== 'text' && format !== 'base64')
    return { status: 400, message: `Format '${format}' is invalid`, reason: null };
  if (content !== '0' && content !== '1')
    return { status: 400, message: `Content '${content}' is invalid`, reason: null };
  if (hash !== '0' && hash !== '1')
    return {
      status: 400,
      message: `Hash argument '${hash}' is invalid. It must be '0' or '1'.`,
      reason: null,
    };
  return {
    // Jupyter falls back to "file" for an unknown type
    type: type === null ? null : type === 'directory' || type === 'notebook' ? type : 'file',
    format,
    content: content === '1',
    hash: hash === '1',
  };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function baseModel(e: Entry): ContentsModel {
  return {
    name: e.name,
    path: e.path,
    last_modified: iso(e.mtimeMs),
    created: iso(e.createdMs),
    content: null,
    format: null,
    mimetype: null,
    size: e.size,
    writable: false,
    hash: null,
    hash_algorithm: null,
  };
}

function mimeOf(name: string): string | null {
  const t = guessContentType(name);
  return t === 'application/octet-stream' ? null : (t.split(';')[0] as string);
}

function childModel(e: Entry): ContentsModel {
  if (e.kind === 'directory') return { ...baseModel(e), type: 'directory', size: null };
  if (e.name.endsWith('.ipynb')) return { ...baseModel(e), type: 'notebook' };
  return { ...baseModel(e), type: 'file', mimetype: mimeOf(e.name) };
}

function withHash(model: ContentsModel, bytes: Buffer): ContentsModel {
  return { ...model, hash: createHash('sha256').update(bytes).digest('hex'), hash_algorithm: 'sha256' };
}

function decodeUtf8(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The model for `segments`, or an error in Jupyter's terms (404 for anything missing or refused). */
export async function contentsModel(
  source: ContentSource,
  segments: readonly string[],
  q: ContentsQuery,
  signal?: AbortSignal,
): Promise<{ model: ContentsModel } | ContentsError> {
  const path = segments.join('/');
  const entry = await source.stat(segments, signal);
  if (entry === null)
    return { status: 404, message: `file or directory '${path}' does not exist`, reason: null };

  if (entry.kind === 'directory') {
    if (q.type !== null && q.type !== 'directory')
      return { status: 400, message: `${path} is a directory, not a ${q.type}`, reason: 'bad type' };
    const model = { ...baseModel(entry), type: 'directory', size: null };
    if (!q.content) return { model };
    const children = await source.list(segments, signal);
    return { model: { ...model, format: 'json', content: children.map(childModel) } };
  }
  if (q.type === 'directory')
    return { status: 400, message: `${path} is not a directory`, reason: 'bad type' };

  const asNotebook = q.type === 'notebook' || (q.type === null && entry.name.endsWith('.ipynb'));
  if (asNotebook) {
    const model = { ...baseModel(entry), type: 'notebook' };
    if (!q.content && !q.hash) return { model };
    const bytes = await source.read(segments, signal);
    const hashed = q.hash ? withHash(model, bytes) : model;
    if (!q.content) return { model: hashed };
    let nb: unknown;
    try {
      nb = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      return { status: 400, message: `Unreadable Notebook: ${path} ${errorMessage(err)}`, reason: null };
    }
    if (!isPlainObject(nb))
      return { status: 400, message: `Unreadable Notebook: ${path} is not a JSON object`, reason: null };
    if (Array.isArray(nb.cells))
      for (const cell of nb.cells) if (isPlainObject(cell)) joinCellLines(cell as JsonObject);
    return { model: { ...hashed, format: 'json', content: nb } };
  }

  const model = { ...baseModel(entry), type: 'file', mimetype: mimeOf(entry.name) };
  if (!q.content && !q.hash) return { model };
  const bytes = await source.read(segments, signal);
  const hashed = q.hash ? withHash(model, bytes) : model;
  if (!q.content) return { model: hashed };
  let format = q.format;
  let content: string;
  if (format === 'base64') content = bytes.toString('base64');
  else {
    const text = decodeUtf8(bytes);
    if (text === null && format === 'text')
      return { status: 400, message: `${path} is not UTF-8 encoded`, reason: 'bad format' };
    format = text === null ? 'base64' : 'text';
    content = text ?? bytes.toString('base64');
  }
  const mimetype = model.mimetype ?? (format === 'text' ? 'text/plain' : 'application/octet-stream');
  return { model: { ...hashed, mimetype, format, content } };
}
