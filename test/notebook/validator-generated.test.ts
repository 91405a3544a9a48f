/** The committed validators are exactly what ajv generates from today's schemas (no drift). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { compileConfig } from '../../src/config';
import { parseNotebook } from '../../src/notebook/io';
import { packageRoot } from '../../src/paths';
import { GENERATED_VALIDATORS, renderValidatorSource } from '../../src/validator-sources';

test.each(GENERATED_VALIDATORS.map((v) => [v.file, v] as const))(
  '%s matches its schema (regenerate: see src/validator-sources.ts)',
  (file, v) => {
    const committed = readFileSync(path.join(packageRoot(), file), 'utf8');
    expect(committed === renderValidatorSource(v)).toBe(true);
  },
);

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
