/**
 * `npm run bench -- scheduler-fire [--schedules 1000] [--seconds 30]`: the cost of firing one second's slots,
 * without waiting for the seconds to pass. N schedules firing every second on the embedded engine
 * (file-backed SQLite, as in production) under a clock the bench moves on by a second as soon as the
 * previous second's slots are fired, so S seconds take a few seconds. Prints the time to fire each second's
 * slots (p50/p90/max, the first two seconds left out as warm-up) and the CPU time per fire. This is the part
 * of the `scheduler` bench's lateness our code controls, measured in a tenth of the time; since the
 * machine's speed drifts, compare runs made back to back. For a count that does not drift, run it under
 * `valgrind --tool=callgrind` with two values of --seconds: the difference in instructions, divided by the
 * extra fires, is the instructions per fire.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Engine } from '../src/engine/engine';
import { normalizeTaskDef, normalizeWorkflowDef } from '../src/engine/model/defaults';
import { openDb } from '../src/engine/store/db';
import { silentLogger } from '../src/log';
import { arg, percentile, printTable } from './table';

const WARM_UP = 2;

export async function benchSchedulerFire(argv: string[]): Promise<void> {
  const count = Number(arg(argv, '--schedules', '1000'));
  const seconds = Number(arg(argv, '--seconds', '30'));
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seconds) || seconds <= WARM_UP)
    throw new Error(`--schedules takes a whole number of at least 1, --seconds one above ${WARM_UP}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-fire-'));
  let now = Date.UTC(2026, 4, 1, 12, 0, 0);
  const db = openDb({ dataDir });
  const engine = new Engine({ db, logger: silentLogger(), clock: () => now });
  try {
    const { ctx, scheduler } = engine;
    ctx.tx.run(() => {
      ctx.defs.putTaskDef(normalizeTaskDef({ name: 'bench_fire_task', retryCount: 0 }));
      ctx.defs.putWorkflowDef(
        normalizeWorkflowDef({
          name: 'bench_fire',
          version: 1,
          tasks: [{ name: 'bench_fire_task', taskReferenceName: 't', type: 'SIMPLE' }],
        }),
      );
    });
    for (let i = 0; i < count; i++)
      scheduler.save({
        name: `s${i}`,
        cronExpression: '* * * * * *',
        startWorkflowRequest: { name: 'bench_fire', input: { i } },
      });
    // The batches of a second, timed where the loop fires them (housekeeping after them is not counted).
    const loop = scheduler.loop as unknown as { fireBatch(rows: unknown[]): void };
    const fireBatch = loop.fireBatch.bind(loop);
    let wallMs = 0;
    let cpuUs = 0;
    loop.fireBatch = (rows) => {
      const t = process.hrtime.bigint();
      const c = process.cpuUsage();
      fireBatch(rows);
      const used = process.cpuUsage(c);
      cpuUs += used.user + used.system;
      wallMs += Number(process.hrtime.bigint() - t) / 1e6;
    };
    scheduler.loop.start();
    const perSecond: number[] = [];
    let measuredCpuUs = 0;
    for (let s = 0; s < seconds; s++) {
      wallMs = 0;
      cpuUs = 0;
      now += 1000;
      scheduler.loop.rearm();
      while ((scheduler.store.earliestSlot() ?? Infinity) <= now) await new Promise((r) => setImmediate(r));
      if (s >= WARM_UP) {
        perSecond.push(wallMs);
        measuredCpuUs += cpuUs;
      }
    }
    scheduler.loop.stop();
    const fires = (
      db.prepare("SELECT COUNT(*) AS n FROM schedule_executions WHERE state = 'EXECUTED'").get() as {
        n: number;
      }
    ).n;
    if (fires !== count * seconds) throw new Error(`expected ${count * seconds} fires, found ${fires}`);
    const ms = (x: number): string => x.toFixed(1);
    printTable(
      ['schedules', 'seconds', 'fire a second p50 ms', 'p90 ms', 'max ms', 'CPU µs/fire'],
      [
        [
          String(count),
          `${seconds - WARM_UP} (+${WARM_UP})`,
          ms(percentile(perSecond, 50)),
          ms(percentile(perSecond, 90)),
          ms(Math.max(...perSecond)),
          (measuredCpuUs / (count * (seconds - WARM_UP))).toFixed(1),
        ],
      ],
    );
  } finally {
    await engine.stop();
    db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
