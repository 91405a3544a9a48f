/** The heartbeat watchdog's decisions, driven by real timers with short intervals. */
import { HeartbeatMonitor } from '../../src/kernel/local/heartbeat';

function monitor(answer: () => boolean): {
  hb: HeartbeatMonitor;
  lost: Promise<number>;
  never: Promise<void>;
  pings: () => number;
} {
  let pings = 0;
  let onLost: (ms: number) => void = () => undefined;
  let onNever: () => void = () => undefined;
  const lost = new Promise<number>((resolve) => (onLost = resolve));
  const never = new Promise<void>((resolve) => (onNever = resolve));
  const hb: HeartbeatMonitor = new HeartbeatMonitor({
    intervalMs: 20,
    timeoutMs: 150,
    ping: () => {
      pings++;
      if (answer()) setImmediate(() => hb.pong());
    },
    onLost,
    onNeverAnswered: onNever,
  });
  return { hb, lost, never, pings: () => pings };
}

describe('heartbeat watchdog', () => {
  test('a kernel that answered and then went silent is reported lost', async () => {
    let answering = true;
    const { hb, lost, pings } = monitor(() => answering);
    hb.start();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (pings() >= 3) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    answering = false;
    expect(await lost).toBeGreaterThan(150);
    hb.stop();
  });

  test('a heartbeat that never answered is reported once, and the kernel is not declared lost', async () => {
    const { hb, lost, never } = monitor(() => false);
    let lostCalled = false;
    void lost.then(() => (lostCalled = true));
    hb.start();
    await never;
    // Keep it running a few more timeouts' worth of ticks: still not lost.
    await new Promise((r) => setTimeout(r, 400));
    expect(lostCalled).toBe(false);
    hb.stop();
  });

  test('interval 0 disables it', () => {
    const { hb, pings } = monitor(() => true);
    const disabled = new HeartbeatMonitor({
      intervalMs: 0,
      timeoutMs: 1,
      ping: () => hb.pong(),
      onLost: () => undefined,
      onNeverAnswered: () => undefined,
    });
    disabled.start();
    expect(disabled.enabled).toBe(false);
    expect(pings()).toBe(0);
  });
});
