/**
 * Parameter inference: papermill's Python algorithm against papermill's documented cases
 * (complex_parameters, the unit cases in test_translators.py), the R inspector, and the
 * `--help-notebook` style listing.
 */
import { formatInspection, inspectNotebook, toPapermillInspectJSON } from '../../src/notebook/inspect';
import { inspectPython } from '../../src/notebook/inspect/python';
import { inspectR } from '../../src/notebook/inspect/r';
import { codeCell, loadFixtureNotebook, notebookOf } from '../helpers/param-notebooks';

const p = (name: string, inferredType: string, def: string, help: string) => ({
  name,
  inferredType,
  default: def,
  help,
});

describe('Python inference (papermill PythonTranslator.inspect)', () => {
  test.each([
    ['a = 2', [p('a', 'None', '2', '')]],
    ['a: int = 2', [p('a', 'int', '2', '')]],
    ['a = 2 # type:int', [p('a', 'int', '2', '')]],
    ['a = False # Nice variable a', [p('a', 'None', 'False', 'Nice variable a')]],
    ['a: float = 2.258 # type: int Nice variable a', [p('a', 'float', '2.258', 'Nice variable a')]],
    [
      "a = 'this is a string' # type: int Nice variable a",
      [p('a', 'int', "'this is a string'", 'Nice variable a')],
    ],
    [
      "a: List[str] = ['this', 'is', 'a', 'string', 'list'] # Nice variable a",
      [p('a', 'List[str]', "['this', 'is', 'a', 'string', 'list']", 'Nice variable a')],
    ],
    [
      "a: List[str] = [\n    'this', # First\n    'is',\n    'a',\n    'string',\n    'list' # Last\n] # Nice variable a",
      [p('a', 'List[str]', "['this','is','a','string','list']", 'Nice variable a')],
    ],
    [
      "a: List[str] = [\n                'this', # First\n                'is',\n\n                'a',\n                'string',\n                'list' # Last\n            ] # Nice variable a\n\n            b: float = -2.3432 # My b variable\n            ",
      [
        p('a', 'List[str]', "['this','is','a','string','list']", 'Nice variable a'),
        p('b', 'float', '-2.3432', 'My b variable'),
      ],
    ],
    ['msg = None', [p('msg', 'None', 'None', '')]],
    ['', []],
    ['# only a comment\n\n', []],
    ['x: "NoneType" = None', [p('x', 'NoneType', 'None', '')]],
    ["d: Dict[str, int] = {'a': 1}", [p('d', 'Dict[str, int]', "{'a': 1}", '')]],
    ['ünï = 1 # unicode name', [p('ünï', 'None', '1', 'unicode name')]],
    ['a = 1\r\nb = 2\r\n', [p('a', 'None', '1', ''), p('b', 'None', '2', '')]],
  ])('%j', (source, expected) => {
    expect(inspectPython(source, [])).toEqual(expected);
  });

  test('lines with several "=" are dropped with papermill\'s warning', () => {
    const warnings: string[] = [];
    expect(inspectPython('a = 1\nd = a == 3\ns = "x=y"\nb = 2', warnings)).toEqual([
      p('a', 'None', '1', ''),
      p('b', 'None', '2', ''),
    ]);
    expect(warnings).toEqual([
      "Unable to parse line 2 'd = a == 3'.",
      'Unable to parse line 3 \'s = "x=y"\'.',
    ]);
  });

  test('complex_parameters notebook (papermill test_inspection)', () => {
    const result = inspectNotebook(loadFixtureNotebook('inspect-complex-parameters.ipynb'));
    expect(result).toMatchObject({ hasParametersCell: true, language: 'Python', supported: true });
    expect(result.parameters).toEqual([
      p('msg', 'None', 'None', ''),
      p('a', 'float', '2.25', 'Variable a'),
      p('b', 'List[str]', "['Hello','World']", 'Nice list'),
      p('c', 'NoneType', 'None', ''),
    ]);
    expect(result.warnings).toEqual(["Unable to parse line 12 'd = a == 3'."]);
    expect(toPapermillInspectJSON(result)).toEqual({
      msg: { name: 'msg', inferred_type_name: 'None', default: 'None', help: '' },
      a: { name: 'a', inferred_type_name: 'float', default: '2.25', help: 'Variable a' },
      b: { name: 'b', inferred_type_name: 'List[str]', default: "['Hello','World']", help: 'Nice list' },
      c: { name: 'c', inferred_type_name: 'NoneType', default: 'None', help: '' },
    });
  });

  test('simple_execute-like notebook and a notebook without a parameters cell', () => {
    expect(inspectNotebook(loadFixtureNotebook('params-simple.ipynb')).parameters).toEqual([
      p('msg', 'None', 'None', ''),
    ]);
    const none = inspectNotebook(loadFixtureNotebook('params-no-parameters-tag.ipynb'));
    expect(none).toMatchObject({ hasParametersCell: false, parameters: [] });
    expect(toPapermillInspectJSON(none)).toEqual({});
  });
});

