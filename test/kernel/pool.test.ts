/**
 * The kernel pool over real ipykernel kernels (local provider): kernels started ahead of need, handed
 * out once, replaced, moved to the caller's cwd, replaced when they die, shut down on dispose, and a bad
 * kernel name that backs off instead of spinning.
 */
import { realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { NbcError } from '../../src/errors';
import type { LocalKernelSession } from '../../src/kernel/local/session';
import type { KernelProvider, KernelSession, StartKernelOptions } from '../../src/kernel/provider';
import { createKernelPool, type KernelPool, type KernelPoolOptions } from '../../src/kernel/pool';
import { quietLogger } from '../helpers/logger';
import {
  isProcessAlive,
  localProvider,
  makeDataDir,
  removeTempDirs,
  tempDir,
  waitFor,
} from './local-support';
import { IOPubLog } from '../helpers/iopub-log';

const logger = quietLogger();
const START = 60_000;

interface StartCall {
  kernelName: string;
  cwd?: string;
  at: number;
}

/** The local provider, recording every start request and every session it produced. */
function recordingProvider(inner: KernelProvider): {
  provider: KernelProvider;
  calls: StartCall[];
  sessions: KernelSession[];
} {
  const calls: StartCall[] = [];
  const sessions: KernelSession[] = [];
  const provider: KernelProvider = {
    kind: inner.kind,
    listKernelSpecs: () => inner.listKernelSpecs(),
    dispose: () => inner.dispose(),
    async startKernel(o: StartKernelOptions) {
      calls.push({ kernelName: o.kernelName, cwd: o.cwd, at: Date.now() });
      const s = await inner.startKernel(o);
      sessions.push(s);
      return s;
    },
  };
  return { provider, calls, sessions };
}

let inner: KernelProvider;
const pools: KernelPool[] = [];
const handedOut: KernelSession[] = [];

beforeAll(async () => {
  // "broken" exits at once: a kernel that can never start, for the backoff test.
  const dataDir = await makeDataDir({
    broken: {
      argv: ['/bin/sh', '-c', 'exit 3', '{connection_file}'],
      display_name: 'Broken',
      language: 'python',
    },
  });
  inner = localProvider({ jupyterPath: [dataDir] });
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.dispose()));
  await Promise.all(handedOut.splice(0).map((s) => s.shutdown()));
});

afterAll(async () => {
  await inner?.dispose();
  await removeTempDirs();
});

function pool(provider: KernelProvider, options: Partial<KernelPoolOptions> = {}): KernelPool {
  const p = createKernelPool(provider, { sizes: { python3: 1 }, startTimeoutMs: START, logger, ...options });
  pools.push(p);
  return p;
}

async function take(p: KernelPool, name = 'python3', cwd?: string): Promise<KernelSession> {
  const s = await p.acquire(name, { cwd });
  handedOut.push(s);
  return s;
}

async function run(session: KernelSession, code: string): Promise<string> {
  const log = new IOPubLog();
  const reply = await session.execute({ code }, { onIOPub: log.onIOPub });
  expect(reply.content.status).toBe('ok');
  return log.stdout();
}

async function rejection(p: Promise<unknown>): Promise<NbcError> {
  const err: unknown = await p.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!(err instanceof NbcError)) throw err;
  return err;
}

test('acquire hands out the kernel started by warm() and starts a replacement', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider);
  expect(rec.calls).toHaveLength(0); // nothing starts before warm() or acquire()

  await p.warm();
  expect(p.stats().kernels.python3).toMatchObject({ target: 1, idle: 1, starting: 0, started: 1 });
  const prestarted = rec.sessions[0];
  expect(prestarted?.alive).toBe(true);

  const kernel = await take(p);
  // The very session that was ready before acquire() was called: no start-up on the task's path.
  expect(kernel).toBe(prestarted);
  expect(await run(kernel, 'print(6 * 7)')).toBe('42\n');

  // A replacement was started in the background and is ready for the next task.
  expect(rec.calls).toHaveLength(2);
  await waitFor(() => p.stats().kernels.python3?.idle === 1, START, 'the replacement kernel');
  expect(rec.sessions[1]?.alive).toBe(true);
  expect(rec.sessions[1]).not.toBe(kernel);
  expect(p.stats().kernels.python3).toMatchObject({ handedOut: 1, started: 2, language: 'python' });
});

