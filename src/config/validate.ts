/**
 * Checks one configuration layer (environment, config file, flags) against the schema: every key's type
 * and range, errors naming the key and where it came from; unknown sections and keys are dropped with a
 * warning. Each section's schema is compiled by ajv the first time a layer sets something in it: every
 * command compiles its configuration before it does anything else, and compiling all sections (with
 * ajv's meta-schema check of our own static schema) cost ~50-150 ms of CPU on every `nbconductor run`.
 */
import type { default as Ajv, ErrorObject, ValidateFunction } from 'ajv';

import { NbcError } from '../errors';
import { SECTIONS } from './schema';

export type LayerSource =
  | { kind: 'env'; names: Readonly<Record<string, string>> }
  | { kind: 'file'; file: string }
  | { kind: 'flags'; names: Readonly<Record<string, string>> };

export interface CheckedLayer {
  /** The layer without unknown keys. */
  layer: Record<string, Record<string, unknown>>;
  warnings: string[];
  /** Where a key of this layer came from, for messages and `nbconductor config`. */
  describe(key: string): string;
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function sectionValidator(name: string, schema: object): ValidateFunction {
  let validator = validators.get(name);
  if (!validator) {
    // The schema is ours and static (tests cover it): no meta-schema validation, no code optimisation pass.
    ajv ??= new (require('ajv') as typeof import('ajv')).default({
      allErrors: true,
      strict: false,
      verbose: true,
      validateSchema: false,
      code: { optimize: false },
    });
    validator = ajv.compile(schema);
    validators.set(name, validator);
  }
  return validator;
}

/** The layer's errors, instance paths from the layer's root (`/section/key`); unknown sections are not errors. */
function sectionErrors(layer: Record<string, unknown>): ErrorObject[] {
  const errors: ErrorObject[] = [];
  for (const [name, schema] of Object.entries(SECTIONS)) {
    if (!Object.hasOwn(layer, name)) continue;
    const value = layer[name];
    // No section has required keys: an empty one is valid without compiling its schema.
    if (isPlainObject(value) && Object.keys(value).length === 0) continue;
    const check = sectionValidator(name, schema);
    if (!check(value))
      for (const e of check.errors ?? []) errors.push({ ...e, instancePath: `/${name}${e.instancePath}` });
  }
  return errors;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describeSource(source: LayerSource, key: string): string {
  switch (source.kind) {
    case 'env':
      return `environment variable ${source.names[key] ?? '?'}`;
    case 'file':
      return `config file ${source.file}`;
    case 'flags':
      return source.names[key] ? `flag ${source.names[key]}` : 'command-line flags';
  }
}

/** `/worker/concurrency` → `worker.concurrency` (array items keep their index: `security.allowedHosts[0]`). */
function keyOf(pointer: string): string {
  const [section = '', key = '', ...rest] = pointer.split('/').slice(1);
  return `${section}${key ? `.${key}` : ''}${rest.map((i) => `[${i}]`).join('')}`;
}

function valueAt(layer: unknown, pointer: string): unknown {
  let v = layer;
  for (const part of pointer.split('/').slice(1)) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

function explain(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const why = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `must be ${String(p.type).split(',').join(' or ')}`;
    case 'pattern':
      if (p.pattern === '^https?://') return 'must be an http(s) URL';
      return why ? `must be ${why}` : (e.message ?? 'is invalid');
    case 'minLength':
      return 'must not be empty';
    default:
      return `${e.message ?? 'is invalid'}${why ? ` (${why})` : ''}`;
  }
}

export function checkLayer(input: unknown, source: LayerSource): CheckedLayer {
  const describe = (key: string): string => describeSource(source, key.replace(/\[\d+\]$/, ''));
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new NbcError('E_CONFIG', `${describe('')} must hold an object of sections`, {
      ...(source.kind === 'file' ? { uri: source.file } : {}),
    });
  const layer = structuredClone(input) as Record<string, Record<string, unknown>>;
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const name of Object.keys(layer)) {
    if (Object.hasOwn(SECTIONS, name)) continue;
    warnings.push(`unknown configuration section "${name}" in ${describe(name)}; ignored`);
    delete layer[name];
  }
  const failed = sectionErrors(layer);
  for (const e of failed) {
    if (e.keyword === 'additionalProperties') {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const key = keyOf(`${e.instancePath}/${extra}`);
      warnings.push(`unknown configuration key "${key}" in ${describe(key)}; ignored`);
      const parent = valueAt(layer, e.instancePath) as Record<string, unknown>;
      delete parent[extra];
      continue;
    }
    const key = keyOf(e.instancePath);
    const got = valueAt(layer, e.instancePath);
    const shown = typeof got === 'number' || got === undefined ? String(got) : JSON.stringify(got);
    errors.push(`${key} ${explain(e)}, got ${shown} (${describe(key)})`);
  }
  if (errors.length > 0) {
    throw new NbcError('E_CONFIG', `invalid configuration: ${[...new Set(errors)].join('; ')}`, {
      field: keyOf(failed.find((e) => e.keyword !== 'additionalProperties')?.instancePath ?? ''),
      ...(source.kind === 'file' ? { uri: source.file } : {}),
    });
  }
  return { layer, warnings, describe };
}
