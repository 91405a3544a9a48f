/** The committed validators are exactly what ajv generates from today's schemas (no drift). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { compileConfig } from '../../src/config';
import { parseNotebook } from '../../src/notebook/io';
import { packageRoot } from '../../src/paths';
import { precompiled, type GeneratedModule } from '../../src/precompiled-validator';
import { GENERATED_VALIDATORS, renderValidatorSource } from '../../src/validator-sources';

describe.each(GENERATED_VALIDATORS.map((v) => [v.file, v] as const))('%s', (file, v) => {
  test('matches its schema (regenerate: see src/validator-sources.ts)', () => {
    const committed = readFileSync(path.join(packageRoot(), file), 'utf8');
    expect(committed === renderValidatorSource(v)).toBe(true);
  });

  test('is the validator runs use (no ajv compilation)', () => {
    const generated = require(path.join(packageRoot(), file)) as GeneratedModule;
    expect(precompiled(generated, v.schema, v.options)()).toBe(generated.validate);
  });
});

test('a stale generated validator is not used: the schema is compiled instead (slower, never wrong)', () => {
  const schema = { type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: false };
  const stale: GeneratedModule = { validate: () => true, schemaText: JSON.stringify({ type: 'object' }) };
  const check = precompiled(stale, schema)();
  expect(check({ a: 1 })).toBe(true);
  expect(check({ a: 'x' })).toBe(false);
  expect(check({ b: 1 })).toBe(false);
});

test('the generated nbformat validator reports schema errors with their location, as ajv does', () => {
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: 1 }] };
  expect(() => parseNotebook(JSON.stringify(nb), 'bad.ipynb')).toThrow(
    /bad\.ipynb is not a valid nbformat 4 notebook:\n {2}- cells\[0\]/,
  );
});

test('the generated configuration validator names the key, the rule and where the value came from', () => {
  expect(() => compileConfig({ env: { NBCONDUCTOR_WORKER_CONCURRENCY: '-1' } })).toThrow(
    'invalid configuration: worker.concurrency must be >= 1, got -1 (environment variable NBCONDUCTOR_WORKER_CONCURRENCY)',
  );
});
