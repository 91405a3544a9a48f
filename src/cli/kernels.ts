/** Config → kernel provider (and the Python environment it needs). Shared by run, worker and up. */
import type { Config } from '../config';
import type { KernelProvider } from '../kernel/provider';
import type { Logger } from '../log';
import { isVenvFresh, venvPaths } from '../python/venv';
import { ensurePython } from './setup';

export interface KernelProviderChoice {
  /** Root directory of a Jupyter Server we spawn (kernel working directories must lie inside it). */
  serverRootDir?: string;
}

/** Creates .venv when it is missing or stale (unless autoSetup is off). Cheap when it is fresh. */
async function ensureProjectPython(config: Config, logger: Logger): Promise<string> {
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

export async function createKernelProviderFromConfig(
  config: Config,
  logger: Logger,
  choice: KernelProviderChoice = {},
): Promise<KernelProvider> {
  const { jupyterUrl, jupyterToken, provider } = config.kernel;
  if (jupyterUrl !== null || provider === 'jupyter-server') {
    const js = require('../kernel/jupyter-server') as typeof import('../kernel/jupyter-server');
    if (jupyterUrl !== null) {
      return js.createJupyterServerKernelProvider({
        url: jupyterUrl,
        token: jupyterToken ?? undefined,
        logger,
      });
    }
    const venv = await ensureProjectPython(config, logger);
    return js.createJupyterServerKernelProvider({
      spawn: {
        python: venvPaths(venv).python,
        rootDir: choice.serverRootDir ?? '/',
        baseEnv: config.kernelEnv,
      },
      logger,
    });
  }
  const venv = await ensureProjectPython(config, logger);
  const { createLocalKernelProvider } =
    require('../kernel/local/provider') as typeof import('../kernel/local/provider');
  return createLocalKernelProvider({
    jupyterPath: config.kernel.jupyterPath,
    userDataDir: config.kernel.jupyterDataDir,
    envPrefixes: [venv],
    baseEnv: config.kernelEnv,
    logger,
  });
}
