/**
 * No module of nbconductor imports itself back, even through type-only imports (issue 8: the engine's
 * executor and JsonPath compiler had such cycles; they are broken, and this keeps them so).
 */
import path from 'node:path';

import { importCycles } from '../helpers/import-graph';

const ROOT = path.resolve(__dirname, '../..');

it('src/ has no import cycles', () => {
  expect(importCycles(path.join(ROOT, 'src'))).toEqual([]);
});

it('the check finds a cycle, type-only imports included', () => {
  expect(importCycles(path.join(ROOT, 'test/fixtures/import-cycle'))).toEqual([
    ['a.ts', path.join('sub', 'b.ts')],
  ]);
});
