/**
 * The run record papermill writes into a notebook, so papermill- and scrapbook-aware readers accept ours:
 * notebook `metadata.papermill` (parameters, paths, times, exception) and per-cell `metadata.papermill`
 * (status pending/running/completed/failed, times, duration), plus the error banner/anchor cells.
 */
import type { JsonObject } from '../json';
import { newMarkdownCell } from '../notebook/cells';
import type { Cell, CellPapermillMetadata, Notebook } from '../notebook/types';
import { ERROR_CELL_TAG, cellTags, papermillMetadata } from '../notebook/types';

export interface NotebookRecordInit {
  inputPath: string;
  outputPath: string;
  version: string;
}

function isoNow(now: Date): string {
  // papermill writes Python's isoformat() with +00:00 and microseconds
  return now.toISOString().replace('Z', '000+00:00');
}

/** What papermill puts in `metadata.papermill` when it loads a notebook without one. */
function papermillOnLoad(): JsonObject {
  return { default_parameters: {}, parameters: {}, environment_variables: {} };
}

function cellMeta(cell: Cell): CellPapermillMetadata {
  return cell.metadata.papermill as unknown as CellPapermillMetadata;
}

/** Drop error markers left by a previous failed run (re-running an output notebook). */
export function removeErrorMarkers(nb: Notebook): void {
  nb.cells = nb.cells.filter((c) => !cellTags(c).includes(ERROR_CELL_TAG));
}

/** Paths and version, as papermill's prepare_notebook_metadata; report mode hides code inputs. */
export function prepareRecord(nb: Notebook, init: NotebookRecordInit, reportMode: boolean): void {
  const meta = papermillMetadata(nb, papermillOnLoad());
  // papermill initialises these legacy keys on load; readers may expect them.
  meta.default_parameters ??= {};
  meta.parameters ??= {};
  meta.environment_variables ??= {};
  meta.input_path = init.inputPath;
  meta.output_path = init.outputPath;
  meta.version = meta.version ?? init.version;
  if (reportMode) {
    for (const cell of nb.cells) {
      if (cell.cell_type !== 'code') continue;
      const jupyter = (cell.metadata.jupyter ?? {}) as JsonObject;
      jupyter.source_hidden = true;
      cell.metadata.jupyter = jupyter;
    }
  }
}

/** papermill's notebook_start: clear outputs and mark every cell pending. */
export function startRecord(nb: Notebook, now: Date): void {
  const meta = papermillMetadata(nb, papermillOnLoad());
  meta.start_time = isoNow(now);
  meta.end_time = null;
  meta.duration = null;
  meta.exception = null;
  for (const cell of nb.cells) {
    if (!Array.isArray(cell.metadata.tags)) cell.metadata.tags = [];
    if (cell.cell_type === 'code') {
      cell.outputs = [];
      cell.execution_count = null;
    }
    const pending: CellPapermillMetadata = {
      exception: null,
      start_time: null,
      end_time: null,
      duration: null,
      status: 'pending',
    };
    cell.metadata.papermill = pending as unknown as JsonObject;
  }
}

export function cellStarted(cell: Cell, now: Date): void {
  const m = cellMeta(cell);
  m.start_time = isoNow(now);
  m.status = 'running';
  m.exception = false;
}

export function cellFailed(nb: Notebook, cell: Cell): void {
  const m = cellMeta(cell);
  m.exception = true;
  m.status = 'failed';
  papermillMetadata(nb, papermillOnLoad()).exception = true;
}

export function cellCompleted(cell: Cell, startedAt: Date, now: Date): void {
  const m = cellMeta(cell);
  m.end_time = isoNow(now);
  m.duration = (now.getTime() - startedAt.getTime()) / 1000;
  if (m.status !== 'failed') m.status = 'completed';
}

/**
 * papermill's notebook_complete: end time and duration. Unlike papermill we leave cells that never ran
 * as "pending" (papermill marks them "completed" after a timeout or dead kernel, hiding the failure).
 */
export function completeRecord(nb: Notebook, startedAt: Date, now: Date, failed: boolean): void {
  const meta = papermillMetadata(nb, papermillOnLoad());
  meta.end_time = isoNow(now);
  meta.duration = (now.getTime() - startedAt.getTime()) / 1000;
  meta.exception = failed ? true : null;
}

const ERROR_STYLE =
  'style="color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;"';

/**
 * papermill's error markers: a banner at the top linking to an anchor placed right before the failing
 * cell, both tagged so the next run removes them. Returns the failing cell's new index.
 */
export function insertErrorMarkers(
  nb: Notebook,
  failingIndex: number,
  executionCount: number | null,
): number {
  const anchor = newMarkdownCell(
    `<span id="papermill-error-cell" ${ERROR_STYLE}>Execution using papermill encountered an exception here and stopped:</span>`,
    { tags: [ERROR_CELL_TAG] },
    nb,
  );
  nb.cells.splice(failingIndex, 0, anchor);
  const banner = newMarkdownCell(
    `<span ${ERROR_STYLE}>An Exception was encountered at '<a href="#papermill-error-cell">In [${executionCount === null ? 'None' : String(executionCount)}]</a>'.</span>`,
    { tags: [ERROR_CELL_TAG] },
    nb,
  );
  nb.cells.unshift(banner);
  return failingIndex + 2;
}
