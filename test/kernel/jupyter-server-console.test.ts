/**
 * @jupyterlab/services prints through `console` (websocket start, kernel status, reconnects, REST errors).
 * Its lines must go to our logger, and nothing may patch `console` for the process: a `console.*` call
 * from elsewhere, made while kernels start, run, die and lose their server, reaches the real console.
 * A real Jupyter Server; its process is killed at the end to make the websocket reconnect.
 */
import { NbcError } from '../../src/errors';
import { createJupyterServerKernelProvider } from '../../src/kernel/jupyter-server/provider';
import { IOPubLog } from '../helpers/iopub-log';
import { captureLogger } from '../helpers/logger';
import { startTestJupyterServer, type TestJupyterServer } from '../helpers/jupyter-server';

type Method = 'debug' | 'log' | 'info' | 'warn' | 'error';
const METHODS: Method[] = ['debug', 'log', 'info', 'warn', 'error'];

let server: TestJupyterServer;
const originals = new Map<Method, (...args: unknown[]) => void>();
/** Everything that reached the console, per method. */
const printed: Record<Method, string[]> = { debug: [], log: [], info: [], warn: [], error: [] };
const stand = new Map<Method, (...args: unknown[]) => void>();

beforeAll(async () => {
  server = await startTestJupyterServer();
  for (const m of METHODS) {
    originals.set(m, console[m]);
    const fake = (...args: unknown[]): void => void printed[m].push(args.map(String).join(' '));
    stand.set(m, fake);
    console[m] = fake;
  }
});

afterAll(async () => {
  for (const [m, original] of originals) console[m] = original;
  await server?.stop();
});

test('library lines go to the logger; console calls from elsewhere, at any moment, reach the console', async () => {
  const { logger, lines } = captureLogger('debug');
  const provider = createJupyterServerKernelProvider({
    url: server.url,
    token: server.token,
    logger,
    liveness: { unreachableMs: 1500 },
  });
  // Elsewhere in the process: console calls on every turn of the event loop while the kernels live.
  let sent = 0;
  let sawSwappedConsole = false;
  const elsewhere = setInterval(() => {
    for (const m of METHODS) if (console[m] !== stand.get(m)) sawSwappedConsole = true;
    sent += 1;
    console.warn(`elsewhere warn ${sent}`);
    console.debug(`elsewhere debug ${sent}`);
  }, 1);
  try {
    // 1. A kernel starts (websocket opens), runs a cell and dies (status "dead").
    const k = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: 30_000, logger });
    const log = new IOPubLog();
    await k.execute({ code: 'print("hi")' }, log);
    expect(log.stdout()).toBe('hi\n');
    const err = await k.execute({ code: 'import os\nos._exit(1)' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as NbcError).code).toBe('E_KERNEL_DIED');
    await k.shutdown();
    // 2. A REST error with a server traceback (an unknown kernel name: jupyter_server answers 500).
    const notFound = await provider
      .startKernel({ kernelName: 'no-such-kernel', startTimeoutMs: 30_000, logger })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((notFound as NbcError).code).toBe('E_KERNEL_NOT_FOUND');
    // 3. The server goes away under a running kernel: the library reconnects (and says so), then gives up.
    const k2 = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: 30_000, logger });
    const running = k2.execute({ code: 'import time\ntime.sleep(60)' }).catch((e: unknown) => e);
    process.kill(server.pid, 'SIGKILL');
    expect(((await running) as NbcError).code).toBe('E_KERNEL_DIED');
    await k2.shutdown();
  } finally {
    clearInterval(elsewhere);
    await provider.dispose();
  }

  const library = /Starting WebSocket|Kernel: |Connection lost|Traceback|SyntaxError/;
  const fromLibrary = lines.filter((l) => String(l.source).startsWith('console.')).map((l) => String(l.msg));
  expect(
    fromLibrary.some((l) => l.startsWith(`Starting WebSocket: ${server.url.replace(/^http/, 'ws')}`)),
  ).toBe(true);
  expect(fromLibrary.some((l) => l.startsWith('Kernel: dead '))).toBe(true);
  expect(fromLibrary.some((l) => l.startsWith('Connection lost, reconnecting in'))).toBe(true);
  // Nothing of the library's reached the console, and every call from elsewhere did.
  for (const m of METHODS) expect(printed[m].filter((l) => library.test(l))).toEqual([]);
  expect(sent).toBeGreaterThan(10);
  expect(printed.warn.filter((l) => l.startsWith('elsewhere warn '))).toHaveLength(sent);
  expect(printed.debug.filter((l) => l.startsWith('elsewhere debug '))).toHaveLength(sent);
  expect(sawSwappedConsole).toBe(false);
});
