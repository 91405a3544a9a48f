/**
 * The kernel-provider contract (src/kernel/provider.ts), clause by clause, on BOTH providers: `local`
 * (ipykernel launched directly, ZeroMQ) and `jupyter-server` (a real Jupyter Server). Provider-specific
 * behaviour (heartbeats, port races, tokens, server restarts) stays in local-lifecycle.test.ts and the
 * jupyter-server-*.test.ts files.
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { EXIT_INTERRUPTED, EXIT_KERNEL_DIED, exitCodeFor, NbcError } from '../../src/errors';
import { executeNotebook, failureError, type ExecutionFailure } from '../../src/execute/executor';
import type { InputRequestContent, JupyterMessage } from '../../src/kernel/messages';
import type { KernelSession } from '../../src/kernel/provider';
import type { Notebook } from '../../src/notebook/types';
import { IOPubLog } from '../helpers/iopub-log';
import { quietLogger } from '../helpers/logger';
import { PROVIDER_KINDS, startTestProvider, type TestProvider } from '../helpers/providers';

const logger = quietLogger();
const START = 60_000;

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err: unknown = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error(`rejected with a non-error: ${String(err)}`);
  return err;
}

function code(err: Error): string | undefined {
  return err instanceof NbcError ? err.code : undefined;
}

function twoCellNotebook(): Notebook {
  const cell = (source: string) => ({
    cell_type: 'code' as const,
    id: `c${source.length}`,
    source,
    metadata: {},
    outputs: [],
    execution_count: null,
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: [cell('x = 1'), cell('print(x + 1)')],
  };
}

describe.each(PROVIDER_KINDS)('kernel provider contract: %s', (kind) => {
  let tp: TestProvider;
  let kernel: KernelSession;

  const start = (
    extra: { kernelName?: string; cwd?: string; env?: Record<string, string>; onLaunched?: () => void } = {},
  ) => tp.provider.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger, ...extra });
  const startEvents: string[] = [];

  beforeAll(async () => {
    tp = await startTestProvider(kind, logger);
    kernel = await start({ onLaunched: () => startEvents.push('launched') });
    startEvents.push('ready');
  });

  afterAll(async () => {
    await tp?.stop();
  });

  describe('a shared kernel (each test leaves it idle and alive)', () => {
    test('start-up yields a live session with the kernel_info reply; the kernelspecs are listed', async () => {
      expect(kernel.alive).toBe(true);
      expect(kernel.kernelName).toBe('python3');
      expect(kernel.id).toEqual(expect.any(String));
      expect(kernel.info.implementation).toBe('ipython');
      expect(kernel.info.language_info.name).toBe('python');
      expect(kernel.info.protocol_version).toMatch(/^5\./);
      const specs = await tp.provider.listKernelSpecs();
      expect(specs.find((s) => s.name === 'python3')).toMatchObject({ language: 'python' });
    });

    test('onLaunched is called once, before the start resolves', () => {
      expect(startEvents).toEqual(['launched', 'ready']);
    });

    test('stdout, display_data, stderr and execute_result arrive in order, between busy and idle', async () => {
      const log = new IOPubLog();
      const source = [
        'import sys',
        'from IPython.display import display, HTML',
        'print("to stdout", flush=True)',
        'display(HTML("<b>bold</b>"))',
        'print("to stderr", file=sys.stderr, flush=True)',
        '6 * 7',
      ].join('\n');
      const reply = await kernel.execute({ code: source }, log);
      expect(reply.channel).toBe('shell');
      expect(reply.header.msg_type).toBe('execute_reply');
      expect(reply.content.status).toBe('ok');
      expect(log.types()).toEqual([
        'status',
        'execute_input',
        'stream',
        'display_data',
        'stream',
        'execute_result',
        'status',
      ]);
      const content = log.messages.map((m) => m.content);
      expect(content[0]).toEqual({ execution_state: 'busy' });
      expect(content[1]?.code).toBe(source);
      expect(content[2]).toEqual({ name: 'stdout', text: 'to stdout\n' });
      expect(content[3]?.data).toMatchObject({ 'text/html': '<b>bold</b>' });
      expect(content[4]).toEqual({ name: 'stderr', text: 'to stderr\n' });
      expect(content[5]?.data).toEqual({ 'text/plain': '42' });
      expect(content[5]?.execution_count).toBe(reply.content.execution_count);
      expect(content[6]).toEqual({ execution_state: 'idle' });
      for (const m of log.messages) {
        expect(m.channel).toBe('iopub');
        expect(m.parent_header.msg_id).toBe(reply.parent_header.msg_id);
      }
    });

    test('an exception resolves with status error, and the error is on iopub too', async () => {
      const log = new IOPubLog();
      const reply = await kernel.execute({ code: 'print("before")\nraise ValueError("bad value 42")' }, log);
      expect(reply.content).toMatchObject({ status: 'error', ename: 'ValueError', evalue: 'bad value 42' });
      const outputs = log.messages.filter((m) => !['status', 'execute_input'].includes(m.header.msg_type));
      expect(outputs.map((m) => m.header.msg_type)).toEqual(['stream', 'error']);
      expect((outputs[1]?.content.traceback as string[]).join('\n')).toContain('ValueError');
    });

    test('state persists between executions and execution counts increase', async () => {
      const a = await kernel.execute({ code: 'counter = 41' });
      const log = new IOPubLog();
      const b = await kernel.execute({ code: 'counter += 1\nprint(counter)' }, log);
      expect(log.stdout()).toBe('42\n');
      expect(b.content.execution_count).toBe((a.content.execution_count ?? 0) + 1);
    });

    test('concurrent requests each get only their own messages, display updates from later cells included', async () => {
      await kernel.execute({
        code: 'from IPython.display import display\nh = display("first", display_id=True)',
      });
      const logs = [new IOPubLog(), new IOPubLog(), new IOPubLog()];
      const replies = await Promise.all([
        kernel.execute({ code: 'import time; time.sleep(0.05); print("request 0")' }, logs[0]),
        kernel.execute({ code: 'print("request 1")\nh.update("second")' }, logs[1]),
        kernel.execute({ code: 'print("request 2")' }, logs[2]),
      ]);
      replies.forEach((reply, i) => {
        const log = logs[i] as IOPubLog;
        expect(reply.content.status).toBe('ok');
        expect(log.stdout()).toBe(`request ${i}\n`);
        for (const m of log.messages) expect(m.parent_header.msg_id).toBe(reply.parent_header.msg_id);
      });
      const update = logs[1]?.messages.find((m) => m.header.msg_type === 'update_display_data');
      expect(update?.content.data).toMatchObject({ 'text/plain': "'second'" });
      expect(new Set(replies.map((r) => r.parent_header.msg_id)).size).toBe(3);
    });

    test('output flushed after the reply is delivered before execute resolves', async () => {
      // ipykernel batches stream writes and may publish the last batch after execute_reply.
      const log = new IOPubLog();
      await kernel.execute(
        { code: 'import sys\nfor i in range(2000): sys.stdout.write(f"line {i}\\n")' },
        log,
      );
      const lines = log.stdout().split('\n').filter(Boolean);
      expect(lines).toHaveLength(2000);
      expect(lines.at(-1)).toBe('line 1999');
    });

    test('interrupt ends a running cell with KeyboardInterrupt; the kernel stays usable', async () => {
      const log = new IOPubLog();
      const running = kernel.execute(
        { code: 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)' },
        log,
      );
      await log.until((m) => m.header.msg_type === 'stream');
      await kernel.interrupt();
      expect((await running).content).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
      expect(kernel.alive).toBe(true);
      expect((await kernel.execute({ code: '1 + 1' })).content.status).toBe('ok');
    });

    test('input() with allow_stdin reaches onInputRequest, and an interrupt gets the kernel out of it', async () => {
      const requests: JupyterMessage<InputRequestContent>[] = [];
      let asked: () => void = () => undefined;
      const inputAsked = new Promise<void>((resolve) => (asked = resolve));
      const running = kernel.execute(
        { code: 'name = input("your name? ")', allow_stdin: true },
        {
          onInputRequest: (msg) => {
            requests.push(msg);
            asked();
          },
        },
      );
      await inputAsked;
      expect(requests).toHaveLength(1);
      expect(requests[0]?.channel).toBe('stdin');
      expect(requests[0]?.content).toEqual({ prompt: 'your name? ', password: false });
      await kernel.interrupt();
      expect((await running).content).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    });

    test('input() without allow_stdin fails in the kernel instead of hanging', async () => {
      const onInputRequest = jest.fn();
      const reply = await kernel.execute({ code: 'input("x? ")' }, { onInputRequest });
      expect(reply.content).toMatchObject({ status: 'error', ename: 'StdinNotImplementedError' });
      expect(onInputRequest).not.toHaveBeenCalled();
    });

    test("execute's signal rejects it with E_ABORTED; the code keeps running until the caller interrupts", async () => {
      const log = new IOPubLog();
      const controller = new AbortController();
      // stop_on_error false: otherwise ipykernel aborts requests queued behind the interrupted cell.
      const running = kernel.execute(
        { code: 'import time\nprint("go", flush=True)\ntime.sleep(60)', stop_on_error: false },
        log,
        controller.signal,
      );
      await log.until((m) => m.header.msg_type === 'stream');
      controller.abort(new Error('stop it'));
      const err = await rejection(running);
      expect(code(err)).toBe('E_ABORTED');
      expect(err.message).toBe('execution was aborted: stop it');
      expect(kernel.alive).toBe(true);
      await kernel.interrupt();
      const next = new IOPubLog();
      expect((await kernel.execute({ code: 'print("after abort")' }, next)).content.status).toBe('ok');
      expect(next.stdout()).toBe('after abort\n');
    });

    test('an already-aborted signal rejects with E_ABORTED without running anything', async () => {
      const controller = new AbortController();
      controller.abort();
      const err = await rejection(kernel.execute({ code: 'never_defined = 1' }, {}, controller.signal));
      expect(code(err)).toBe('E_ABORTED');
      const log = new IOPubLog();
      await kernel.execute({ code: 'print("never_defined" in globals())' }, log);
      expect(log.stdout()).toBe('False\n');
    });

    test("a throwing handler fails that request with the handler's error; the session stays usable", async () => {
      const bug = new Error('handler bug');
      const err = await rejection(
        kernel.execute(
          { code: 'print("x")' },
          {
            onIOPub: (m) => {
              if (m.header.msg_type === 'stream') throw bug;
            },
          },
        ),
      );
      expect(err).toBe(bug);
      expect((await kernel.execute({ code: '"fine"' })).content.status).toBe('ok');
    });

    test('the start options cwd and env reach the kernel', async () => {
      const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'nbc-contract-cwd-')));
      try {
        const k = await start({ cwd: dir, env: { NBC_CONTRACT: 'héllo "quoted"' } });
        const log = new IOPubLog();
        await k.execute({ code: 'import os\nprint(os.getcwd())\nprint(os.environ["NBC_CONTRACT"])' }, log);
        expect(log.stdout()).toBe(`${dir}\nhéllo "quoted"\n`);
        await k.shutdown();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('failing starts', () => {
    test('an unknown kernel name is E_KERNEL_NOT_FOUND and names the available kernels', async () => {
      const err = await rejection(start({ kernelName: 'no-such-kernel' }));
      expect(code(err)).toBe('E_KERNEL_NOT_FOUND');
      expect(exitCodeFor(err)).toBe(2);
      expect(err.message).toContain('no-such-kernel');
      expect(err.message).toContain('python3');
    });

    test('a start that runs out of time is E_KERNEL_START, worded the same by both, leaving nothing', async () => {
      const before = await tp.kernelCount();
      const err = await rejection(
        tp.provider.startKernel({ kernelName: 'python3', startTimeoutMs: 1, logger }),
      );
      expect(code(err)).toBe('E_KERNEL_START');
      expect(err.message).toMatch(/^kernel "python3" did not become ready within 1 ms \(/);
      expect(await tp.kernelCount()).toBe(before);
    });

    test('an already-aborted start is E_ABORTED and starts nothing', async () => {
      const before = await tp.kernelCount();
      const controller = new AbortController();
      controller.abort();
      const err = await rejection(
        tp.provider.startKernel({
          kernelName: 'python3',
          startTimeoutMs: START,
          logger,
          signal: controller.signal,
        }),
      );
      expect(code(err)).toBe('E_ABORTED');
      expect(await tp.kernelCount()).toBe(before);
    });

    test('dispose() shuts down its kernels, and a start under way rejects E_ABORTED leaving nothing', async () => {
      const before = await tp.kernelCount();
      const other = tp.fresh();
      const a = await other.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger });
      const starting = rejection(other.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger }));
      await other.dispose();
      expect(a.alive).toBe(false);
      expect(code(await starting)).toBe('E_ABORTED');
      expect(await tp.kernelCount()).toBe(before);
      expect(
        code(await rejection(other.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger }))),
      ).toBe('E_ABORTED');
    });
  });

  describe('death and shutdown', () => {
    test('a kernel that dies: E_KERNEL_DIED (exit 138) for pending and later requests, died says why', async () => {
      const k = await start();
      const err = await rejection(k.execute({ code: 'import os\nos._exit(1)' }));
      expect(code(err)).toBe('E_KERNEL_DIED');
      expect(exitCodeFor(err)).toBe(EXIT_KERNEL_DIED);
      expect(err.message).toMatch(/^kernel "python3" \(.+\) died: /);
      const death = await k.died;
      expect(death.reason).toEqual(expect.any(String));
      expect(k.alive).toBe(false);
      expect(code(await rejection(k.execute({ code: '1' })))).toBe('E_KERNEL_DIED');
      await expect(k.interrupt()).resolves.toBeUndefined();
      await expect(k.shutdown()).resolves.toBeUndefined();
      await expect(k.shutdown()).resolves.toBeUndefined();
    });

    test('after shutdown a request is aborted (exit 130), never a dead kernel (138); died stays pending', async () => {
      const k = await start();
      let diedResolved = false;
      void k.died.then(() => (diedResolved = true));
      const closing = Promise.all([k.shutdown(), k.shutdown()]);
      expect(k.alive).toBe(false);
      await closing;
      await k.shutdown();
      const err = await rejection(k.execute({ code: '1' }));
      expect(code(err)).toBe('E_ABORTED');
      expect(exitCodeFor(err)).toBe(EXIT_INTERRUPTED);
      expect(err.message).toMatch(/^kernel "python3" \(.+\) has been shut down$/);
      await expect(k.interrupt()).resolves.toBeUndefined();
      await new Promise((r) => setImmediate(r));
      expect(diedResolved).toBe(false);
    });

    test('shutdown during a running cell rejects it with E_ABORTED and the kernel is gone', async () => {
      const before = await tp.kernelCount();
      const k = await start();
      const log = new IOPubLog();
      const running = rejection(k.execute({ code: 'import time\ntime.sleep(60)' }, log));
      await log.until((m) => m.header.msg_type === 'execute_input');
      await k.shutdown();
      expect(code(await running)).toBe('E_ABORTED');
      expect(await tp.kernelCount()).toBe(before);
    });

    test('a notebook whose kernel is shut down between cells ends aborted (exit 130), not as a dead kernel, its record kept', async () => {
      const k = await start();
      const nb = twoCellNotebook();
      const result = await executeNotebook({
        notebook: nb,
        session: k,
        cellTimeoutMs: null,
        totalTimeoutMs: null,
        logger,
        events: { cellEnd: (index) => void (index === 0 ? k.shutdown() : undefined) },
      });
      const failure = result.failure as ExecutionFailure;
      expect(result.status).toBe('failed');
      expect(failure).toMatchObject({ code: 'E_ABORTED', ename: 'ExecutionAborted' });
      expect(failure.evalue).toMatch(/^kernel "python3" \(.+\) has been shut down$/);
      expect(exitCodeFor(failureError(failure, 'nb'))).toBe(EXIT_INTERRUPTED);
      // the record says where it stopped, as papermill would: banner, anchor, the failed cell
      expect((nb.metadata.papermill as Record<string, unknown>).exception).toBe(true);
      const cell = nb.cells[failure.cellIndex as number];
      expect(cell?.metadata.papermill).toMatchObject({ status: 'failed' });
      expect(cell?.cell_type === 'code' ? cell.outputs.at(-1) : undefined).toMatchObject({
        output_type: 'error',
        ename: 'ExecutionAborted',
      });
    });
  });
});
