/** `nbconductor setup`: create or refresh the project's Python environment. */
import type { Config } from '../config';
import type { Logger } from '../log';
import { ensureVenv, type PythonEnv } from '../python/venv';

export function ensurePython(config: Config, logger: Logger, signal?: AbortSignal): Promise<PythonEnv> {
  return ensureVenv({
    venvDir: config.python.venvDir,
    requirementsFile: config.python.requirementsFile,
    basePython: config.python.basePython,
    env: config.childEnv,
    logger,
    signal,
  });
}
