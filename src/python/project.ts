/** The project's Python environment (.venv from requirements.txt), as the configuration describes it. */
import type { Config } from '../config';
import type { Logger } from '../log';
import { ensureVenv, isVenvFresh, type PythonEnv } from './venv';

/** Creates or refreshes .venv (`nbconductor setup`). */
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

/** Creates .venv when it is missing or stale (unless autoSetup is off). Cheap when it is fresh. */
export async function ensureProjectPython(config: Config, logger: Logger): Promise<string> {
  const options = {
    venvDir: config.python.venvDir,
    requirementsFile: config.python.requirementsFile,
    basePython: config.python.basePython,
    env: config.childEnv,
    logger,
  };
  if (!config.python.autoSetup || (await isVenvFresh(options))) return config.python.venvDir;
  await ensurePython(config, logger);
  return config.python.venvDir;
}