test('kernels are never reused: every acquire returns a different, fresh kernel', async () => {
  const p = pool(recordingProvider(inner).provider);
  await p.warm();
  const first = await take(p);
  await run(first, 'x = 1');
  await first.shutdown();
  const second = await take(p);
  const third = await take(p);
  const ids = [first.id, second.id, third.id];
  expect(new Set(ids).size).toBe(3);
  // fresh: nothing from the first kernel's namespace, and nothing executed yet
  expect(await run(second, "print('x' in globals())")).toBe('False\n');
  const reply = await third.execute({ code: 'pass' });
  expect(reply.content.execution_count).toBe(1);
});

test('acquire waits for a kernel already starting instead of starting more than needed', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider, { sizes: { python3: 1 } });
  const warming = p.warm(); // one start in flight
  const kernel = await take(p); // needs one more: the pool target plus this caller
  await warming;
  expect(kernel.alive).toBe(true);
  await waitFor(() => p.stats().kernels.python3?.idle === 1, START, 'the pool to refill');
  // two starts in all: whichever was ready first went to the caller, the other stayed ready
  expect(rec.calls).toHaveLength(2);
});

test('a pooled Python kernel is moved to the cwd the caller asks for', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider);
  await p.warm();
  const dir = path.join(tempDir('nbc-pool-cwd-'), `it's a "dir" ü`);
  await mkdir(dir);
  const kernel = await take(p, 'python3', dir);
  expect(kernel).toBe(rec.sessions[0]); // the pre-started kernel, not a fresh start with a cwd
  expect(rec.calls[0]?.cwd).toBeUndefined();
  expect(await run(kernel, 'import os; print(os.getcwd())')).toBe(`${realpathSync(dir)}\n`);
  // the chdir was silent: the user's first cell is still In [1]
  const reply = await kernel.execute({ code: 'pass' });
  expect(reply.content.execution_count).toBe(2);
});

test('when kernel paths are not ours (remote server), a cwd means a fresh start with that cwd', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider, { chdirInKernel: false });
  await p.warm();
  const dir = tempDir('nbc-pool-cwd-');
  const kernel = await take(p, 'python3', dir);
  expect(kernel).not.toBe(rec.sessions[0]);
  expect(rec.calls[1]).toMatchObject({ kernelName: 'python3', cwd: dir });
  expect(await run(kernel, 'import os; print(os.getcwd())')).toBe(`${realpathSync(dir)}\n`);
  // the pre-started kernel is still there for callers without a cwd
  expect(p.stats().kernels.python3).toMatchObject({ idle: 1, handedOut: 1 });
  expect(await take(p)).toBe(rec.sessions[0]);
});

test('an unusable cwd rejects with E_KERNEL_START naming it, and the kernel is not leaked', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider);
  await p.warm();
  const missing = path.join(tempDir('nbc-pool-cwd-'), 'no-such-dir');
  const err = await rejection(p.acquire('python3', { cwd: missing }));
  expect(err.code).toBe('E_KERNEL_START');
  expect(err.message).toContain(missing);
  expect(err.details.field).toBe('cwd');
  expect(rec.sessions[0]?.alive).toBe(false);
});

test('on-demand kernel names start with the cwd directly', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider, { sizes: {} });
  const dir = tempDir('nbc-pool-cwd-');
  const kernel = await take(p, 'python3', dir);
  expect(rec.calls).toEqual([expect.objectContaining({ kernelName: 'python3', cwd: dir })]);
  expect(await run(kernel, 'import os; print(os.getcwd())')).toBe(`${realpathSync(dir)}\n`);
  // nothing is kept ready for a name with no pool size
  expect(p.stats().kernels.python3).toMatchObject({ target: 0, idle: 0, starting: 0, handedOut: 1 });
});

