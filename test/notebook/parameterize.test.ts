/**
 * parameterizeNotebook: papermill's placement rules (after the `parameters` cell, replacing an old
 * injected cell, first with a warning), the recorded metadata, unknown-parameter warnings, report mode,
 * and kernel/language resolution.
 */
import { isNbcError } from '../../src/errors';
import { serializeNotebook } from '../../src/notebook/io';
import { parameterizeNotebook, resolveKernelAndLanguage } from '../../src/notebook/parameterize';
import { INJECTED_PARAMETERS_TAG, cellTags, type Notebook } from '../../src/notebook/types';
import { FloatValue } from '../../src/notebook/values';
import { codeCell, loadFixtureNotebook, markdownCell, notebookOf } from '../helpers/param-notebooks';

function injectedCells(nb: Notebook): number[] {
  return nb.cells.flatMap((c, i) => (cellTags(c).includes(INJECTED_PARAMETERS_TAG) ? [i] : []));
}

describe('placement', () => {
  test('right after the parameters cell (papermill test_cell_insertion)', () => {
    const input = loadFixtureNotebook('params-simple.ipynb');
    const { notebook, injectedCellIndex, warnings } = parameterizeNotebook(input, { msg: 'Hello' });
    expect(injectedCellIndex).toBe(1);
    expect(notebook.cells).toHaveLength(4);
    const cell = notebook.cells[1]!;
    expect(cell.cell_type).toBe('code');
    expect(cell.source.split('\n')).toEqual(['# Parameters', 'msg = "Hello"', '']);
    expect(cell.metadata).toEqual({ tags: ['injected-parameters'] });
    expect(notebook.cells[0]!.source).toBe('msg = None');
    expect(notebook.cells[2]!.source).toContain('print(msg)');
    expect(notebook.metadata.papermill).toEqual({ parameters: { msg: 'Hello' } });
    expect(warnings).toEqual([]);
  });

  test('the injected cell is a fresh code cell: new unique id, no outputs, no copied tags', () => {
    const input = notebookOf([
      codeCell('a = 1', ['parameters', 'other-tag'], 'p'),
      codeCell('print(a)', [], 'q'),
    ]);
    const { notebook } = parameterizeNotebook(input, { a: 2 });
    const cell = notebook.cells[1]!;
    expect(cell.id).toMatch(/^[0-9a-f]{8}$/);
    expect(['p', 'q']).not.toContain(cell.id);
    expect(cell).toMatchObject({
      outputs: [],
      execution_count: null,
      metadata: { tags: ['injected-parameters'] },
    });
  });

  test('only the first parameters cell counts; later ones are ordinary cells', () => {
    const input = notebookOf([
      markdownCell('# Title'),
      codeCell('a = 1', ['parameters']),
      codeCell('b = 2', ['parameters']),
    ]);
    const { injectedCellIndex } = parameterizeNotebook(input, { a: 5 });
    expect(injectedCellIndex).toBe(2);
  });

  test('a markdown cell tagged parameters also counts (papermill: any cell type)', () => {
    const input = notebookOf([markdownCell('a = 1', ['parameters']), codeCell('print(a)')]);
    expect(parameterizeNotebook(input, { a: 2 }).injectedCellIndex).toBe(1);
  });

  test("no parameters cell: injected first, with papermill's warning (papermill test_no_tags)", () => {
    const input = loadFixtureNotebook('params-no-parameters-tag.ipynb');
    const { notebook, injectedCellIndex, warnings } = parameterizeNotebook(input, { msg: 'Hello' });
    expect(injectedCellIndex).toBe(0);
    expect(notebook.cells[0]!.source.split('\n')).toEqual(['# Parameters', 'msg = "Hello"', '']);
    expect(notebook.cells).toHaveLength(4);
    expect(warnings).toContain("Input notebook does not contain a cell with tag 'parameters'");
  });

  test('a re-run replaces the old injected cell in place: exactly one injected cell, order unchanged', () => {
    const input = loadFixtureNotebook('params-rerun.ipynb');
    const first = parameterizeNotebook(input, { a: 10 });
    expect(first.injectedCellIndex).toBe(1);
    expect(first.notebook.cells.map((c) => c.id)).toEqual(['c0', first.notebook.cells[1]!.id, 'c2']);
    expect(first.notebook.cells[1]!.source).toBe('# Parameters\na = 10\n');
    expect(first.notebook.cells[1]!).toMatchObject({ execution_count: null, outputs: [] });
    const second = parameterizeNotebook(first.notebook, { a: 11, b: 'y' });
    expect(injectedCells(second.notebook)).toEqual([1]);
    expect(second.notebook.cells).toHaveLength(3);
    expect(second.notebook.cells[1]!.source).toBe('# Parameters\na = 11\nb = "y"\n');
  });

  test('an injected cell is replaced even when it is not next to the parameters cell', () => {
    const input = notebookOf([
      codeCell('# Parameters\nx = 0\n', ['injected-parameters'], 'old'),
      codeCell('x = 1', ['parameters'], 'p'),
      codeCell('print(x)', [], 'r'),
    ]);
    const { notebook, injectedCellIndex } = parameterizeNotebook(input, { x: 2 });
    expect(injectedCellIndex).toBe(0);
    expect(notebook.cells.map((c) => c.source)).toEqual(['# Parameters\nx = 2\n', 'x = 1', 'print(x)']);
  });

  test('the input notebook is not modified', () => {
    const input = loadFixtureNotebook('params-rerun.ipynb');
    const before = structuredClone(input);
    parameterizeNotebook(input, { a: 1 }, { reportMode: true });
    expect(input).toEqual(before);
  });
});

