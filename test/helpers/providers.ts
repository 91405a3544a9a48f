/**
 * Both kernel providers, set up the same way for behaviour tests: `local` (kernels launched directly,
 * ZeroMQ) and `jupyter-server` (a real Jupyter Server started for the test file, stopped by it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createJupyterServerKernelProvider } from '../../src/kernel/jupyter-server';
import { createLocalKernelProvider } from '../../src/kernel/local/provider';
import type { KernelProvider, KernelProviderKind, KernelSession } from '../../src/kernel/provider';
import type { Logger } from '../../src/log';
import { startTestJupyterServer, type TestJupyterServer } from './jupyter-server';
import { quietLogger } from './logger';
import { testVenv } from './python';

export const PROVIDER_KINDS: readonly KernelProviderKind[] = ['local', 'jupyter-server'];

export interface TestProvider {
  kind: KernelProviderKind;
  provider: KernelProvider;
  /** Another provider of the same kind (same server for jupyter-server); the caller disposes it. */
  fresh(): KernelProvider;
  /** Kernels running now: our ipykernel child processes (local), the server's kernel list (jupyter-server). */
  kernelCount(): Promise<number>;
  /**
   * Shut `session`'s kernel down from another process, behind the session's back: SIGTERM to the kernel
   * process (local; ipykernel defers a shutdown_request until the running cell ends, so a busy kernel
   * is stopped this way); DELETE /api/kernels/{id}, as another Jupyter client would (jupyter-server).
   */
  shutDownElsewhere(session: KernelSession): Promise<void>;
  stop(): Promise<void>;
}

/** ipykernel processes whose parent is this process (local kernels). */
function localKernelCount(): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== process.pid) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ipykernel')) n += 1;
    } catch {
      // the process went away meanwhile
    }
  }
  return n;
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
    const fresh = (): KernelProvider =>
      createLocalKernelProvider({
        jupyterPath: [],
        userDataDir: path.join(os.tmpdir(), 'nbc-no-user-kernels'),
        envPrefixes: [venv.prefix],
        baseEnv: childEnv(),
        logger,
      });
    const provider = fresh();
    return {
      kind,
      provider,
      fresh,
      kernelCount: () => Promise.resolve(localKernelCount()),
      shutDownElsewhere: (session) => {
        const pid = (session as KernelSession & { pid?: number }).pid;
        if (pid === undefined) throw new Error('not a local kernel session');
        process.kill(pid, 'SIGTERM');
        return Promise.resolve();
      },
      stop: () => provider.dispose(),
    };
  }
  // root_dir "/" so that any kernel working directory (temp dirs in tests) is inside it.
  const server: TestJupyterServer = await startTestJupyterServer({ rootDir: '/', logger });
  const fresh = (): KernelProvider =>
    createJupyterServerKernelProvider({ url: server.url, token: server.token, logger });
  const provider = fresh();
  return {
    kind,
    provider,
    fresh,
    kernelCount: async () => {
      const res = await fetch(`${server.url}api/kernels`, {
        headers: { Authorization: `token ${server.token}` },
      });
      return ((await res.json()) as unknown[]).length;
    },
    shutDownElsewhere: async (session) => {
      const res = await fetch(`${server.url}api/kernels/${session.id}`, {
        method: 'DELETE',
        headers: { Authorization: `token ${server.token}` },
      });
      if (res.status !== 204) throw new Error(`DELETE kernel ${session.id}: HTTP ${res.status}`);
    },
    stop: async () => {
      await provider.dispose();
      await server.stop();
    },
  };
}
