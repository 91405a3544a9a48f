/** Paths to fixture notebooks and small builders. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseNotebook } from '../../src/notebook/io';
import type { Notebook } from '../../src/notebook/types';

export const FIXTURES = path.join(__dirname, '..', 'fixtures');
export const NOTEBOOKS = path.join(FIXTURES, 'notebooks');

export function fixturePath(name: string): string {
  return path.join(NOTEBOOKS, name.endsWith('.ipynb') ? name : `${name}.ipynb`);
}

export function loadFixture(name: string): Notebook {
  const p = fixturePath(name);
  return parseNotebook(readFileSync(p), p);
}
