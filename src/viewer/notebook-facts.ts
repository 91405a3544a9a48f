/**
 * What a person debugging a run needs first, read from an output notebook's metadata: status, times,
 * parameters, scraps, kernel, the nbconductor run it belongs to (workflow, task, attempt) and the failing
 * cell. Works on any parsed JSON: a notebook that is not valid nbformat still gets a header.
 */
import { summarizeNotebook, type RunSummary } from '../results';
import type { Notebook } from '../notebook/types';
import { ERROR_CELL_TAG } from '../notebook/types';
import { joinText } from './render/html';
import { isPlainObject, type JsonValue, type JsonObject } from '../json';

export interface RunLink {
  workflowId: string;
  workflowType: string | null;
  taskId: string | null;
  taskRef: string | null;
  attempt: number | null;
  correlationId: string | null;
  workerId: string | null;
}

export interface FailingCell {
  index: number;
  executionCount: number | null;
  ename: string;
  evalue: string;
}

/** A run summary (status, times, parameters, scraps: what /summary tabulates) plus what headers show. */
export interface NotebookFacts extends RunSummary {
  kernel: string | null;
  language: string | null;
  run: RunLink | null;
  failingCell: FailingCell | null;
  /** Fragment the notebook should open at (papermill's error anchor, else the failing cell), or null. */
  anchor: string | null;
  cellCount: number;
}

function str(v: JsonValue | undefined): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function cellsOf(nb: JsonObject): JsonObject[] {
  return Array.isArray(nb.cells) ? (nb.cells.filter(isPlainObject) as JsonObject[]) : [];
}

function failingCell(cells: JsonObject[]): FailingCell | null {
  let fallback: FailingCell | null = null;
  for (const [index, cell] of cells.entries()) {
    if (cell.cell_type !== 'code' || !Array.isArray(cell.outputs)) continue;
    const pm = isPlainObject(cell.metadata) ? cell.metadata.papermill : undefined;
    const marked = isPlainObject(pm) && (pm.exception === true || pm.status === 'failed');
    const err = cell.outputs.find((o) => isPlainObject(o) && o.output_type === 'error') as
      JsonObject | undefined;
    if (!marked && !err) continue;
    const found: FailingCell = {
      index,
      executionCount: typeof cell.execution_count === 'number' ? cell.execution_count : null,
      ename: str(err?.ename) ?? 'Error',
      evalue: typeof err?.evalue === 'string' ? err.evalue : '',
    };
    if (marked) return found;
    fallback ??= found;
  }
  return fallback;
}

function runLink(meta: JsonValue | undefined): RunLink | null {
  if (!isPlainObject(meta)) return null;
  const workflowId = str(meta.workflow_id);
  if (workflowId === null) return null;
  return {
    workflowId,
    workflowType: str(meta.workflow_type),
    taskId: str(meta.task_id),
    taskRef: str(meta.task_ref),
    attempt: typeof meta.attempt === 'number' ? meta.attempt : null,
    correlationId: str(meta.correlation_id),
    workerId: str(meta.worker_id),
  };
}

export function notebookFacts(uri: string, nb: JsonObject): NotebookFacts {
  const cells = cellsOf(nb);
  const metadata = isPlainObject(nb.metadata) ? nb.metadata : {};
  // summarizeNotebook reads metadata and outputs defensively; give it the shape it expects.
  const summary = summarizeNotebook(uri, { ...nb, metadata, cells } as unknown as Notebook);
  const spec = isPlainObject(metadata.kernelspec) ? metadata.kernelspec : {};
  const info = isPlainObject(metadata.language_info) ? metadata.language_info : {};
  const own = isPlainObject(metadata.nbconductor) ? metadata.nbconductor : {};
  const failing = summary.status === 'failed' ? failingCell(cells) : null;
  const hasPapermillAnchor = cells.some(
    (c) =>
      Array.isArray(isPlainObject(c.metadata) ? c.metadata.tags : null) &&
      ((c.metadata as JsonObject).tags as JsonValue[]).includes(ERROR_CELL_TAG) &&
      joinText(c.source).includes('id="papermill-error-cell"'),
  );
  return {
    ...summary,
    kernel: str(spec.display_name) ?? str(spec.name) ?? str(own.kernel_name),
    language: str(info.name) ?? str(spec.language),
    run: runLink(metadata.nbconductor),
    failingCell: failing,
    anchor: failing ? (hasPapermillAnchor ? 'papermill-error-cell' : `cell-${failing.index}`) : null,
    cellCount: cells.length,
  };
}
