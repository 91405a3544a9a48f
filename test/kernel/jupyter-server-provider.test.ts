/**
 * The jupyter-server provider against a real Jupyter Server + ipykernel from .venv, used as an
 * already-running server through `{ url, token }` (one server for the whole file).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { isNbcError, NbcError } from '../../src/errors';
import { silenceJupyterConsoleDebug } from '../../src/kernel/jupyter-server/console';
import {
  createJupyterServerKernelProvider,
  type JupyterServerKernelProvider,
} from '../../src/kernel/jupyter-server/provider';
import { NODELAY_LOG_TEXT } from '../../src/kernel/jupyter-server/server-config';
import type { InputRequestContent, JupyterMessage } from '../../src/kernel/messages';
import type { KernelSession } from '../../src/kernel/provider';
import { startTestJupyterServer, type TestJupyterServer } from '../helpers/jupyter-server';
import { captureLogger, quietLogger, type CapturedLine } from '../helpers/logger';

const logger = quietLogger();
let server: TestJupyterServer;
let provider: JupyterServerKernelProvider;
let restoreConsole: () => void;

beforeAll(async () => {
  restoreConsole = silenceJupyterConsoleDebug(logger);
  server = await startTestJupyterServer();
  provider = createJupyterServerKernelProvider({ url: server.url, token: server.token, logger });
});

afterAll(async () => {
  await provider?.dispose();
  await server?.stop();
  restoreConsole?.();
});

function start(
  extra: { cwd?: string; env?: Record<string, string>; kernelName?: string } = {},
): Promise<KernelSession> {
  return provider.startKernel({ kernelName: 'python3', startTimeoutMs: 30_000, logger, ...extra });
}

interface Collected {
  messages: JupyterMessage[];
  inputRequests: JupyterMessage<InputRequestContent>[];
}

async function run(session: KernelSession, code: string, extra: { allow_stdin?: boolean } = {}) {
  const got: Collected = { messages: [], inputRequests: [] };
  const reply = await session.execute({ code, ...extra }, { onIOPub: (m) => got.messages.push(m) });
  return {
    reply,
    ...got,
    outputs: got.messages.filter((m) => !['status', 'execute_input'].includes(m.header.msg_type)),
  };
}

async function runningKernelIds(): Promise<string[]> {
  const res = await fetch(`${server.url}api/kernels`, {
    headers: { Authorization: `token ${server.token}` },
  });
  return ((await res.json()) as { id: string }[]).map((k) => k.id);
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

/** Resolve when `pred` holds for a message passed to the returned handler. */
function waitForMessage(pred: (m: JupyterMessage) => boolean) {
  let resolve!: () => void;
  const seen = new Promise<void>((r) => (resolve = r));
  return { seen, onIOPub: (m: JupyterMessage) => (pred(m) ? resolve() : undefined) };
}

