/**
 * nbformat v4 in memory. Multi-line strings (cell source, stream text, text mime data) are held as one
 * string; the writer splits them into lines as nbformat does on disk.
 */

export type JSONPrimitive = null | boolean | number | string;
export type JSONValue = JSONPrimitive | JSONValue[] | JSONObject;
export interface JSONObject {
  [key: string]: JSONValue;
}

/** mime type → value (string for text types, JSON for `application/json` and `+json` types). */
export type MimeBundle = JSONObject;

export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: string;
}

export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeBundle;
  metadata: JSONObject;
}

export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number | null;
  data: MimeBundle;
  metadata: JSONObject;
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
export type CellMetadata = JSONObject;

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
  attachments?: JSONObject;
}

export interface RawCell {
  cell_type: 'raw';
  id?: string;
  source: string;
  metadata: CellMetadata;
  attachments?: JSONObject;
}

export type Cell = CodeCell | MarkdownCell | RawCell;

export interface KernelSpecMetadata extends JSONObject {
  name: string;
  display_name: string;
}

export interface LanguageInfoMetadata extends JSONObject {
  name: string;
}

/** Arbitrary JSON; kernelspec / language_info / papermill are read through helpers. */
export type NotebookMetadata = JSONObject;

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

/** A JSON object (not null, not a list). */
export function isJSONObject(v: unknown): v is JSONObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `metadata.papermill`, set to `created` first when it is missing (or not an object). */
export function papermillMetadata(nb: Notebook, created: JSONObject = {}): JSONObject {
  const existing = nb.metadata.papermill;
  if (isJSONObject(existing)) return existing;
  nb.metadata.papermill = created;
  return created;
}