describe('metadata', () => {
  test('metadata.papermill.parameters records exactly the injected values as plain JSON, replacing old ones', () => {
    const input = loadFixtureNotebook('params-rerun.ipynb');
    const { notebook } = parameterizeNotebook(input, {
      a: new FloatValue(2),
      big: 2n ** 64n,
      safe: 5n,
      nested: { l: [1, null] },
    });
    expect(notebook.metadata.papermill).toEqual({
      parameters: { a: 2, big: 18446744073709551616n, safe: 5, nested: { l: [1, null] } },
      input_path: 'in.ipynb',
      output_path: 'out.ipynb',
    });
    // written as the exact JSON number, as papermill records a Python int
    expect(serializeNotebook(notebook)).toMatch(/"big": 18446744073709551616,/);
  });

  test('metadata.papermill is created when missing or not an object', () => {
    const nb = notebookOf([codeCell('a = 1', ['parameters'])]);
    nb.metadata.papermill = 'junk';
    expect(parameterizeNotebook(nb, { a: 1 }).notebook.metadata.papermill).toEqual({ parameters: { a: 1 } });
  });

  test('empty parameters: no cell injected, parameters recorded as {}, no kernel needed', () => {
    const input = notebookOf([codeCell('a = 1', ['parameters'])], {});
    const { notebook, injectedCellIndex, warnings } = parameterizeNotebook(input, {});
    expect(injectedCellIndex).toBe(-1);
    expect(notebook.cells).toHaveLength(1);
    expect(notebook.metadata.papermill).toEqual({ parameters: {} });
    expect(warnings).toEqual([]);
  });

  test('empty parameters on a re-run keep the old injected cell and its recorded parameters (as papermill), with a warning', () => {
    const { notebook, warnings } = parameterizeNotebook(loadFixtureNotebook('params-rerun.ipynb'), {});
    expect(injectedCells(notebook)).toEqual([1]);
    expect(notebook.cells[1]?.source).toBe('# Parameters\na = 5\n');
    expect((notebook.metadata.papermill as Record<string, unknown>).parameters).toEqual({ a: 5 });
    expect(warnings.join('\n')).toMatch(/existing 'injected-parameters' cell \(index 1\)/);
  });

  test('report mode hides the injected source (papermill: metadata.jupyter.source_hidden)', () => {
    const { notebook } = parameterizeNotebook(
      loadFixtureNotebook('params-simple.ipynb'),
      { msg: 'x' },
      { reportMode: true },
    );
    expect(notebook.cells[1]!.metadata).toEqual({
      tags: ['injected-parameters'],
      jupyter: { source_hidden: true },
    });
  });

  test('custom comment (papermill test_custom_comment)', () => {
    const { notebook } = parameterizeNotebook(
      loadFixtureNotebook('params-simple.ipynb'),
      { msg: 'x' },
      { comment: 'This is a custom comment' },
    );
    expect(notebook.cells[1]!.source.split('\n')[0]).toBe('# This is a custom comment');
  });
});

