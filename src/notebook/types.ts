/**
 * nbformat v4 in memory. Multi-line strings (cell source, stream text, text mime data) are held as one
 * string; the writer splits them into lines as nbformat does on disk.
 */
import { isPlainObject, type JsonObject } from '../json';

/** mime type → value (string for text types, JSON for `application/json` and `+json` types). */
export type MimeBundle = JsonObject;

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: string;
}

export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeBundle;
  metadata: JsonObject;
}

export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number | null;
  data: MimeBundle;
  metadata: JsonObject;
}

export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}

export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** Per-cell record papermill writes (`cell.metadata.papermill`). */
export interface CellPapermillMetadata {
  exception: boolean | null;
  start_time: string | null;
  end_time: string | null;
  duration: number | null;
  status: 'pending' | 'running' | 'completed' | 'failed';
}

/** Arbitrary JSON; known keys (tags, papermill, jupyter) are read through the helpers below. */
export type CellMetadata = JsonObject;

export interface CodeCell {
  cell_type: 'code';
  id?: string;
  source: string;
  metadata: CellMetadata;
  outputs: Output[];
  execution_count: number | null;
}

export interface MarkdownCell {
  cell_type: 'markdown';
  id?: string;
  source: string;
  metadata: CellMetadata;
  attachments?: JsonObject;
}

export interface RawCell {
  cell_type: 'raw';
  id?: string;
  source: string;
  metadata: CellMetadata;
  attachments?: JsonObject;
}

export type Cell = CodeCell | MarkdownCell | RawCell;

export interface KernelSpecMetadata extends JsonObject {
  name: string;
  display_name: string;
}

export interface LanguageInfoMetadata extends JsonObject {
  name: string;
}

/** Arbitrary JSON; kernelspec / language_info / papermill are read through helpers. */
export type NotebookMetadata = JsonObject;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: Cell[];
}

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';
export const ERROR_CELL_TAG = 'papermill-error-cell-tag';
export const SKIP_EXECUTION_TAG = 'skip-execution';
export const RAISES_EXCEPTION_TAG = 'raises-exception';

export function cellTags(cell: Cell): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

export function hasTag(cell: Cell, tag: string): boolean {
  return cellTags(cell).includes(tag);
}

/** `metadata.papermill`, set to `created` first when it is missing (or not an object). */
export function papermillMetadata(nb: Notebook, created: JsonObject = {}): JsonObject {
  const existing = nb.metadata.papermill;
  if (isPlainObject(existing)) return existing;
  nb.metadata.papermill = created;
  return created;
}
