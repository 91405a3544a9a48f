/**
 * Notebook text ⇄ memory. Parsing validates (JSON, nbformat 4, structure), upgrades to nbformat 4.5
 * (cell ids) and joins multi-line fields; serialising writes what nbformat writes (sorted keys, indent 1,
 * multi-line fields split into lines, trailing newline). Errors name the source and the exact location.
 */
import type { ErrorObject } from 'ajv';

import { NbcError } from '../errors';
import { isPlainObject, parseJsonExact, type JsonObject, type JsonValue } from '../json';
import { isValidCellId, newCellId } from './cells';
import { precompiled } from '../precompiled-validator';
import * as generated from './nbformat-validate.generated';
import { NOTEBOOK_V4_SCHEMA } from './schema';
import { type Cell, type Notebook, type Output } from './types';

/** nbformat 4 schema validation, compiled ahead of time (see src/validator-sources.ts). */
const schemaValidator = precompiled(generated, NOTEBOOK_V4_SCHEMA);

function pointerToPath(pointer: string): string {
  if (pointer === '') return '(notebook)';
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function describeSchemaErrors(errors: ErrorObject[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'anyOf') continue;
    let msg = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      msg = `has unexpected property "${String((e.params as { additionalProperty?: unknown }).additionalProperty)}"`;
    } else if (e.keyword === 'enum' || e.keyword === 'const') {
      const allowed = (e.params as { allowedValues?: unknown[]; allowedValue?: unknown }).allowedValues ?? [
        (e.params as { allowedValue?: unknown }).allowedValue,
      ];
      msg = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const line = `${pointerToPath(e.instancePath)}: ${msg}`;
    if (!seen.has(line)) {
      seen.add(line);
      out.push(line);
    }
  }
  // A multi-line string that is neither string nor string[] yields only anyOf errors; report it plainly.
  if (out.length === 0 && errors[0])
    out.push(`${pointerToPath(errors[0].instancePath)}: must be a string or a list of strings`);
  return out;
}

