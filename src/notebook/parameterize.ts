/**
 * Injecting parameters into a notebook, with papermill's placement rules: an existing
 * `injected-parameters` cell is replaced in place; otherwise the new cell goes right after the first
 * `parameters`-tagged cell; otherwise first, with a warning. `metadata.papermill.parameters` records
 * exactly what was injected.
 */
import { NbcError } from '../errors';
import type { JsonObject, JsonValue } from '../json';
import { cloneNotebook, newCodeCell } from './cells';
import { inspectorFor, notebookKernelAndLanguage } from './inspect';
import { getTranslator, type Translator } from './translators';
import { INJECTED_PARAMETERS_TAG, PARAMETERS_TAG, hasTag, type Notebook, papermillMetadata } from './types';
import { toPlainJSON, type Parameters } from './values';

export interface ParameterizeOptions {
  /** Overrides `metadata.kernelspec.name` (CLI `-k`). */
  kernelName?: string;
  /** Overrides the notebook's language (CLI `-l`). */
  language?: string;
  /** Hide the injected cell's source (`metadata.jupyter.source_hidden`). */
  reportMode?: boolean;
  /** The injected cell's comment line (default `Parameters`). */
  comment?: string;
}

export interface ParameterizeResult {
  /** A new notebook; the input is not modified. */
  notebook: Notebook;
  /** Index of the injected cell, or -1 when nothing was injected (no parameters). */
  injectedCellIndex: number;
  /** What papermill would log as warnings, in its order. */
  warnings: string[];
}

/**
 * Kernel name and language as papermill resolves them: overrides first, then `metadata.kernelspec.name`
 * and `metadata.language_info.name` (falling back to `metadata.kernelspec.language`).
 */
export function resolveKernelAndLanguage(
  nb: Notebook,
  overrides: { kernel?: string; language?: string } = {},
): { kernelName: string; language: string } {
  const { kernel, language } = notebookKernelAndLanguage(nb, overrides);
  if (kernel === undefined) {
    throw new NbcError(
      'E_NOTEBOOK_INVALID',
      'No kernel name found in notebook and no override provided. Set metadata.kernelspec.name or pass a kernel name (-k).',
      { field: 'metadata.kernelspec.name' },
    );
  }
  if (language === undefined) {
    throw new NbcError(
      'E_NOTEBOOK_INVALID',
      'No language found in notebook and no override provided. Set metadata.language_info.name or pass a language (-l).',
      { field: 'metadata.language_info.name' },
    );
  }
  return { kernelName: kernel, language };
}

function firstTagged(nb: Notebook, tag: string): number {
  return nb.cells.findIndex((c) => hasTag(c, tag));
}

/**
 * Passed names the `parameters` cell does not define. Only for languages with an inspector: papermill
 * warns about *every* parameter for the others, which says nothing about the notebook, so we stay quiet.
 */
function unknownParameterWarnings(nb: Notebook, translator: Translator, parameters: Parameters): string[] {
  const inspector = inspectorFor(translator.id);
  if (!inspector) return [];
  const warnings: string[] = [];
  const cell = nb.cells[firstTagged(nb, PARAMETERS_TAG)];
  const declared = new Set(cell ? inspector(cell.source, warnings).map((p) => p.name) : []);
  // R drops leading underscores from injected names (papermill), so compare the name R will see.
  const visible = (name: string): string => (translator.id === 'r' ? name.replace(/^_+/, '') : name);
  for (const name of Object.keys(parameters)) {
    if (!declared.has(visible(name))) warnings.push(`Passed unknown parameter: ${name}`);
  }
  return warnings;
}

export function parameterizeNotebook(
  input: Notebook,
  parameters: Parameters,
  options: ParameterizeOptions = {},
): ParameterizeResult {
  const nb = cloneNotebook(input);
  const meta = papermillMetadata(nb);
  const warnings: string[] = [];
  const injectedIndex = firstTagged(nb, INJECTED_PARAMETERS_TAG);

  // Papermill skips injection entirely for empty parameters (no kernel lookup, no cell), and keeps what
  // an output notebook recorded: re-running it keeps its injected cell and its parameters.
  if (Object.keys(parameters).length === 0) {
    meta.parameters ??= {};
    if (injectedIndex >= 0) {
      warnings.push(
        `No parameters passed: the existing '${INJECTED_PARAMETERS_TAG}' cell (index ${injectedIndex}) from a previous run is kept as it is`,
      );
    }
    return { notebook: nb, injectedCellIndex: -1, warnings };
  }

  const { kernelName, language } = resolveKernelAndLanguage(nb, {
    kernel: options.kernelName,
    language: options.language,
  });
  const translator = getTranslator(kernelName, language);
  const source = translator.renderCell(parameters, options.comment ?? 'Parameters');
  warnings.push(...unknownParameterWarnings(nb, translator, parameters));

  const metadata: JsonObject = { tags: [INJECTED_PARAMETERS_TAG] };
  if (options.reportMode) metadata.jupyter = { source_hidden: true };
  const cell = newCodeCell(source, metadata, nb);

  let index: number;
  if (injectedIndex >= 0) {
    index = injectedIndex;
    nb.cells.splice(index, 1, cell);
  } else {
    const parametersIndex = firstTagged(nb, PARAMETERS_TAG);
    if (parametersIndex >= 0) {
      index = parametersIndex + 1;
    } else {
      warnings.push("Input notebook does not contain a cell with tag 'parameters'");
      index = 0;
    }
    nb.cells.splice(index, 0, cell);
  }
  meta.parameters = toPlainJSON(parameters) as JsonValue;
  return { notebook: nb, injectedCellIndex: index, warnings };
}
