/** The committed nbformat validator is exactly what ajv generates from today's schema (no drift). */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parseNotebook } from '../../src/notebook/io';
import { GENERATED_VALIDATOR, renderValidatorSource } from '../../src/notebook/validator-source';
import { packageRoot } from '../../src/paths';

test('src/notebook/nbformat-validate.generated.ts matches the schema (regenerate: see validator-source.ts)', () => {
  const committed = readFileSync(path.join(packageRoot(), GENERATED_VALIDATOR), 'utf8');
  expect(committed === renderValidatorSource()).toBe(true);
});

test('the generated validator reports schema errors with their location, as ajv does', () => {
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', source: 1 }] };
  expect(() => parseNotebook(JSON.stringify(nb), 'bad.ipynb')).toThrow(
    /bad\.ipynb is not a valid nbformat 4 notebook:\n {2}- cells\[0\]/,
  );
});