describe('unknown-parameter warnings', () => {
  test('Python: names missing from the parameters cell are reported, in order', () => {
    const input = notebookOf([codeCell('alpha = 1\nbeta: int = 2  # help\n', ['parameters'])]);
    const { warnings } = parameterizeNotebook(input, { alpha: 3, gamma: 4, beta: 5, delta: 6 });
    expect(warnings).toEqual(['Passed unknown parameter: gamma', 'Passed unknown parameter: delta']);
  });

  test('Python: a default containing "=" is not inferred, so papermill (and we) warn (issue #864)', () => {
    const input = notebookOf([codeCell('s = "a=b"\n', ['parameters'])]);
    expect(parameterizeNotebook(input, { s: 'x' }).warnings).toEqual([
      'Unable to parse line 1 \'s = "a=b"\'.',
      'Passed unknown parameter: s',
    ]);
  });

  test('Python without a parameters cell: every parameter is unknown, then the placement warning', () => {
    const { warnings } = parameterizeNotebook(loadFixtureNotebook('params-no-parameters-tag.ipynb'), {
      msg: 'x',
    });
    expect(warnings).toEqual([
      'Passed unknown parameter: msg',
      "Input notebook does not contain a cell with tag 'parameters'",
    ]);
  });

  test('R notebooks are inspected too (leading underscores dropped as R drops them)', () => {
    const input = loadFixtureNotebook('inspect-r.ipynb');
    const { notebook, warnings, injectedCellIndex } = parameterizeNotebook(input, {
      region: 'us',
      _threshold: 0.5,
      nope: 1,
    });
    expect(warnings).toEqual(['Passed unknown parameter: nope']);
    expect(injectedCellIndex).toBe(2);
    expect(notebook.cells[2]!.source).toBe('# Parameters\nregion = "us"\nthreshold = 0.5\nnope = 1\n');
  });

  test('languages without inspection: no warnings (papermill would warn about every parameter)', () => {
    const input = notebookOf([codeCell('a = 1', ['parameters'])], {
      kernelspec: { name: 'julia-1.10', display_name: 'Julia' },
      language_info: { name: 'julia' },
    });
    const { warnings, notebook } = parameterizeNotebook(input, { a: 2, b: 3 });
    expect(warnings).toEqual([]);
    expect(notebook.cells[1]!.source).toBe('# Parameters\na = 2\nb = 3\n');
  });
});

describe('kernel and language', () => {
  test('the kernel override picks the translator (exact kernel name first, as papermill)', () => {
    const input = loadFixtureNotebook('params-simple.ipynb');
    const { notebook } = parameterizeNotebook(input, { msg: 'hi there' }, { kernelName: 'bash' });
    expect(notebook.cells[1]!.source).toBe("# Parameters\nmsg='hi there'\n");
  });

  test('the language override applies when the kernel name is not a translator key', () => {
    const input = loadFixtureNotebook('params-simple.ipynb');
    const { notebook } = parameterizeNotebook(input, { msg: 'x' }, { kernelName: 'my-env', language: 'R' });
    expect(notebook.cells[1]!.source).toBe('# Parameters\nmsg = "x"\n');
    const scala = parameterizeNotebook(input, { msg: 'x' }, { kernelName: 'my-env', language: 'scala' });
    expect(scala.notebook.cells[1]!.source).toBe('// Parameters\nval msg = "x"\n');
  });

  test('resolveKernelAndLanguage: overrides, kernelspec.name, language_info.name, then kernelspec.language', () => {
    const nb = notebookOf([], { kernelspec: { name: 'ir', display_name: 'R', language: 'R' } });
    expect(resolveKernelAndLanguage(nb)).toEqual({ kernelName: 'ir', language: 'R' });
    nb.metadata.language_info = { name: 'r' };
    expect(resolveKernelAndLanguage(nb)).toEqual({ kernelName: 'ir', language: 'r' });
    expect(resolveKernelAndLanguage(nb, { kernel: 'k', language: 'l' })).toEqual({
      kernelName: 'k',
      language: 'l',
    });
  });

  test("no kernel name: papermill's message, as E_NOTEBOOK_INVALID naming the field", () => {
    const nb = notebookOf([codeCell('a = 1', ['parameters'])], { language_info: { name: 'python' } });
    let caught: unknown;
    try {
      parameterizeNotebook(nb, { a: 1 });
    } catch (err) {
      caught = err;
    }
    expect(isNbcError(caught, 'E_NOTEBOOK_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(/^No kernel name found in notebook and no override provided\./);
    expect(parameterizeNotebook(nb, { a: 1 }, { kernelName: 'python3' }).injectedCellIndex).toBe(1);
  });

  test("no language: papermill's message", () => {
    const nb = notebookOf([], { kernelspec: { name: 'x', display_name: 'X' } });
    expect(() => resolveKernelAndLanguage(nb)).toThrow(
      /^No language found in notebook and no override provided\./,
    );
  });

  test('unknown kernel and language: E_TRANSLATOR', () => {
    const nb = notebookOf([], { kernelspec: { name: 'sos', display_name: 'SoS', language: 'sos' } });
    expect(() => parameterizeNotebook(nb, { a: 1 })).toThrow(
      expect.objectContaining({ code: 'E_TRANSLATOR' }),
    );
  });

  test('a value the language cannot hold fails the whole injection with E_PARAMETER', () => {
    const nb = notebookOf([codeCell('x=1', ['parameters'])], {
      kernelspec: { name: 'bash', display_name: 'Bash' },
      language_info: { name: 'bash' },
    });
    expect(() => parameterizeNotebook(nb, { x: [[1]] })).toThrow(/Cannot render parameter x\[0\] for bash/);
  });
});