test('an idle kernel that dies is dropped and replaced', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider);
  await p.warm();
  const victim = rec.sessions[0] as LocalKernelSession;
  const pid = victim.pid as number;
  process.kill(pid, 'SIGKILL');
  await victim.died;
  await waitFor(
    () => rec.sessions.length === 2 && p.stats().kernels.python3?.idle === 1,
    START,
    'a replacement',
  );
  const kernel = await take(p);
  expect(kernel).not.toBe(victim);
  expect(kernel).toBe(rec.sessions[1]);
  expect(await run(kernel, 'print("alive")')).toBe('alive\n');
});

test('dispose shuts idle kernels down, leaves handed-out kernels running and refuses new acquires', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider, { sizes: { python3: 2 } });
  await p.warm();
  const kernel = (await take(p)) as LocalKernelSession;
  await waitFor(() => p.stats().kernels.python3?.idle === 2, START, 'the pool to refill');
  const idlePids = rec.sessions
    .filter((s) => s !== kernel)
    .map((s) => (s as LocalKernelSession).pid as number);
  expect(idlePids).toHaveLength(2);
  expect(idlePids.every(isProcessAlive)).toBe(true);

  await p.dispose();
  expect(idlePids.some(isProcessAlive)).toBe(false);
  expect(p.stats()).toMatchObject({ disposed: true, kernels: { python3: { idle: 0, starting: 0 } } });
  expect(isProcessAlive(kernel.pid as number)).toBe(true);
  expect(await run(kernel, 'print("still mine")')).toBe('still mine\n');
  expect((await rejection(p.acquire('python3'))).code).toBe('E_ABORTED');
});

test('dispose during start-up aborts the starts and leaves no kernel behind', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider, { sizes: { python3: 1 } });
  const waiting = rejection(p.acquire('python3'));
  const warming = p.warm();
  expect(p.stats().kernels.python3?.starting).toBe(2);
  await p.dispose();
  expect((await waiting).code).toBe('E_ABORTED');
  await warming;
  expect(rec.sessions.every((s) => !s.alive)).toBe(true);
  expect(p.stats().kernels.python3).toMatchObject({ idle: 0, starting: 0, waiting: 0 });
});

test('an unknown kernel name: acquire rejects with E_KERNEL_NOT_FOUND and the pool waits before retrying', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider, { sizes: { 'no-such-kernel': 1 } });
  await p.warm(); // resolves: the failure is logged, not thrown
  const before = Date.now();
  const lane = p.stats().kernels['no-such-kernel'];
  expect(lane).toMatchObject({ idle: 0, starting: 0, failures: 1 });
  expect(lane?.lastError).toMatch(/no-such-kernel/);
  // an unknown name waits the longest delay (60 s by default) before the next background attempt
  expect(lane?.retryAt).toBeGreaterThan(before + 30_000);

  const err = await rejection(p.acquire('no-such-kernel'));
  expect(err.code).toBe('E_KERNEL_NOT_FOUND');
  // names not in sizes: one attempt per acquire, nothing in the background
  expect((await rejection(p.acquire('also-missing'))).code).toBe('E_KERNEL_NOT_FOUND');
  expect(rec.calls.map((c) => c.kernelName)).toEqual(['no-such-kernel', 'no-such-kernel', 'also-missing']);
  expect(p.stats().kernels['also-missing']).toMatchObject({ starting: 0, retryAt: null });
});

test('a kernel that cannot start is retried with growing delays, never in a tight loop', async () => {
  const rec = recordingProvider(inner);
  const p = pool(rec.provider, { sizes: { broken: 1 }, retryBaseMs: 100, retryMaxMs: 400 });
  await p.warm();
  expect(p.stats().kernels.broken?.lastError).toMatch(/during start-up/);
  await waitFor(() => rec.calls.length >= 4, 20_000, 'three retries');
  const gaps = rec.calls.slice(1, 4).map((c, i) => c.at - (rec.calls[i] as StartCall).at);
  // each retry waits at least its backoff delay: 100, 200, 400 ms
  expect(gaps[0]).toBeGreaterThanOrEqual(95);
  expect(gaps[1]).toBeGreaterThanOrEqual(195);
  expect(gaps[2]).toBeGreaterThanOrEqual(395);
  await p.dispose();
  const calls = rec.calls.length;
  // disposed: no more attempts (the retry timer is gone)
  expect(p.stats().kernels.broken?.retryAt).toBeNull();
  expect(rec.calls.length).toBe(calls);
});
