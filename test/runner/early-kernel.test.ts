/**
 * EarlyKernel: the kernel starts as soon as its name is known, and `launched` tells the runner when its own
 * preparation (CPU on the same thread) no longer delays the kernel's launch.
 */
import type { KernelSession } from '../../src/kernel/provider';
import { EarlyKernel, type StartKernel } from '../../src/runner/early-kernel';
import { quietLogger } from '../helpers/logger';

const options = { startTimeoutMs: 1000, logger: quietLogger() };
const session = { shutdown: () => Promise.resolve() } as unknown as KernelSession;

/** A start the test drives by hand: launch it, then finish it. */
function manualStart(): {
  start: StartKernel;
  launch(): void;
  finish(outcome: 'ok' | 'fail'): void;
} {
  let launch = (): void => undefined;
  let finish: (outcome: 'ok' | 'fail') => void = () => undefined;
  const start: StartKernel = (_name, o) => {
    launch = () => o.onLaunched?.();
    return new Promise<KernelSession>((resolve, reject) => {
      finish = (outcome) => (outcome === 'ok' ? resolve(session) : reject(new Error('no kernel')));
    });
  };
  return { start, launch: () => launch(), finish: (o) => finish(o) };
}

/** Whether `p` has settled after everything queued so far has run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test('launched resolves when the starter says the kernel is launched, before the start resolves', async () => {
  const m = manualStart();
  const early = EarlyKernel.begin(m.start, 'python3', options);
  expect(await settled(early.launched)).toBe(false);
  m.launch();
  expect(await settled(early.launched)).toBe(true);
  m.finish('ok');
  await expect(early.take('python3')).resolves.toBe(session);
});

test('a starter that never says so: launched resolves when the start settles, failed or not', async () => {
  for (const outcome of ['ok', 'fail'] as const) {
    const m = manualStart();
    const early = EarlyKernel.begin(m.start, 'python3', options);
    expect(await settled(early.launched)).toBe(false);
    m.finish(outcome);
    expect(await settled(early.launched)).toBe(true);
    await early.release();
  }
});

test('no kernel name yet: nothing starts and launched is already resolved', async () => {
  const m = manualStart();
  const early = EarlyKernel.begin(m.start, undefined, options);
  expect(await settled(early.launched)).toBe(true);
});
