/**
 * iopub messages → cell outputs, as nbclient collects them, plus stream coalescing: consecutive stream
 * messages of the same name merge into one output, and `\r` / backspace are applied the way a terminal
 * (and nbconvert's coalesce_streams) would, so progress bars don't leave thousands of lines behind.
 */
import { isPlainObject, type JsonObject } from '../json';
import type { JupyterMessage } from '../kernel/messages';
import {
  type CodeCell,
  type DisplayDataOutput,
  type ExecuteResultOutput,
  type MimeBundle,
  type Output,
  type StreamOutput,
} from '../notebook/types';

type DisplayOutput = DisplayDataOutput | ExecuteResultOutput;

/** display_id → outputs showing it, across cells (update_display_data may target an earlier cell). */
export class DisplayRegistry {
  private readonly byId = new Map<string, Set<DisplayOutput>>();

  register(id: string, output: DisplayOutput): void {
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add(output);
  }

  update(id: string, data: MimeBundle, metadata: JsonObject): DisplayOutput[] {
    const targets = [...(this.byId.get(id) ?? [])];
    for (const o of targets) {
      o.data = data;
      o.metadata = metadata;
    }
    return targets;
  }

  forget(outputs: readonly Output[]): void {
    const gone = new Set<Output>(outputs);
    for (const set of this.byId.values()) for (const o of set) if (gone.has(o)) set.delete(o);
  }
}

const CR_PATTERN = /[^\n]*\r(?=[^\n])/g;
// eslint-disable-next-line no-control-regex -- backspace is exactly what we look for
const BACKSPACE_PATTERN = /[^\n]\x08/;

/** Apply carriage returns and backspaces within lines (what a terminal shows). */
export function applyControlChars(text: string): string {
  let out = text.includes('\r') ? text.replace(CR_PATTERN, '') : text;
  // eslint-disable-next-line no-control-regex -- see above
  while (BACKSPACE_PATTERN.test(out)) out = out.replace(/[^\n]\x08/g, '');
  return out;
}

/** Streams whose text ends with a carriage return (so the next chunk may overwrite the last line). */
const endsWithCR = new WeakSet<StreamOutput>();

function appendStream(target: StreamOutput, chunk: string): void {
  // Never inspect target.text itself here: it is a growing concatenation, and reading it (endsWith,
  // indexOf) would flatten it on every message — quadratic time and memory for chatty cells.
  const pendingCR = endsWithCR.has(target);
  if (chunk.endsWith('\r')) endsWithCR.add(target);
  else if (chunk.length > 0) endsWithCR.delete(target);
  if (!pendingCR && !chunk.includes('\r') && !chunk.includes('\x08')) {
    target.text += chunk;
    return;
  }
  // Only the last line of existing text can be affected by \r/\b in the new chunk; re-process just that.
  const lineStart = target.text.lastIndexOf('\n') + 1;
  target.text = target.text.slice(0, lineStart) + applyControlChars(target.text.slice(lineStart) + chunk);
}

// Kernel messages are parsed JSON: a plain object in them holds JSON values only.
function toMimeBundle(v: unknown): MimeBundle {
  return isPlainObject(v) ? (v as JsonObject) : {};
}

function toMetadata(v: unknown): JsonObject {
  return isPlainObject(v) ? (v as JsonObject) : {};
}

function displayIdOf(content: JsonObject): string | undefined {
  const transient = content.transient;
  if (isPlainObject(transient)) {
    const id = transient.display_id;
    if (typeof id === 'string' && id) return id;
  }
  return undefined;
}

export type OutputChange =
  | { kind: 'append'; output: Output }
  | { kind: 'stream'; output: StreamOutput; text: string }
  | { kind: 'update'; outputs: Output[] }
  | { kind: 'clear' };

/** Collects one cell's outputs. `handle` returns what changed (for autosave, progress and log streaming). */
export class CellOutputCollector {
  private clearBeforeNext = false;

  constructor(
    private readonly cell: CodeCell,
    private readonly displays: DisplayRegistry,
  ) {}

  private clearNow(): void {
    this.displays.forget(this.cell.outputs);
    this.cell.outputs = [];
  }

  private beforeOutput(): void {
    if (this.clearBeforeNext) {
      this.clearNow();
      this.clearBeforeNext = false;
    }
  }

  handle(msg: JupyterMessage): OutputChange | null {
    const content = msg.content;
    switch (msg.header.msg_type) {
      case 'stream': {
        this.beforeOutput();
        const name = content.name === 'stderr' ? 'stderr' : 'stdout';
        const text = typeof content.text === 'string' ? content.text : '';
        const last = this.cell.outputs[this.cell.outputs.length - 1];
        if (last && last.output_type === 'stream' && last.name === name) {
          appendStream(last, text);
          return { kind: 'stream', output: last, text };
        }
        const output: StreamOutput = { output_type: 'stream', name, text: '' };
        appendStream(output, text);
        this.cell.outputs.push(output);
        return { kind: 'stream', output, text };
      }
      case 'display_data':
      case 'execute_result': {
        this.beforeOutput();
        const output: DisplayOutput =
          msg.header.msg_type === 'execute_result'
            ? {
                output_type: 'execute_result',
                execution_count: typeof content.execution_count === 'number' ? content.execution_count : null,
                data: toMimeBundle(content.data),
                metadata: toMetadata(content.metadata),
              }
            : {
                output_type: 'display_data',
                data: toMimeBundle(content.data),
                metadata: toMetadata(content.metadata),
              };
        const id = displayIdOf(content);
        if (id) this.displays.register(id, output);
        this.cell.outputs.push(output);
        return { kind: 'append', output };
      }
      case 'update_display_data': {
        const id = displayIdOf(content);
        if (!id) return null;
        const outputs = this.displays.update(id, toMimeBundle(content.data), toMetadata(content.metadata));
        return outputs.length ? { kind: 'update', outputs } : null;
      }
      case 'error': {
        this.beforeOutput();
        const output: Output = {
          output_type: 'error',
          ename: String(content.ename ?? ''),
          evalue: String(content.evalue ?? ''),
          traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
        };
        this.cell.outputs.push(output);
        return { kind: 'append', output };
      }
      case 'clear_output': {
        if (content.wait === true) {
          this.clearBeforeNext = true;
          return null;
        }
        this.clearNow();
        this.clearBeforeNext = false;
        return { kind: 'clear' };
      }
      default:
        return null;
    }
  }
}
