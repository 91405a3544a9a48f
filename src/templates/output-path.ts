/**
 * The CLI's OUTPUT template: `nbconductor run in.ipynb 'out/{{ region_code }}-{{ run_id }}.ipynb'`.
 */
import { NbcError } from '../errors';
import { toTemplateData } from './data';
import { normalizeNow } from './dates';
import { defaultEngine, isTemplateString, templateError, type TemplateEngine } from './engine';
import { TemplateFault } from './fault';

/** Facts about a CLI run that output-path templates can use. */
export interface RunFacts {
  /** Short id of this run. */
  run_id: string;
  /** UUID of this run. */
  run_uuid: string;
  /** The INPUT argument as given. */
  input_path: string;
  /** The input notebook's file name without directory and `.ipynb`. */
  input_name: string;
  /** The run's start instant; templates see an ISO 8601 UTC string. */
  now: Date | number | string;
}

export interface OutputPathInputs {
  /** The run's parameters (as injected); each is a top-level name. */
  parameters: Record<string, unknown>;
  run: RunFacts;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Render the CLI's OUTPUT argument. Names available: every parameter; `run_id`, `run_uuid`,
 * `input_path`, `input_name`, `now`; and `run` (an object with the same facts, e.g. `run.run_id`).
 * A parameter with the same name as a run fact wins (as a user's `pm` does in papermill); the facts
 * stay reachable through `run`. A string without `{{` or `{%` is returned unchanged. The result must
 * not be empty or contain control characters.
 */
export function renderOutputPath(
  template: string,
  inputs: OutputPathInputs,
  label = 'output',
  engine: TemplateEngine = defaultEngine(),
): string {
  if (template.trim() === '')
    throw new NbcError('E_TEMPLATE', `${label}: the output path is empty`, { field: label });
  if (!isTemplateString(template)) return template;
  let context: Record<string, unknown>;
  try {
    const { run } = inputs;
    const facts = {
      run_id: run.run_id,
      run_uuid: run.run_uuid,
      input_path: run.input_path,
      input_name: run.input_name,
      now: normalizeNow(run.now),
    };
    const parameters = toTemplateData(inputs.parameters, 'parameters') as Record<string, unknown>;
    context = { ...facts, run: facts, ...parameters };
  } catch (err) {
    throw templateError(err, label, template);
  }
  const path = engine.renderString(template, context, label);
  const problem =
    path.trim() === ''
      ? 'the output path rendered to an empty string'
      : hasControlCharacter(path)
        ? `the output path ${JSON.stringify(path)} contains a control character`
        : undefined;
  if (problem !== undefined) throw templateError(new TemplateFault('type', problem), label, template);
  return path;
}
