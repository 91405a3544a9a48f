/**
 * Kernel loss on a server that behaves like a stock/remote one: it auto-restarts dead kernels (JupyterHub,
 * Enterprise Gateway and lab servers do), another client may delete the kernel, and the server itself may
 * go away. Each is a death for a notebook run, reported promptly, with no library timers left behind.
 */
import { NbcError } from '../../src/errors';
import {
  createJupyterServerKernelProvider,
  type JupyterServerKernelProvider,
} from '../../src/kernel/jupyter-server/provider';
import type { KernelSession } from '../../src/kernel/provider';
import { startTestJupyterServer, type TestJupyterServer } from '../helpers/jupyter-server';
import { quietLogger } from '../helpers/logger';

const logger = quietLogger();
let server: TestJupyterServer;
let provider: JupyterServerKernelProvider;

beforeAll(async () => {
  server = await startTestJupyterServer({ autorestart: true });
  provider = createJupyterServerKernelProvider({
    url: server.url,
    token: server.token,
    logger,
    liveness: { unreachableMs: 1500 },
  });
});

afterAll(async () => {
  await provider?.dispose();
  await server?.stop();
});

function start(): Promise<KernelSession> {
  return provider.startKernel({ kernelName: 'python3', startTimeoutMs: 30_000, logger });
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

async function runningKernelIds(): Promise<string[]> {
  const res = await fetch(`${server.url}api/kernels`, {
    headers: { Authorization: `token ${server.token}` },
  });
  return ((await res.json()) as { id: string }[]).map((k) => k.id);
}

async function kernelPid(k: KernelSession): Promise<number> {
  let text = '';
  await k.execute(
    { code: 'import os; print(os.getpid())' },
    { onIOPub: (m) => m.header.msg_type === 'stream' && (text += (m.content as { text: string }).text) },
  );
  return Number(text.trim());
}

test('a kernel the server auto-restarts counts as dead: the execute rejects, died says why', async () => {
  const k = await start();
  const err = await rejection(k.execute({ code: 'import os\nos._exit(1)' }));
  expect(err.code).toBe('E_KERNEL_DIED');
  expect(err.message).toMatch(/restarted/);
  expect((await k.died).reason).toMatch(/restarted it; its state is lost/);
  expect(k.alive).toBe(false);
  // The server's replacement kernel is still registered; shutdown removes it.
  expect(await runningKernelIds()).toContain(k.id);
  await k.shutdown();
  expect(await runningKernelIds()).not.toContain(k.id);
});

test('a kernel deleted by another client while a cell runs is reported dead', async () => {
  const k = await start();
  const running = rejection(k.execute({ code: 'import time\ntime.sleep(60)' }));
  const res = await fetch(`${server.url}api/kernels/${k.id}`, {
    method: 'DELETE',
    headers: { Authorization: `token ${server.token}` },
  });
  expect(res.status).toBe(204);
  const err = await running;
  expect(err.code).toBe('E_KERNEL_DIED');
  expect(err.message).toContain('no longer exists on the server');
  expect((await k.died).reason).toContain('no longer exists on the server');
  expect((await rejection(k.execute({ code: '1' }))).code).toBe('E_KERNEL_DIED');
  await k.shutdown();
});

test('losing the server is reported after the reconnect grace period', async () => {
  const k = await start();
  const pid = await kernelPid(k);
  const running = rejection(k.execute({ code: 'import time\ntime.sleep(60)' }));
  process.kill(server.pid, 'SIGKILL');
  const err = await running;
  expect(err.code).toBe('E_KERNEL_DIED');
  expect(err.message).toContain(`lost the websocket to ${server.url}`);
  expect((await k.died).reason).toContain('lost the websocket');
  await k.shutdown(); // the server is gone: still resolves
  try {
    process.kill(pid, 'SIGKILL'); // the orphaned kernel would exit by itself (parent poller) a bit later
  } catch {
    // already gone
  }
});
