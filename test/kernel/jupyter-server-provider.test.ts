/**
 * What only the jupyter-server provider does, against a real Jupyter Server + ipykernel from .venv used
 * as an already-running server through `{ url, token }`: server-relative cwd, tokens, unreachable
 * servers, TCP_NODELAY. The behaviour both providers share is in provider-contract.test.ts.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { NbcError } from '../../src/errors';
import {
  createJupyterServerKernelProvider,
  type JupyterServerKernelProvider,
} from '../../src/kernel/jupyter-server/provider';
import { NODELAY_LOG_TEXT } from '../../src/kernel/jupyter-server/server-config';
import type { KernelSession } from '../../src/kernel/provider';
import { startTestJupyterServer, type TestJupyterServer } from '../helpers/jupyter-server';
import { IOPubLog } from '../helpers/iopub-log';
import { quietLogger } from '../helpers/logger';

const logger = quietLogger();
let server: TestJupyterServer;
let provider: JupyterServerKernelProvider;

beforeAll(async () => {
  server = await startTestJupyterServer();
  provider = createJupyterServerKernelProvider({ url: server.url, token: server.token, logger });
});

afterAll(async () => {
  await provider?.dispose();
  await server?.stop();
});

function start(
  extra: { cwd?: string; env?: Record<string, string>; kernelName?: string } = {},
): Promise<KernelSession> {
  return provider.startKernel({ kernelName: 'python3', startTimeoutMs: 30_000, logger, ...extra });
}

async function rejection(p: Promise<unknown>): Promise<NbcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof NbcError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('the server', () => {
  test('the server applies TCP_NODELAY to kernel websockets (config loaded, option read back)', async () => {
    const k = await start();
    try {
      expect((await k.execute({ code: '1' })).content.status).toBe('ok');
      expect(server.stderrTail()).toContain(`${NODELAY_LOG_TEXT}1`);
    } finally {
      await k.shutdown();
    }
  });
});

describe('kernel start options and failures', () => {
  test('cwd (relative to the server root) and env reach the kernel', async () => {
    await mkdir(path.join(server.rootDir, 'sub', 'dir'), { recursive: true });
    const k = await start({ cwd: 'sub/dir', env: { NBC_TEST_VALUE: 'héllo "quoted"' } });
    try {
      const log = new IOPubLog();
      await k.execute({ code: 'import os\nprint(os.getcwd())\nprint(os.environ["NBC_TEST_VALUE"])' }, log);
      expect(log.stdout()).toBe(`${path.join(server.rootDir, 'sub', 'dir')}\nhéllo "quoted"\n`);
    } finally {
      await k.shutdown();
    }
  });

  test('a wrong token is a clear E_CONFIG error for listing and for starting', async () => {
    const bad = createJupyterServerKernelProvider({ url: server.url, token: 'wrong-token', logger });
    try {
      const listErr = await rejection(bad.listKernelSpecs());
      expect(listErr.code).toBe('E_CONFIG');
      expect(listErr.message).toMatch(/rejected the token \(HTTP 403/);
      expect(listErr.message).not.toContain(server.token);
      const startErr = await rejection(
        bad.startKernel({ kernelName: 'python3', startTimeoutMs: 10_000, logger }),
      );
      expect(startErr.code).toBe('E_CONFIG');
      expect(startErr.message).toContain('rejected the token');
    } finally {
      await bad.dispose();
    }
  });

  test('a token in a pasted server URL is used', async () => {
    const pasted = createJupyterServerKernelProvider({
      url: `${server.url}lab?token=${server.token}`,
      logger,
    });
    try {
      expect((await pasted.listKernelSpecs()).map((s) => s.name)).toContain('python3');
    } finally {
      await pasted.dispose();
    }
  });

  test('a server that is not there is E_KERNEL_START naming the URL', async () => {
    const gone = createJupyterServerKernelProvider({ url: 'http://127.0.0.1:9/', token: 'x', logger });
    const err = await rejection(gone.startKernel({ kernelName: 'python3', startTimeoutMs: 10_000, logger }));
    expect(err.code).toBe('E_KERNEL_START');
    expect(err.message).toContain('cannot reach the Jupyter Server at http://127.0.0.1:9/');
    await gone.dispose();
  });
});
