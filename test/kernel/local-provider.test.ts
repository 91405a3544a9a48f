/**
 * The local provider against a real ipykernel from .venv: one kernel shared by the tests that leave it
 * alive (each waits until its own request is finished, so the next starts on an idle kernel).
 */
import { existsSync } from 'node:fs';

import { isNbcError } from '../../src/errors';
import type { LocalKernelProvider } from '../../src/kernel/local/provider';
import type { LocalKernelSession } from '../../src/kernel/local/session';
import type { InputRequestContent, JupyterMessage } from '../../src/kernel/messages';
import { quietLogger } from '../helpers/logger';
import { IOPubLog, localProvider, removeTempDirs } from './local-support';

const logger = quietLogger();
let provider: LocalKernelProvider;
let kernel: LocalKernelSession;

beforeAll(async () => {
  provider = localProvider();
  kernel = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: 60_000, logger });
});

afterAll(async () => {
  await provider.dispose();
  await removeTempDirs();
});

describe('local provider: a shared python3 kernel', () => {
  test('start-up yields the kernel_info reply and a live session with a private connection file', () => {
    expect(kernel.alive).toBe(true);
    expect(kernel.kernelName).toBe('python3');
    expect(kernel.info.implementation).toBe('ipython');
    expect(kernel.info.language_info.name).toBe('python');
    expect(kernel.info.protocol_version).toMatch(/^5\./);
    expect(existsSync(kernel.connectionFile)).toBe(true);
  });

  test('lists the venv kernelspec', async () => {
    const specs = await provider.listKernelSpecs();
    expect(specs.map((s) => s.name)).toContain('python3');
    expect(specs.find((s) => s.name === 'python3')?.language).toBe('python');
  });

  test('stdout, stderr, display_data and execute_result arrive in order, between busy and idle', async () => {
    const log = new IOPubLog();
    const code = [
      'import sys',
      'from IPython.display import display, HTML',
      'print("to stdout", flush=True)',
      'display(HTML("<b>bold</b>"))',
      'print("to stderr", file=sys.stderr, flush=True)',
      '6 * 7',
    ].join('\n');
    const reply = await kernel.execute({ code }, log);
    expect(reply.content.status).toBe('ok');
    expect(reply.channel).toBe('shell');
    expect(reply.header.msg_type).toBe('execute_reply');
    expect(log.types()).toEqual([
      'status',
      'execute_input',
      'stream',
      'display_data',
      'stream',
      'execute_result',
      'status',
    ]);
    const [busy, input, out, display, err, result, idle] = log.messages as [
      JupyterMessage,
      JupyterMessage,
      JupyterMessage,
      JupyterMessage,
      JupyterMessage,
      JupyterMessage,
      JupyterMessage,
    ];
    expect(busy.content.execution_state).toBe('busy');
    expect(input.content.code).toBe(code);
    expect(out.content).toEqual({ name: 'stdout', text: 'to stdout\n' });
    expect(display.content.data).toMatchObject({ 'text/html': '<b>bold</b>' });
    expect(err.content).toEqual({ name: 'stderr', text: 'to stderr\n' });
    expect(result.content.data).toEqual({ 'text/plain': '42' });
    expect(result.content.execution_count).toBe(reply.content.execution_count);
    expect(idle.content.execution_state).toBe('idle');
    // Every message belongs to this request.
    for (const m of log.messages) expect(m.parent_header.msg_id).toBe(reply.parent_header.msg_id);
  });

  test('an exception resolves with status error, and the error is on iopub too', async () => {
    const log = new IOPubLog();
    const reply = await kernel.execute({ code: 'raise ValueError("bad value 42")' }, log);
    expect(reply.content.status).toBe('error');
    expect(reply.content.ename).toBe('ValueError');
    expect(reply.content.evalue).toBe('bad value 42');
    const error = log.messages.find((m) => m.header.msg_type === 'error');
    expect(error?.content).toMatchObject({ ename: 'ValueError', evalue: 'bad value 42' });
    expect((error?.content.traceback as string[]).join('\n')).toContain('ValueError');
  });

  test('state persists between executions and execution counts increase', async () => {
    const a = await kernel.execute({ code: 'counter = 41' });
    const log = new IOPubLog();
    const b = await kernel.execute({ code: 'counter += 1\nprint(counter)' }, log);
    expect(log.stdout()).toBe('42\n');
    expect(b.content.execution_count).toBe((a.content.execution_count ?? 0) + 1);
  });

  test('concurrent executes on one session each get only their own messages', async () => {
    const logs = [new IOPubLog(), new IOPubLog(), new IOPubLog()];
    const replies = await Promise.all(
      logs.map((log, i) =>
        kernel.execute({ code: `import time; time.sleep(0.05); print("request ${i}")` }, log),
      ),
    );
    replies.forEach((reply, i) => {
      const log = logs[i] as IOPubLog;
      expect(reply.content.status).toBe('ok');
      expect(log.stdout()).toBe(`request ${i}\n`);
      expect(log.types()[0]).toBe('status');
      expect(log.types().at(-1)).toBe('status');
      for (const m of log.messages) expect(m.parent_header.msg_id).toBe(reply.parent_header.msg_id);
    });
    expect(new Set(replies.map((r) => r.parent_header.msg_id)).size).toBe(3);
  });

  test('buffered output flushed after the reply is delivered before execute resolves', async () => {
    // ipykernel batches stream writes and may publish the last batch after execute_reply.
    const log = new IOPubLog();
    await kernel.execute({ code: 'import sys\nfor i in range(2000): sys.stdout.write(f"line {i}\\n")' }, log);
    const text = log.stdout();
    expect(text.split('\n').filter(Boolean)).toHaveLength(2000);
    expect(text.endsWith('line 1999\n')).toBe(true);
  });

  test('interrupt stops time.sleep(30) with KeyboardInterrupt', async () => {
    const log = new IOPubLog();
    const running = kernel.execute(
      { code: 'import time\nprint("sleeping", flush=True)\ntime.sleep(30)' },
      log,
    );
    await log.until((m) => m.header.msg_type === 'stream');
    await kernel.interrupt();
    const reply = await running;
    expect(reply.content.status).toBe('error');
    expect(reply.content.ename).toBe('KeyboardInterrupt');
    expect(kernel.alive).toBe(true);
  });

  test('input() with allow_stdin asks onInputRequest; an interrupt then ends the cell', async () => {
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
    const reply = await running;
    expect(reply.content.status).toBe('error');
    expect(reply.content.ename).toBe('KeyboardInterrupt');
  });

  test('input() without allow_stdin fails in the kernel instead of hanging', async () => {
    const onInputRequest = jest.fn();
    const reply = await kernel.execute({ code: 'input("x? ")' }, { onInputRequest });
    expect(reply.content.status).toBe('error');
    expect(reply.content.ename).toBe('StdinNotImplementedError');
    expect(onInputRequest).not.toHaveBeenCalled();
  });

  test('aborting a long execute rejects with E_ABORTED and leaves the session usable', async () => {
    const log = new IOPubLog();
    const controller = new AbortController();
    // stop_on_error false: otherwise ipykernel aborts requests queued behind the interrupted cell.
    const running = kernel.execute(
      { code: 'import time\nprint("go", flush=True)\ntime.sleep(30)', stop_on_error: false },
      log,
      controller.signal,
    );
    await log.until((m) => m.header.msg_type === 'stream');
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: 'E_ABORTED' });
    // The kernel is still sleeping: the caller interrupts it, and the next cell runs.
    await kernel.interrupt();
    const next = new IOPubLog();
    const reply = await kernel.execute({ code: 'print("after abort")' }, next);
    expect(reply.content.status).toBe('ok');
    expect(next.stdout()).toBe('after abort\n');
  });

  test('an already-aborted signal rejects without running anything', async () => {
    const controller = new AbortController();
    controller.abort();
    const err: unknown = await kernel
      .execute({ code: 'never_defined = 1' }, {}, controller.signal)
      .catch((e: unknown) => e);
    expect(isNbcError(err, 'E_ABORTED')).toBe(true);
    const log = new IOPubLog();
    await kernel.execute({ code: 'print("never_defined" in globals())' }, log);
    expect(log.stdout()).toBe('False\n');
  });

  test('a throwing iopub handler does not break the session', async () => {
    const reply = await kernel.execute(
      { code: 'print("x")' },
      {
        onIOPub: () => {
          throw new Error('handler bug');
        },
      },
    );
    expect(reply.content.status).toBe('ok');
  });
});