describe('jupyter-server provider on an already-running server', () => {
  let kernel: KernelSession;

  beforeAll(async () => {
    kernel = await start();
  });

  afterAll(() => kernel?.shutdown());

  test('lists the server kernelspecs', async () => {
    const specs = await provider.listKernelSpecs();
    const py = specs.find((s) => s.name === 'python3');
    expect(py).toMatchObject({ language: 'python', source: server.url });
    expect(py?.displayName).toMatch(/Python 3/);
  });

  test('a started kernel reports its language_info and is alive', () => {
    expect(kernel.alive).toBe(true);
    expect(kernel.kernelName).toBe('python3');
    expect(kernel.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(kernel.info.language_info.name).toBe('python');
    expect(kernel.info.implementation).toBe('ipython');
  });

  test('stream, execute_result and display_data reach the handler, with the reply', async () => {
    const { reply, outputs, messages } = await run(
      kernel,
      'import sys\nfrom IPython.display import display, HTML\nprint("out")\nprint("err", file=sys.stderr)\ndisplay(HTML("<b>hi</b>"))\n40 + 2',
    );
    expect(reply.content.status).toBe('ok');
    expect(reply.channel).toBe('shell');
    expect(reply.content.execution_count).toEqual(expect.any(Number));
    expect(outputs.map((m) => m.header.msg_type)).toEqual([
      'stream',
      'stream',
      'display_data',
      'execute_result',
    ]);
    expect(outputs[0]?.content).toMatchObject({ name: 'stdout', text: 'out\n' });
    expect(outputs[1]?.content).toMatchObject({ name: 'stderr', text: 'err\n' });
    expect(outputs[2]?.content).toMatchObject({ data: { 'text/html': '<b>hi</b>' } });
    expect(outputs[3]?.content).toMatchObject({ data: { 'text/plain': '42' } });
    // status busy first, idle last, all on iopub
    expect(messages[0]?.content).toEqual({ execution_state: 'busy' });
    expect(messages.at(-1)?.content).toEqual({ execution_state: 'idle' });
    expect(new Set(messages.map((m) => m.channel))).toEqual(new Set(['iopub']));
  });

  test('an exception gives an error output and an error reply (which resolves)', async () => {
    const { reply, outputs } = await run(kernel, 'print("before")\n1/0');
    expect(reply.content).toMatchObject({ status: 'error', ename: 'ZeroDivisionError' });
    expect(outputs.map((m) => m.header.msg_type)).toEqual(['stream', 'error']);
    expect(outputs[1]?.content).toMatchObject({ ename: 'ZeroDivisionError', evalue: 'division by zero' });
  });

  test('each request gets only its own iopub messages, including display updates from later cells', async () => {
    await run(kernel, 'from IPython.display import display\nh = display("first", display_id=True)');
    // Two requests queued at once: the kernel runs them in order; each must see only its own output.
    const a = run(kernel, 'print("A")');
    const b = run(kernel, 'print("B")\nh.update("second")');
    const [ra, rb] = await Promise.all([a, b]);
    const parent = (r: typeof ra) => new Set(r.messages.map((m) => m.parent_header.msg_id));
    expect(parent(ra).size).toBe(1);
    expect(parent(rb).size).toBe(1);
    expect(parent(ra)).not.toEqual(parent(rb));
    expect(ra.outputs.map((m) => m.content)).toEqual([{ name: 'stdout', text: 'A\n' }]);
    expect(rb.outputs.map((m) => m.header.msg_type)).toEqual(['stream', 'update_display_data']);
    expect(rb.outputs[1]?.content).toMatchObject({ data: { 'text/plain': "'second'" } });
  });

  test('interrupt stops a running cell with KeyboardInterrupt and the kernel stays usable', async () => {
    const started = waitForMessage((m) => m.header.msg_type === 'stream');
    const running = kernel.execute(
      { code: 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)' },
      started,
    );
    await started.seen;
    await kernel.interrupt();
    const reply = await running;
    expect(reply.content).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    expect((await run(kernel, '1 + 1')).reply.content.status).toBe('ok');
  });

  test('input() with allow_stdin reaches onInputRequest (and an interrupt gets the kernel out of it)', async () => {
    const requests: JupyterMessage<InputRequestContent>[] = [];
    let asked!: () => void;
    const askedP = new Promise<void>((r) => (asked = r));
    const running = kernel.execute(
      { code: 'name = input("your name? ")', allow_stdin: true },
      {
        onInputRequest: (m) => {
          requests.push(m);
          asked();
        },
      },
    );
    await askedP;
    expect(requests).toHaveLength(1);
    expect(requests[0]?.channel).toBe('stdin');
    expect(requests[0]?.content).toMatchObject({ prompt: 'your name? ', password: false });
    await kernel.interrupt();
    const reply = await running;
    expect(reply.content).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
  });

  test('an aborted execute rejects with E_ABORTED', async () => {
    const controller = new AbortController();
    // Wait until the cell itself runs: an interrupt that lands before user code may be lost.
    const started = waitForMessage((m) => m.header.msg_type === 'stream');
    const running = kernel.execute(
      { code: 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)' },
      started,
      controller.signal,
    );
    await started.seen;
    controller.abort();
    expect((await rejection(running)).code).toBe('E_ABORTED');
    await kernel.interrupt(); // the caller's business: free the kernel again
    // A request sent while the interrupted cell unwinds may be aborted (stop_on_error); the next one runs.
    expect(['ok', 'aborted']).toContain((await run(kernel, '"settling"')).reply.content.status);
    expect((await run(kernel, '"still here"')).reply.content.status).toBe('ok');
  });

  test('a handler that throws fails that execute with its error', async () => {
    const err = await kernel
      .execute(
        { code: 'print("x")' },
        {
          onIOPub: (m) => {
            if (m.header.msg_type === 'stream') throw new Error('handler bug');
          },
        },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('handler bug');
    expect((await run(kernel, '"fine"')).reply.content.status).toBe('ok');
  });

  test('the server applies TCP_NODELAY to kernel websockets (config loaded, option read back)', () => {
    expect(server.stderrTail()).toContain(`${NODELAY_LOG_TEXT}1`);
  });
});

describe('kernel start options and failures', () => {
  test('cwd (relative to the server root) and env reach the kernel', async () => {
    await mkdir(path.join(server.rootDir, 'sub', 'dir'), { recursive: true });
    const k = await start({ cwd: 'sub/dir', env: { NBC_TEST_VALUE: 'héllo "quoted"' } });
    try {
      const { outputs } = await run(k, 'import os\nprint(os.getcwd())\nprint(os.environ["NBC_TEST_VALUE"])');
      const text = outputs.map((m) => (m.content as { text?: string }).text).join('');
      expect(text).toBe(`${path.join(server.rootDir, 'sub', 'dir')}\nhéllo "quoted"\n`);
    } finally {
      await k.shutdown();
    }
  });

  test('an unknown kernel name is E_KERNEL_NOT_FOUND and lists the available names', async () => {
    const err = await rejection(start({ kernelName: 'no-such-kernel' }));
    expect(err.code).toBe('E_KERNEL_NOT_FOUND');
    expect(err.message).toContain('"no-such-kernel"');
    expect(err.message).toContain('python3');
    expect(err.details.available).toContain('python3');
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

  test('a start that runs out of time is E_KERNEL_START and leaves no kernel on the server', async () => {
    const { logger: captured, lines } = captureLogger('debug');
    const p = createJupyterServerKernelProvider({ url: server.url, token: server.token, logger: captured });
    try {
      const err = await rejection(p.startKernel({ kernelName: 'python3', startTimeoutMs: 1, logger }));
      expect(err.code).toBe('E_KERNEL_START');
      expect(err.message).toMatch(/within 1 ms/);
      // The server finishes creating the kernel after we gave up; the provider deletes it then.
      let orphan: CapturedLine | undefined;
      while (!(orphan = lines.find((l) => String(l.msg).includes('start was abandoned')))) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(orphan.status).toBe(204);
      expect(await runningKernelIds()).not.toContain(orphan.kernelId);
    } finally {
      await p.dispose();
    }
  });

  test('disposing the provider while a kernel starts: the start rejects and no kernel is left', async () => {
    const before = await runningKernelIds();
    const p = createJupyterServerKernelProvider({ url: server.url, token: server.token, logger });
    const starting = rejection(p.startKernel({ kernelName: 'python3', startTimeoutMs: 30_000, logger }));
    await p.dispose();
    const err = await starting;
    expect(err.code).toBe('E_ABORTED');
    expect((await runningKernelIds()).sort()).toEqual([...before].sort());
  });

  test('an already aborted start rejects with E_ABORTED and starts nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await rejection(
      provider.startKernel({
        kernelName: 'python3',
        startTimeoutMs: 10_000,
        logger,
        signal: controller.signal,
      }),
    );
    expect(err.code).toBe('E_ABORTED');
  });
});

describe('kernel death and shutdown', () => {
  test('os._exit(1) rejects the running execute with E_KERNEL_DIED and resolves died', async () => {
    const k = await start();
    const running = k.execute({ code: 'import os\nos._exit(1)' });
    const err = await rejection(running);
    expect(err.code).toBe('E_KERNEL_DIED');
    expect(err.message).toContain(k.id);
    const death = await k.died;
    expect(death.reason).toMatch(/died/);
    expect(k.alive).toBe(false);
    // Later requests fail at once; shutdown is still safe (twice, too).
    expect((await rejection(k.execute({ code: '1' }))).code).toBe('E_KERNEL_DIED');
    await k.interrupt();
    await k.shutdown();
    await k.shutdown();
  });

  test('shutdown removes the kernel from the server, is idempotent, and does not resolve died', async () => {
    const k = await start();
    let diedResolved = false;
    void k.died.then(() => (diedResolved = true));
    await Promise.all([k.shutdown(), k.shutdown()]);
    expect(k.alive).toBe(false);
    const res = await fetch(`${server.url}api/kernels`, {
      headers: { Authorization: `token ${server.token}` },
    });
    const running = (await res.json()) as { id: string }[];
    expect(running.map((r) => r.id)).not.toContain(k.id);
    const err = await rejection(k.execute({ code: '1' }));
    expect(isNbcError(err, 'E_KERNEL_DIED')).toBe(true);
    expect(err.message).toContain('shut down');
    await new Promise((r) => setImmediate(r));
    expect(diedResolved).toBe(false);
  });

  test('shutdown during a running execute rejects it with E_ABORTED', async () => {
    const k = await start();
    const started = waitForMessage((m) => m.header.msg_type === 'execute_input');
    const running = k.execute({ code: 'import time\ntime.sleep(60)' }, started);
    await started.seen;
    const failed = rejection(running);
    await k.shutdown();
    expect((await failed).code).toBe('E_ABORTED');
  });
});
