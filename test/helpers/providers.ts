/**
 * Both kernel providers, set up the same way for behaviour tests: `local` (kernels launched directly,
 * ZeroMQ) and `jupyter-server` (a real Jupyter Server started for the test file, stopped by it).
 */
import os from 'node:os';
import path from 'node:path';

import {
  createJupyterServerKernelProvider,
  silenceJupyterConsoleDebug,
} from '../../src/kernel/jupyter-server';
import { createLocalKernelProvider } from '../../src/kernel/local/provider';
import type { KernelProvider, KernelProviderKind } from '../../src/kernel/provider';
import type { Logger } from '../../src/log';
import { startTestJupyterServer, type TestJupyterServer } from './jupyter-server';
import { quietLogger } from './logger';
import { testVenv } from './python';

export const PROVIDER_KINDS: readonly KernelProviderKind[] = ['local', 'jupyter-server'];

export interface TestProvider {
  kind: KernelProviderKind;
  provider: KernelProvider;
  stop(): Promise<void>;
}

function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

export async function startTestProvider(
  kind: KernelProviderKind,
  logger: Logger = quietLogger(),
): Promise<TestProvider> {
  const venv = testVenv();
  if (kind === 'local') {
    const provider = createLocalKernelProvider({
      jupyterPath: [],
      userDataDir: path.join(os.tmpdir(), 'nbc-no-user-kernels'),
      envPrefixes: [venv.prefix],
      baseEnv: childEnv(),
      logger,
    });
    return { kind, provider, stop: () => provider.dispose() };
  }
  const undo = silenceJupyterConsoleDebug(logger);
  // root_dir "/" so that any kernel working directory (temp dirs in tests) is inside it.
  const server: TestJupyterServer = await startTestJupyterServer({ rootDir: '/', logger });
  const provider = createJupyterServerKernelProvider({ url: server.url, token: server.token, logger });
  return {
    kind,
    provider,
    stop: async () => {
      await provider.dispose();
      await server.stop();
      undo();
    },
  };
}
