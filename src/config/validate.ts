/**
 * Checks one configuration layer (environment, config file, flags) against the schema: every key's type
 * and range, errors naming the key and where it came from; unknown sections and keys are dropped with a
 * warning. The validator is compiled ahead of time (src/validator-sources.ts): every command compiles its
 * configuration before anything else, and compiling the schema with ajv cost ~50-150 ms of CPU each time.
 */
import type { ErrorObject } from 'ajv';

import { NbcError } from '../errors';
import { isPlainObject } from '../json';
import { precompiled } from '../precompiled-validator';
import { CONFIG_SCHEMA, CONFIG_VALIDATOR_OPTIONS } from './schema';
import * as generated from './validate.generated';

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

const validator = precompiled(generated, CONFIG_SCHEMA, CONFIG_VALIDATOR_OPTIONS);

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
  if (!isPlainObject(input))
    throw new NbcError('E_CONFIG', `${describe('')} must hold an object of sections`, {
      ...(source.kind === 'file' ? { uri: source.file } : {}),
    });
  const layer = structuredClone(input) as Record<string, Record<string, unknown>>;
  const warnings: string[] = [];
  const errors: string[] = [];
  const check = validator();
  if (!check(layer)) {
    for (const e of check.errors ?? []) {
      if (e.keyword === 'additionalProperty' || e.keyword === 'additionalProperties') {
        const extra = String((e.params as { additionalProperty: string }).additionalProperty);
        const key = keyOf(`${e.instancePath}/${extra}`);
        warnings.push(
          `unknown configuration ${e.instancePath ? 'key' : 'section'} "${key}" in ${describe(key)}; ignored`,
        );
        const parent = valueAt(layer, e.instancePath) as Record<string, unknown>;
        delete parent[extra];
        continue;
      }
      const key = keyOf(e.instancePath);
      const got = valueAt(layer, e.instancePath);
      const shown = typeof got === 'number' || got === undefined ? String(got) : JSON.stringify(got);
      errors.push(`${key} ${explain(e)}, got ${shown} (${describe(key)})`);
    }
  }
  if (errors.length > 0) {
    throw new NbcError('E_CONFIG', `invalid configuration: ${[...new Set(errors)].join('; ')}`, {
      field: keyOf(check.errors?.find((e) => !e.keyword.startsWith('additional'))?.instancePath ?? ''),
      ...(source.kind === 'file' ? { uri: source.file } : {}),
    });
  }
  return { layer, warnings, describe };
}