function jsonErrorLocation(text: string, err: Error): string {
  const m = /position (\d+)/.exec(err.message);
  if (!m) return err.message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${err.message.replace(/\s*in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`;
}

function joinMultiline(v: unknown): string {
  return Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '';
}

export function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || (mime.startsWith('application/') && mime.endsWith('+json'));
}

/**
 * A cell's multi-line fields (source, stream text, text mime data) joined into single strings, in place, as
 * nbformat's reader does. Tolerates cells that are not valid nbformat (fields of the wrong type are left).
 */
export function joinCellLines(cell: JsonObject): void {
  if (cell.source !== undefined) cell.source = joinMultiline(cell.source);
  if (cell.cell_type !== 'code' || !Array.isArray(cell.outputs)) return;
  for (const o of cell.outputs) {
    if (!isPlainObject(o)) continue;
    if (o.output_type === 'stream' && o.text !== undefined) o.text = joinMultiline(o.text);
    if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && isPlainObject(o.data)) {
      for (const [mime, value] of Object.entries(o.data))
        if (!isJsonMime(mime)) o.data[mime] = joinMultiline(value);
    }
  }
}

/** Parse and validate notebook text; `source` names it in errors (a path or URI). */
export function parseNotebook(text: string | Buffer, source: string): Notebook {
  return validateNotebook(parseNotebookJson(text, source), source);
}

/** Step 1 of parsing: JSON only (cheap), so callers can act on metadata before full validation. */
export function parseNotebookJson(text: string | Buffer, source: string): JsonObject {
  let str = typeof text === 'string' ? text : text.toString('utf8');
  if (str.charCodeAt(0) === 0xfeff) str = str.slice(1);
  if (str.trim() === '')
    throw new NbcError('E_NOTEBOOK_INVALID', `${source} is empty, not a notebook`, { uri: source });
  let raw: unknown;
  try {
    raw = parseJsonExact(str); // ints beyond 2^53 stay exact, as Python reads them
  } catch (err) {
    throw new NbcError(
      'E_NOTEBOOK_INVALID',
      `${source} is not valid JSON: ${jsonErrorLocation(str, err as Error)}`,
      {
        uri: source,
      },
    );
  }
  if (!isPlainObject(raw)) {
    throw new NbcError(
      'E_NOTEBOOK_INVALID',
      `${source} is not a notebook: the top level must be a JSON object`,
      { uri: source },
    );
  }
  return raw as JsonObject;
}

/** The kernel a parsed (not yet validated) notebook asks for, if it names one. */
export function peekKernelName(raw: JsonObject): string | undefined {
  const spec = isPlainObject(raw.metadata) ? raw.metadata.kernelspec : undefined;
  const name = isPlainObject(spec) ? spec.name : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Step 2 of parsing: nbformat 4 structure, upgrade to 4.5 ids, multi-line fields joined. */
export function validateNotebook(raw: JsonObject, source: string): Notebook {
  const major = (raw as JsonObject).nbformat;
  if (major !== 4) {
    const hint =
      typeof major === 'number' && major < 4
        ? ' (convert it with `jupyter nbconvert --to notebook --nbformat 4`)'
        : '';
    throw new NbcError(
      'E_NOTEBOOK_INVALID',
      `${source}: nbformat ${JSON.stringify(major ?? null)} is not supported, only nbformat 4${hint}`,
      {
        uri: source,
        field: 'nbformat',
      },
    );
  }
  const validateSchema = schemaValidator();
  if (!validateSchema(raw)) {
    const problems = describeSchemaErrors(validateSchema.errors ?? []);
    const shown = problems
      .slice(0, 8)
      .map((p) => `  - ${p}`)
      .join('\n');
    const more = problems.length > 8 ? `\n  … and ${problems.length - 8} more` : '';
    throw new NbcError(
      'E_NOTEBOOK_INVALID',
      `${source} is not a valid nbformat 4 notebook:\n${shown}${more}`,
      {
        uri: source,
        field: problems[0]?.split(':')[0],
      },
    );
  }
  const nb = raw as unknown as Notebook;
  const usedIds = new Set<string>();
  for (const cell of nb.cells) {
    joinCellLines(cell as unknown as JsonObject);
    // nbformat 4.5 requires unique ids; pre-4.5 notebooks get them here (as nbformat.v4.upgrade does).
    if (!isValidCellId(cell.id) || usedIds.has(cell.id)) cell.id = newCellId(nb);
    usedIds.add(cell.id);
  }
  if (nb.nbformat_minor < 5) nb.nbformat_minor = 5;
  return nb;
}

// ---------------------------------------------------------------------------------------------------------
// Serialisation

function splitLines(s: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', start)) {
    lines.push(s.slice(start, i + 1));
    start = i + 1;
  }
  if (start < s.length) lines.push(s.slice(start));
  return lines;
}

/** JSON text of `v` as nbformat writes it (sorted keys, indent 1), lazily, in small pieces. */
function* valueParts(v: unknown, depth: number): Generator<string, void, undefined> {
  if (v === null || v === undefined) {
    yield 'null';
  } else if (typeof v === 'string') {
    yield JSON.stringify(v);
  } else if (typeof v === 'number') {
    yield Number.isFinite(v) ? String(v) : 'null';
  } else if (typeof v === 'boolean') {
    yield v ? 'true' : 'false';
  } else if (typeof v === 'bigint') {
    yield v.toString();
  } else if (Array.isArray(v)) {
    if (v.length === 0) return yield '[]';
    const pad = ' '.repeat(depth + 1);
    yield '[\n';
    for (let i = 0; i < v.length; i++) {
      yield pad;
      yield* valueParts(v[i], depth + 1);
      yield i < v.length - 1 ? ',\n' : '\n';
    }
    yield ' '.repeat(depth) + ']';
  } else if (typeof v === 'object') {
    const json = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return yield* valueParts(json.call(v), depth);
    const keys = Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    if (keys.length === 0) return yield '{}';
    const pad = ' '.repeat(depth + 1);
    yield '{\n';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as string;
      yield `${pad}${JSON.stringify(k)}: `;
      yield* valueParts((v as Record<string, unknown>)[k], depth + 1);
      yield i < keys.length - 1 ? ',\n' : '\n';
    }
    yield ' '.repeat(depth) + '}';
  } else {
    yield 'null';
  }
}

/** Mime types nbformat writes as lists of lines (text/* and these two); everything else stays a string. */
const SPLIT_NON_TEXT = new Set(['application/javascript', 'image/svg+xml']);

function splitsOnDisk(mime: string): boolean {
  return mime.startsWith('text/') || SPLIT_NON_TEXT.has(mime);
}

function outputForDisk(o: Output): JsonValue {
  if (o.output_type === 'stream') return { ...o, text: splitLines(o.text) };
  if (o.output_type === 'display_data' || o.output_type === 'execute_result') {
    const data: JsonObject = {};
    for (const [mime, value] of Object.entries(o.data)) {
      data[mime] = splitsOnDisk(mime) && typeof value === 'string' ? splitLines(value) : value;
    }
    return { ...o, data } as unknown as JsonValue;
  }
  return o as unknown as JsonValue;
}

function cellForDisk(cell: Cell): JsonValue {
  const c: Record<string, unknown> = { ...cell, source: splitLines(cell.source) };
  if (cell.cell_type === 'code') c.outputs = cell.outputs.map(outputForDisk);
  return c as JsonValue;
}

const CELL_DEPTH = 2; // cells sit inside {"cells": [ … ]}

/** Cells whose text is larger than this are not cached: caching would double their memory. */
const FREEZE_LIMIT_CHARS = 1 << 20;

function cellParts(cell: Cell): Generator<string, void, undefined> {
  return valueParts(cellForDisk(cell), CELL_DEPTH);
}

/**
 * Serialises notebooks, reusing the text of cells marked final. During a run only the current cell and
 * metadata change, so autosaving a notebook with large earlier outputs stays cheap.
 */
export class NotebookSerializer {
  private readonly frozen = new WeakMap<Cell, string>();

  /**
   * Promise that `cell` will not change again; its text is computed now and reused by later saves.
   * Very large cells are not cached (re-serialising them is cheaper than holding a second copy).
   */
  freeze(cell: Cell): void {
    const parts: string[] = [];
    let size = 0;
    for (const p of cellParts(cell)) {
      size += p.length;
      if (size > FREEZE_LIMIT_CHARS) return;
      parts.push(p);
    }
    this.frozen.set(cell, parts.join(''));
  }

  /** Forget a frozen cell (it is about to change after all). */
  thaw(cell: Cell): void {
    this.frozen.delete(cell);
  }

  /**
   * The notebook's text as a lazy sequence of small chunks, in order: writing them as they come never
   * holds a second full copy of a large notebook. Each iteration reads the notebook's current state.
   */
  parts(nb: Notebook): Iterable<string> {
    return { [Symbol.iterator]: () => this.generate(nb) };
  }

  private *generate(nb: Notebook): Generator<string, void, undefined> {
    yield '{\n "cells": ';
    if (nb.cells.length === 0) yield '[]';
    else {
      yield '[\n';
      for (let i = 0; i < nb.cells.length; i++) {
        const cell = nb.cells[i] as Cell;
        yield '  ';
        const frozen = this.frozen.get(cell);
        if (frozen !== undefined) yield frozen;
        else yield* cellParts(cell);
        yield i < nb.cells.length - 1 ? ',\n' : '\n';
      }
      yield ' ]';
    }
    yield ',\n "metadata": ';
    yield* valueParts(nb.metadata, 1);
    yield `,\n "nbformat": ${nb.nbformat},\n "nbformat_minor": ${nb.nbformat_minor}\n}\n`;
  }

  serialize(nb: Notebook): string {
    return [...this.parts(nb)].join('');
  }
}

export function serializeNotebook(nb: Notebook): string {
  return new NotebookSerializer().serialize(nb);
}
