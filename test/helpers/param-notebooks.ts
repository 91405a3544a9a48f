/**
 * In-memory notebooks for the parameter tests: fixture JSON read with JSON.parse (multi-line fields
 * joined as the notebook reader does), or built from a few cells.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { JsonObject } from '../../src/json';
import type { Cell, Notebook } from '../../src/notebook/types';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'notebooks');

function joined(v: unknown): string {
  return Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '';
}

export function loadFixtureNotebook(name: string): Notebook {
  const raw = JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Notebook & {
    cells: Array<Cell & { source: unknown }>;
  };
  for (const cell of raw.cells) cell.source = joined(cell.source);
  return raw;
}

export const PYTHON_METADATA: JsonObject = {
  kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
  language_info: { name: 'python' },
};

export function codeCell(source: string, tags?: string[], id?: string): Cell {
  return {
    cell_type: 'code',
    id: id ?? `c${Math.random().toString(16).slice(2, 10)}`,
    source,
    metadata: tags ? { tags } : {},
    outputs: [],
    execution_count: null,
  };
}

export function markdownCell(source: string, tags?: string[]): Cell {
  return {
    cell_type: 'markdown',
    id: `m${Math.random().toString(16).slice(2, 10)}`,
    source,
    metadata: tags ? { tags } : {},
  };
}

export function notebookOf(cells: Cell[], metadata: JsonObject = PYTHON_METADATA): Notebook {
  return { nbformat: 4, nbformat_minor: 5, metadata: structuredClone(metadata), cells };
}
