/** Config → kernel provider (and the Python environment it needs). Shared by run, worker and up. */
import type { Config } from '../config';
import type { Logger } from '../log';
import { ensureProjectPython } from '../python/project';
import { venvPaths } from '../python/venv';
import type { KernelProvider } from './provider';

export interface KernelProviderChoice {
  /** Root directory of a Jupyter Server we spawn (kernel working directories must lie inside it). */
  serverRootDir?: string;
}

export async function createKernelProviderFromConfig(
  config: Config,
  logger: Logger,
  choice: KernelProviderChoice = {},
): Promise<KernelProvider> {
  const { jupyterUrl, jupyterToken, provider } = config.kernel;
  if (jupyterUrl !== null || provider === 'jupyter-server') {
    const js = require('./jupyter-server') as typeof import('./jupyter-server');
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
  const { createLocalKernelProvider } = require('./local/provider') as typeof import('./local/provider');
  return createLocalKernelProvider({
    jupyterPath: config.kernel.jupyterPath,
    userDataDir: config.kernel.jupyterDataDir,
    envPrefixes: [venv],
    baseEnv: config.kernelEnv,
    transport: config.kernel.transport,
    logger,
  });
}
