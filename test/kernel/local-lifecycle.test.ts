/**
 * Local kernels being born and dying: concurrent starts, death, heartbeat loss, shutdown, start failures,
 * aborted starts, port-race retries, and the kernel following us when we are SIGKILLed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { NbcError } from '../../src/errors';
import type { KernelDeath } from '../../src/kernel/provider';
import { captureLogger, quietLogger } from '../helpers/logger';
import { testVenv } from '../helpers/python';
import {
  ipykernelArgv,
  isProcessAlive,
  kernelBaseEnv,
  localProvider,
  makeDataDir,
  removeTempDirs,
  tempDir,
  waitFor,
} from './local-support';
import { IOPubLog } from '../helpers/iopub-log';

const logger = quietLogger();
const START = 60_000;

afterAll(removeTempDirs);

async function rejection(p: Promise<unknown>): Promise<NbcError> {
  const err: unknown = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!(err instanceof NbcError)) throw err;
  return err;
}

/** A python one-liner kernelspec that records its pid in `<dir>/pid` and then does `body`. */
function pidRecordingSpec(
  dir: string,
  body: string,
): { argv: string[]; display_name: string; language: string } {
  const script = `import os, sys, time\nopen(${JSON.stringify(path.join(dir, 'pid'))}, 'w').write(str(os.getpid()))\n${body}`;
  return {
    argv: [testVenv().python, '-c', script, '{connection_file}'],
    display_name: 'fake',
    language: 'python',
  };
}

function readPid(dir: string): number | undefined {
  const file = path.join(dir, 'pid');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  return text ? Number(text) : undefined;
}

describe('local provider: lifecycle', () => {
  test('four kernels started at once all become ready and are independent', async () => {
    const provider = localProvider();
    try {
      const sessions = await Promise.all(
        [0, 1, 2, 3].map(() =>
          provider.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger }),
        ),
      );
      expect(new Set(sessions.map((s) => s.pid)).size).toBe(4);
      await Promise.all(sessions.map((s, i) => s.execute({ code: `who = ${i}` })));
      const outputs = await Promise.all(
        sessions.map(async (s) => {
          const log = new IOPubLog();
          await s.execute({ code: 'print(who)' }, log);
          return log.stdout();
        }),
      );
      expect(outputs).toEqual(['0\n', '1\n', '2\n', '3\n']);
    } finally {
      await provider.dispose();
    }
  });

  test('os._exit(1) rejects the running execute with E_KERNEL_DIED and resolves died', async () => {
    const provider = localProvider({ liveness: { checkIntervalMs: 0 } }); // only the exit event can report it
    const session = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger });
    const pid = session.pid as number;
    const err = await rejection(session.execute({ code: 'import os\nos._exit(1)' }));
    expect(err.code).toBe('E_KERNEL_DIED');
    expect(err.message).toContain('exited with code 1');
    const death: KernelDeath = await session.died;
    expect(death).toMatchObject({ exitCode: 1, signal: null });
    expect(session.alive).toBe(false);
    expect(isProcessAlive(pid)).toBe(false);
    expect((await rejection(session.execute({ code: '1' }))).code).toBe('E_KERNEL_DIED');
    await expect(session.shutdown()).resolves.toBeUndefined();
    await waitFor(() => !existsSync(session.connectionFile), 5000, 'connection file removal');
    await provider.dispose();
  });

  test('a kernel that stops answering heartbeats is killed and reported dead', async () => {
    const provider = localProvider({ liveness: { checkIntervalMs: 100, unreachableMs: 1000 } });
    const session = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger });
    const running = session.execute({ code: 'import time\ntime.sleep(30)' });
    process.kill(session.pid as number, 'SIGSTOP'); // frozen: the process exists but answers nothing
    const err = await rejection(running);
    expect(err.code).toBe('E_KERNEL_DIED');
    expect(err.message).toContain('heartbeats');
    const death = await session.died;
    expect(death.reason).toContain('heartbeats');
    expect(death.signal).toBe('SIGKILL');
    await provider.dispose();
  });

  test('shutdown stops the process and removes the connection file', async () => {
    const provider = localProvider();
    const session = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger });
    const pid = session.pid as number;
    await session.shutdown();
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(session.connectionFile)).toBe(false);
    await provider.dispose();
  });

  test('shutdown of a kernel busy in a cell that ignores interrupts still ends it (SIGKILL fallback)', async () => {
    const provider = localProvider({ liveness: { shutdownGraceMs: 1500 } });
    const session = await provider.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger });
    const pid = session.pid as number;
    const log = new IOPubLog();
    const running = rejection(
      session.execute(
        {
          code: 'import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nprint("busy", flush=True)\nwhile True: time.sleep(0.1)',
        },
        log,
      ),
    );
    await log.until((m) => m.header.msg_type === 'stream');
    await session.shutdown();
    expect((await running).code).toBe('E_ABORTED');
    expect(isProcessAlive(pid)).toBe(false);
    await provider.dispose();
  });

  test('message-mode interrupt_mode interrupts through the control channel', async () => {
    const dataDir = await makeDataDir({
      'py-msg': {
        argv: ipykernelArgv(),
        display_name: 'msg interrupt',
        language: 'python',
        interrupt_mode: 'message',
      },
    });
    const provider = localProvider({ jupyterPath: [dataDir] });
    try {
      const session = await provider.startKernel({ kernelName: 'py-msg', startTimeoutMs: START, logger });
      const log = new IOPubLog();
      const running = session.execute({ code: 'import time\nprint("zz", flush=True)\ntime.sleep(30)' }, log);
      await log.until((m) => m.header.msg_type === 'stream');
      await session.interrupt();
      const reply = await running;
      expect(reply.content.ename).toBe('KeyboardInterrupt');
    } finally {
      await provider.dispose();
    }
  });
});

