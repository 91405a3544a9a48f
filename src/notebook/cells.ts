/** Cell constructors and ids (nbformat 4.5: every cell has a unique id matching ^[a-zA-Z0-9-_]{1,64}$). */
import { randomBytes } from 'node:crypto';

import type { CellMetadata, CodeCell, MarkdownCell, Notebook } from './types';

const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

export function isValidCellId(id: unknown): id is string {
  return typeof id === 'string' && CELL_ID.test(id);
}

/** A random 8-hex-digit id (as nbformat.v4.upgrade makes) not already used in `nb`. */
export function newCellId(nb?: Pick<Notebook, 'cells'>): string {
  const used = new Set(nb?.cells.map((c) => c.id));
  for (;;) {
    const id = randomBytes(4).toString('hex');
    if (!used.has(id)) return id;
  }
}

export function newCodeCell(
  source: string,
  metadata: CellMetadata = {},
  nb?: Pick<Notebook, 'cells'>,
): CodeCell {
  return { cell_type: 'code', id: newCellId(nb), source, metadata, outputs: [], execution_count: null };
}

export function newMarkdownCell(
  source: string,
  metadata: CellMetadata = {},
  nb?: Pick<Notebook, 'cells'>,
): MarkdownCell {
  return { cell_type: 'markdown', id: newCellId(nb), source, metadata };
}

/** Deep copy (notebooks are plain JSON in memory). */
export function cloneNotebook(nb: Notebook): Notebook {
  return structuredClone(nb);
}
