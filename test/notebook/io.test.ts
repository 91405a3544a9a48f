import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { isNbcError } from '../../src/errors';
import { NotebookSerializer, parseNotebook, serializeNotebook } from '../../src/notebook/io';
import type { CodeCell, Notebook } from '../../src/notebook/types';
import { fixturePath, loadFixture } from '../helpers/fixtures';
import { validateWithNbformat } from '../helpers/nbformat';

function parseError(text: string, source = 'input.ipynb'): Error & { code?: string } {
  try {
    parseNotebook(text, source);
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a parse error');
}

describe('parseNotebook', () => {
  it('joins multi-line fields into strings', () => {
    const nb = loadFixture('simple');
    expect(nb.cells[1]?.source).toBe('#papermill_description=PRINT\nprint(msg)');
    expect(nb.cells.map((c) => c.cell_type)).toEqual(['code', 'code', 'markdown']);
  });

  it('upgrades nbformat 4.4 notebooks to 4.5 with unique cell ids', () => {
    const nb = loadFixture('nbformat-4.4');
    expect(nb.nbformat_minor).toBe(5);
    const ids = nb.cells.map((c) => c.id);
    expect(ids.every((id) => typeof id === 'string' && /^[0-9a-f]{8}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the line and column of a JSON syntax error', () => {
    const err = parseError(readFileSync(fixturePath('invalid-json'), 'utf8'), 'nb/broken.ipynb');
    expect(isNbcError(err, 'E_NOTEBOOK_INVALID')).toBe(true);
    expect(err.message).toMatch(/^nb\/broken\.ipynb is not valid JSON: .* at line 3, column \d+/);
  });

  it('names the cell and output that violate the schema', () => {
    const err = parseError(readFileSync(fixturePath('invalid-schema'), 'utf8'));
    expect(err.code).toBe('E_NOTEBOOK_INVALID');
    expect(err.message).toContain("cells[0].outputs[0]: must have required property 'name'");
  });

  it('rejects nbformat 3 with a conversion hint', () => {
    const err = parseError(readFileSync(fixturePath('nbformat-3'), 'utf8'));
    expect(err.message).toMatch(/nbformat 3 is not supported.*nbconvert/);
  });

  it.each([
    ['', 'is empty'],
    ['[]', 'top level must be a JSON object'],
    ['{"nbformat": 4, "nbformat_minor": 5, "metadata": {}}', "must have required property 'cells'"],
    [
      '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "sql", "source": ""}]}',
      'cells[0].cell_type: must be one of',
    ],
  ])('rejects %j', (text, message) => {
    expect(parseError(text).message).toContain(message);
  });

  it('replaces duplicate cell ids', () => {
    const nb = loadFixture('simple');
    const text = serializeNotebook({ ...nb, cells: [nb.cells[0]!, { ...nb.cells[0]! }] } as Notebook);
    const again = parseNotebook(text, 'dup.ipynb');
    expect(again.cells[0]?.id).not.toBe(again.cells[1]?.id);
  });
});

describe('serializeNotebook', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-io-'));

  it('writes what nbformat accepts, for every fixture', () => {
    const names = ['simple', 'outputs', 'unicode', 'nbformat-4.4', 'stale-error-markers', 'cell-error'];
    const files = names.map((n) => {
      const out = path.join(dir, `${n}.ipynb`);
      writeFileSync(out, serializeNotebook(loadFixture(n)));
      return out;
    });
    expect(validateWithNbformat(...files).filter((r) => !r.ok)).toEqual([]);
  });

  it('round-trips through parse unchanged and uses nbformat layout', () => {
    const nb = loadFixture('unicode');
    const text = serializeNotebook(nb);
    expect(parseNotebook(text, 'x')).toEqual(nb);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n "cells": [\n  {\n   "cell_type": "code",');
    expect(text).toContain('naïve café — ✓ 😀 日本語'); // not \u-escaped, like ensure_ascii=False
  });

  it('splits text outputs into lines but keeps JSON mime data intact', () => {
    const nb = loadFixture('simple');
    const cell = nb.cells[1] as CodeCell;
    cell.outputs = [
      { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
      {
        output_type: 'display_data',
        data: { 'text/plain': 'x\ny', 'application/json': { k: ['a\nb'] } },
        metadata: {},
      },
    ];
    const raw = JSON.parse(serializeNotebook(nb)) as {
      cells: { outputs?: { text?: unknown; data?: Record<string, unknown> }[] }[];
    };
    const outs = raw.cells[1]?.outputs ?? [];
    expect(outs[0]?.text).toEqual(['a\n', 'b\n']);
    expect(outs[1]?.data?.['text/plain']).toEqual(['x\n', 'y']);
    expect(outs[1]?.data?.['application/json']).toEqual({ k: ['a\nb'] });
  });

  it('reuses frozen cells but produces identical text', () => {
    const nb = loadFixture('outputs');
    const s = new NotebookSerializer();
    for (const c of nb.cells) s.freeze(c);
    expect(s.serialize(nb)).toBe(serializeNotebook(nb));
  });
});
