/** The project's Python environment for tests (created by `npm test`'s pretest step if missing). */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { venvPaths } from '../../src/python/venv';
import { packageRoot } from '../../src/paths';

export function testVenv(): { prefix: string; binDir: string; python: string } {
  const env = venvPaths(path.join(packageRoot(), '.venv'));
  if (!existsSync(env.python)) {
    throw new Error(
      `no Python environment at ${env.prefix}: run \`npm test\` (or \`node bin/nbconductor.js setup\`) first`,
    );
  }
  return env;
}