describe('local provider: starting kernels', () => {
  test('unknown kernel name → E_KERNEL_NOT_FOUND listing the available names', async () => {
    const provider = localProvider();
    const err = await rejection(
      provider.startKernel({ kernelName: 'no-such-kernel', startTimeoutMs: START, logger }),
    );
    expect(err.code).toBe('E_KERNEL_NOT_FOUND');
    expect(err.message).toContain('no-such-kernel');
    expect(err.message).toContain('python3');
    expect(err.message).toContain(path.join(testVenv().prefix, 'share', 'jupyter', 'kernels'));
  });

  test('a kernel that never answers → E_KERNEL_START after the start timeout, and its process is gone', async () => {
    const dir = tempDir('nbc-sleeper-');
    const dataDir = await makeDataDir({
      sleeper: pidRecordingSpec(
        dir,
        'sys.stderr.write("sleeper is up\\n"); sys.stderr.flush()\ntime.sleep(60)',
      ),
    });
    const provider = localProvider({ jupyterPath: [dataDir] });
    const err = await rejection(
      provider.startKernel({ kernelName: 'sleeper', startTimeoutMs: 2000, logger }),
    );
    expect(err.code).toBe('E_KERNEL_START');
    expect(err.message).toContain('did not become ready within 2.0 s');
    expect(err.message).toContain('sleeper is up');
    const pid = readPid(dir);
    expect(pid).toBeDefined();
    expect(isProcessAlive(pid as number)).toBe(false);
  });

  test('a kernel that exits at once → E_KERNEL_START with its exit code and stderr', async () => {
    const dataDir = await makeDataDir({
      crasher: {
        argv: [
          testVenv().python,
          '-c',
          'import sys; sys.stderr.write("ModuleNotFoundError: no module named kernelx\\n"); sys.exit(3)',
        ],
        display_name: 'crasher',
        language: 'python',
      },
    });
    const provider = localProvider({ jupyterPath: [dataDir] });
    const err = await rejection(
      provider.startKernel({ kernelName: 'crasher', startTimeoutMs: START, logger }),
    );
    expect(err.code).toBe('E_KERNEL_START');
    expect(err.message).toContain('exited with code 3 during start-up');
    expect(err.message).toContain('no module named kernelx');
    expect(err.details.exitCode).toBe(3);
  });

  test('a kernel command that does not exist → E_KERNEL_START naming it', async () => {
    const dataDir = await makeDataDir({
      missing: {
        argv: ['/nonexistent/bin/kernel-binary', '{connection_file}'],
        display_name: 'missing',
        language: 'x',
      },
    });
    const provider = localProvider({ jupyterPath: [dataDir] });
    const err = await rejection(
      provider.startKernel({ kernelName: 'missing', startTimeoutMs: START, logger }),
    );
    expect(err.code).toBe('E_KERNEL_START');
    expect(err.message).toContain('/nonexistent/bin/kernel-binary');
    expect(err.message).toContain('ENOENT');
  });

  test('a missing working directory → E_KERNEL_START naming it', async () => {
    const provider = localProvider();
    const cwd = path.join(os.tmpdir(), 'nbc-no-such-dir', 'deeper');
    const err = await rejection(
      provider.startKernel({ kernelName: 'python3', startTimeoutMs: START, logger, cwd }),
    );
    expect(err.code).toBe('E_KERNEL_START');
    expect(err.message).toContain(cwd);
  });

  test('the kernel runs in the requested cwd with base, spec and start environments layered', async () => {
    const cwd = tempDir('nbc-cwd-');
    const dataDir = await makeDataDir({
      'py-env': {
        argv: ipykernelArgv(),
        display_name: 'env',
        language: 'python',
        env: { NBC_SPEC: 'spec+${NBC_BASE}', NBC_OVERRIDDEN: 'by spec' },
      },
    });
    const provider = localProvider({
      jupyterPath: [dataDir],
      baseEnv: { ...kernelBaseEnv(), NBC_BASE: 'base' },
    });
    try {
      const session = await provider.startKernel({
        kernelName: 'py-env',
        startTimeoutMs: START,
        logger,
        cwd,
        env: { NBC_OVERRIDDEN: 'by start options' },
      });
      const log = new IOPubLog();
      const names = ['NBC_BASE', 'NBC_SPEC', 'NBC_OVERRIDDEN', 'JPY_PARENT_PID'];
      await session.execute(
        { code: `import os\nprint(os.getcwd())\nfor n in ${JSON.stringify(names)}: print(os.environ[n])` },
        log,
      );
      expect(log.stdout().split('\n')).toEqual([
        realpathSync(cwd),
        'base',
        'spec+base',
        'by start options',
        String(process.pid),
        '',
      ]);
    } finally {
      await provider.dispose();
    }
  });

  test('aborting a start rejects with E_ABORTED and leaves no process behind', async () => {
    const dir = tempDir('nbc-abort-');
    const dataDir = await makeDataDir({ slow: pidRecordingSpec(dir, 'time.sleep(60)') });
    const provider = localProvider({ jupyterPath: [dataDir] });
    const controller = new AbortController();
    const starting = provider.startKernel({
      kernelName: 'slow',
      startTimeoutMs: START,
      logger,
      signal: controller.signal,
    });
    await waitFor(() => readPid(dir) !== undefined, 20_000, 'the fake kernel to start');
    controller.abort();
    const err = await rejection(starting);
    expect(err.code).toBe('E_ABORTED');
    expect(isProcessAlive(readPid(dir) as number)).toBe(false);
  });

  test('a kernel that loses a port race ("Address already in use") is retried with new ports', async () => {
    const dir = tempDir('nbc-portrace-');
    const marker = path.join(dir, 'first-attempt');
    const python = testVenv().python;
    const script = [
      'import os, sys',
      `marker = ${JSON.stringify(marker)}`,
      'if not os.path.exists(marker):',
      '    open(marker, "w").close()',
      '    sys.stderr.write("zmq.error.ZMQError: Address already in use (addr=\'tcp://127.0.0.1:5555\')\\n")',
      '    sys.exit(1)',
      `os.execv(${JSON.stringify(python)}, [${JSON.stringify(python)}, "-m", "ipykernel_launcher", "-f", sys.argv[1]])`,
    ].join('\n');
    const dataDir = await makeDataDir({
      racer: { argv: [python, '-c', script, '{connection_file}'], display_name: 'r', language: 'python' },
    });
    const { logger: capture, lines } = captureLogger('warn');
    const provider = localProvider({ jupyterPath: [dataDir] });
    try {
      const session = await provider.startKernel({
        kernelName: 'racer',
        startTimeoutMs: START,
        logger: capture,
      });
      expect(existsSync(marker)).toBe(true);
      expect(lines.some((l) => String(l.msg).includes('port race'))).toBe(true);
      const log = new IOPubLog();
      await session.execute({ code: 'print("second attempt works")' }, log);
      expect(log.stdout()).toBe('second attempt works\n');
    } finally {
      await provider.dispose();
    }
  });
});

describe('local provider: parent death', () => {
  test('the kernel exits when the node process that launched it is SIGKILLed', async () => {
    const script = path.join(__dirname, '..', 'fixtures', 'kernels', 'launch-and-wait.js');
    const child = spawn(process.execPath, [script, testVenv().prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const { kernelPid, connectionFile } = await new Promise<{ kernelPid: number; connectionFile: string }>(
      (resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line && out.includes('\n'))
            resolve(JSON.parse(line) as { kernelPid: number; connectionFile: string });
        });
        child.once('exit', (code) =>
          reject(new Error(`launcher exited (${code}) before the kernel was ready: ${stderr}`)),
        );
      },
    );
    expect(isProcessAlive(kernelPid)).toBe(true);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    // ipykernel's parent poller checks once a second.
    await waitFor(
      () => !isProcessAlive(kernelPid),
      20_000,
      `kernel ${kernelPid} to exit after its parent died`,
    );
    // Nobody was left to clean up after the SIGKILLed parent.
    await rm(path.dirname(connectionFile), { recursive: true, force: true });
  });
});
