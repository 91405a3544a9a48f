/**
 * Parameters inferred from a notebook's first `parameters`-tagged cell, as papermill's
 * `inspect_notebook` / `--help-notebook` report them. Python follows papermill's algorithm exactly; R
 * has its own inspector; other languages report `supported: false` (papermill logs a warning and
 * returns nothing for them).
 */
import { isPlainObject } from '../json';
import { inspectPython } from './inspect/python';
import { inspectR } from './inspect/r';
import type { InferredParameter, ParameterInspector } from './inspect/types';
import { findTranslator, type TranslatorId } from './translators';
import { PARAMETERS_TAG, hasTag, type Notebook } from './types';

export type { InferredParameter } from './inspect/types';

const INSPECTORS: Partial<Record<TranslatorId, ParameterInspector>> = {
  python: inspectPython,
  r: inspectR,
};

export interface InspectOptions {
  /** Overrides `metadata.kernelspec.name`. */
  kernel?: string;
  /** Overrides `metadata.language_info.name` / `metadata.kernelspec.language`. */
  language?: string;
}

export interface InspectResult {
  hasParametersCell: boolean;
  /** The language the translator was chosen for (its display name), or the notebook's own if unknown. */
  language: string | null;
  /** Whether parameter inference exists for this language. */
  supported: boolean;
  parameters: InferredParameter[];
  /** Lines that could not be parsed, and similar notes. */
  warnings: string[];
}

function metadataString(nb: Notebook, section: string, key: string): string | undefined {
  const obj = nb.metadata[section];
  if (!isPlainObject(obj)) return undefined;
  const v = obj[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Kernel name and language from overrides or notebook metadata, each possibly missing. */
export function notebookKernelAndLanguage(
  nb: Notebook,
  overrides: InspectOptions = {},
): { kernel: string | undefined; language: string | undefined } {
  return {
    kernel: overrides.kernel || metadataString(nb, 'kernelspec', 'name'),
    language:
      overrides.language ||
      metadataString(nb, 'language_info', 'name') ||
      metadataString(nb, 'kernelspec', 'language'),
  };
}

/** The inspector for a translator id, if that language has one. */
export function inspectorFor(id: TranslatorId): ParameterInspector | undefined {
  return INSPECTORS[id];
}

export function inspectNotebook(nb: Notebook, options: InspectOptions = {}): InspectResult {
  const { kernel, language } = notebookKernelAndLanguage(nb, options);
  const cell = nb.cells.find((c) => hasTag(c, PARAMETERS_TAG));
  const translator = findTranslator(kernel, language);
  const inspector = translator ? INSPECTORS[translator.id] : undefined;
  const result: InspectResult = {
    hasParametersCell: cell !== undefined,
    language: translator?.language ?? language ?? null,
    supported: inspector !== undefined,
    parameters: [],
    warnings: [],
  };
  if (!cell) return result;
  if (!inspector) {
    result.warnings.push(
      `Translator for '${result.language ?? 'unknown'}' language does not support parameter introspection.`,
    );
    return result;
  }
  result.parameters = inspector(cell.source, result.warnings);
  return result;
}

/** Papermill's `inspect_notebook` shape: name → {name, inferred_type_name, default, help}. */
export function toPapermillInspectJSON(
  result: InspectResult,
): Record<string, { name: string; inferred_type_name: string; default: string; help: string }> {
  const out: Record<string, { name: string; inferred_type_name: string; default: string; help: string }> = {};
  for (const p of result.parameters) {
    out[p.name] = { name: p.name, inferred_type_name: p.inferredType, default: p.default, help: p.help };
  }
  return out;
}

/**
 * The listing papermill's `--help-notebook` prints after its usage line: a header, then one line per
 * parameter (`  name: type (default X)` padded to 34 columns, then the help; the help moves to its own
 * line, indented 34 spaces, when the definition is longer than 30 characters).
 */
export function formatInspection(result: InspectResult, notebookLabel: string): string {
  const lines = [`Parameters inferred for notebook '${notebookLabel}':`];
  if (!result.hasParametersCell) {
    lines.push('', "  No cell tagged 'parameters'");
  } else if (!result.supported) {
    lines.push(
      '',
      `  Can't infer parameters for language '${result.language ?? 'unknown'}' (supported: Python, R).`,
    );
  } else if (result.parameters.length === 0) {
    lines.push(
      '',
      "  Can't infer anything about this notebook's parameters. It may not have any parameter defined.",
    );
  } else {
    for (const p of result.parameters) {
      const type = p.inferredType === 'None' ? 'Unknown type' : p.inferredType;
      const definition = `  ${p.name}: ${type} (default ${p.default})`;
      // Python measures in code points, not UTF-16 units.
      const width = [...definition].length;
      if (width > 30)
        lines.push(p.help.length > 0 ? `${definition}\n${' '.repeat(34)}${p.help}` : definition);
      else lines.push(`${definition}${' '.repeat(Math.max(0, 34 - width))}${p.help}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
