/**
 * Python (kernels `python`, `pysparkkernel`): papermill's rendering byte for byte, except that the cell
 * is never run through black (papermill formats it only when black happens to be installed, so its output
 * depends on the environment; single-line forms are what its tests pin).
 */
import type { ParamValue } from '../values';
import { BaseTranslator, escapeCodePoints, keyPath, itemPath, pythonUnicodeEscape } from './common';

/** Python's `unicode_escape` then `"` → `\"`, in double quotes: pure printable ASCII, cannot break out. */
export function pythonString(s: string): string {
  return `"${escapeCodePoints(s, (cp, ch) => (cp === 0x22 ? '\\"' : pythonUnicodeEscape(cp, ch)))}"`;
}

export class PythonTranslator extends BaseTranslator {
  readonly id = 'python' as const;
  readonly language = 'Python';
  // Deviation: papermill accepts any name; a name that is not an identifier would inject code.
  protected readonly identifier = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

  protected none(): string {
    return 'None';
  }

  protected override bool(b: boolean): string {
    return b ? 'True' : 'False';
  }

  protected override readonly nonFinite = {
    nan: "float('nan')",
    inf: "float('inf')",
    negInf: "float('-inf')",
  };

  protected str(s: string): string {
    return pythonString(s);
  }

  protected list(items: ParamValue[], at: string): string {
    return `[${items.map((v, i) => this.renderValue(v, itemPath(at, i))).join(', ')}]`;
  }

  protected dict(entries: Array<[string, ParamValue]>, at: string): string {
    return `{${entries.map(([k, v]) => `${pythonString(k)}: ${this.renderValue(v, keyPath(at, k))}`).join(', ')}}`;
  }

  protected commentLine(text: string): string {
    return `# ${text}`;
  }
}