describe('R inference', () => {
  test('the R fixture: <- and =, multi-line values, help and type comments, literal types', () => {
    const result = inspectNotebook(loadFixtureNotebook('inspect-r.ipynb'));
    expect(result).toMatchObject({ hasParametersCell: true, language: 'R', supported: true, warnings: [] });
    expect(result.parameters).toEqual([
      p('region', 'character', '"eu-west"', 'AWS region'),
      p('threshold', 'double', '0.75', 'Cut-off'),
      p('n_runs', 'integer', '10L', ''),
      p('verbose', 'logical', 'TRUE', ''),
      p('labels', 'None', 'c("a","b")', 'Plot labels'),
      p('missing', 'NULL', 'NULL', ''),
    ]);
  });

  test.each([
    ['x <- 1', [p('x', 'numeric', '1', '')]],
    ['x <<- -2.5e3 # global', [p('x', 'numeric', '-2.5e3', 'global')]],
    ["s = 'a#b' # the help", [p('s', 'character', "'a#b'", 'the help')]],
    ['s <- "a\\"#b"', [p('s', 'character', '"a\\"#b"', '')]],
    ['x == 1\ny <- 2', [p('y', 'numeric', '2', '')]],
    [
      'f <- function(a) {\n  a + 1\n}\nz <- Inf',
      [p('f', 'None', 'function(a) {a + 1}', ''), p('z', 'numeric', 'Inf', '')],
    ],
    ['total <- 1 +\n  2 # sum', [p('total', 'None', '1 +2', 'sum')]],
    ['`odd name` <- 3', [p('odd name', 'numeric', '3', '')]],
    ['.hidden <- FALSE', [p('.hidden', 'logical', 'FALSE', '')]],
    ['print("x")\nlibrary(stats)', []],
  ])('%j', (source, expected) => {
    expect(inspectR(source)).toEqual(expected);
  });
});

describe('languages without inference', () => {
  test("supported: false and papermill's warning; no parameters", () => {
    const nb = notebookOf([codeCell('msg = None', ['parameters'])], {
      kernelspec: { name: 'julia-1.10', display_name: 'Julia', language: 'julia' },
    });
    const result = inspectNotebook(nb);
    expect(result).toMatchObject({
      hasParametersCell: true,
      language: 'Julia',
      supported: false,
      parameters: [],
    });
    expect(result.warnings).toEqual([
      "Translator for 'Julia' language does not support parameter introspection.",
    ]);
  });

  test('an unknown kernel is not an error for inspection', () => {
    const nb = notebookOf([codeCell('x', ['parameters'])], {
      kernelspec: { name: 'sos', display_name: 'SoS', language: 'sos' },
    });
    expect(inspectNotebook(nb)).toMatchObject({ language: 'sos', supported: false, parameters: [] });
  });

  test('overrides choose the inspector', () => {
    const nb = notebookOf([codeCell('a <- 1', ['parameters'])], {});
    expect(inspectNotebook(nb, { language: 'R' }).parameters).toEqual([p('a', 'numeric', '1', '')]);
    expect(inspectNotebook(nb, { kernel: 'python3' }).parameters).toEqual([]);
  });
});

describe('--help-notebook listing', () => {
  test('complex_parameters lines exactly as papermill prints them', () => {
    const text = formatInspection(
      inspectNotebook(loadFixtureNotebook('inspect-complex-parameters.ipynb')),
      'complex.ipynb',
    );
    expect(text.split('\n')).toEqual([
      "Parameters inferred for notebook 'complex.ipynb':",
      '  msg: Unknown type (default None)',
      '  a: float (default 2.25)         Variable a',
      "  b: List[str] (default ['Hello','World'])",
      `${' '.repeat(34)}Nice list`,
      '  c: NoneType (default None)      ',
      '',
    ]);
  });

  test('no parameters cell, nothing inferred, unsupported language', () => {
    const noCell = formatInspection(
      inspectNotebook(loadFixtureNotebook('params-no-parameters-tag.ipynb')),
      'x.ipynb',
    );
    expect(noCell).toBe("Parameters inferred for notebook 'x.ipynb':\n\n  No cell tagged 'parameters'\n");
    const empty = formatInspection(
      inspectNotebook(notebookOf([codeCell('# nothing', ['parameters'])])),
      'y.ipynb',
    );
    expect(empty).toContain(
      "\n  Can't infer anything about this notebook's parameters. It may not have any parameter defined.\n",
    );
    const julia = notebookOf([codeCell('a = 1', ['parameters'])], {
      kernelspec: { name: 'julia-1.10', display_name: 'Julia' },
    });
    expect(formatInspection(inspectNotebook(julia), 'z.ipynb')).toContain(
      "Can't infer parameters for language 'Julia'",
    );
  });
});
