/**
 * `npm run bench -- scheduler [--schedules 1000] [--seconds 60] [--quick] [--per-second]`: N schedules
 * firing every second for S seconds on the embedded engine (file-backed SQLite, as in production), each starting a one-task
 * workflow. Reports fires per second, lateness (execution time − slot) p50/p99/max, and checks that no
 * slot fired twice or was missed (every schedule has exactly S executed slots, one workflow each).
 * The schedules are created paused and resumed together; slots in the measured window count. The default
 * is issue 9's scenario (1,000 schedules for a minute, p99 under 100 ms); `--quick` is a 20 s run of 200.
 * `--per-second` also prints how long firing each second's slots took, second by second (the machine's
 * speed varies from one second to the next, and the slow seconds make the p99).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startEngine } from '../src/engine';
import { silentLogger } from '../src/log';
import { arg, percentile, printTable } from './table';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(url: string, method: string, p: string, body?: unknown): Promise<Json> {
  const res = await fetch(url + p, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Json);
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

function memoryMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round(process.memoryUsage().rss / 1024 / 1024);
}

export async function benchScheduler(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const count = Number(arg(argv, '--schedules', quick ? '200' : '1000'));
  const seconds = Number(arg(argv, '--seconds', quick ? '20' : '60'));
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seconds) || seconds < 1)
    throw new Error('--schedules and --seconds take whole numbers of at least 1');
  const loadAtStart = loadAverage();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-sched-'));
  const engine = await startEngine({ port: 0, dataDir, logger: silentLogger(), auth: { mode: 'none' } });
  const url = engine.url;
  try {
    // A registered task definition, as notebook_run is in real use (an ad-hoc one costs a little more).
    await call(url, 'POST', '/api/metadata/taskdefs', [{ name: 'bench_sched_task', retryCount: 0 }]);
    await call(url, 'POST', '/api/metadata/workflow', {
      name: 'bench_sched',
      version: 1,
      tasks: [{ name: 'bench_sched_task', taskReferenceName: 't', type: 'SIMPLE' }],
    });
    // Created paused (creating 1,000 takes a while), then resumed at once with one bulk call.
    const names = Array.from({ length: count }, (_v, i) => `s${String(i).padStart(4, '0')}`);
    for (const [i, name] of names.entries()) {
      await call(url, 'POST', '/api/scheduler/schedules', {
        name,
        cronExpression: '* * * * * *',
        paused: true,
        startWorkflowRequest: { name: 'bench_sched', input: { i } },
      });
    }
    await call(url, 'PUT', '/api/scheduler/bulk/resume', names);
    // The measured window: whole seconds from the first one after every schedule was resumed.
    const start = Math.ceil((Date.now() + 1000) / 1000) * 1000;
    const end = start + (seconds - 1) * 1000;
    const memStart = memoryMb();
    const cpuStart = process.cpuUsage();
    process.stderr.write(
      `${count} schedules firing; measuring ${new Date(start).toISOString()} + ${seconds} s\n`,
    );
    // Wait until every slot of the window has been handled (a loaded machine can fall behind).
    await new Promise((r) => setTimeout(r, end + 1000 - Date.now()));
    for (;;) {
      const pending = (await call(url, 'GET', '/api/scheduler/schedules')) as unknown as Json[];
      if (pending.every((x) => typeof x.nextRunTime === 'number' && x.nextRunTime > end)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const cpu = process.cpuUsage(cpuStart);
    await call(url, 'PUT', '/api/scheduler/bulk/pause', names);
    // Wait until no record is added any more (the last second's fires are recorded).
    let seen = -1;
    for (;;) {
      const total = (await call(url, 'GET', '/api/scheduler/search/executions?size=0')).totalHits as number;
      if (total === seen) break;
      seen = total;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const memEnd = memoryMb();
    const records: Json[] = [];
    for (let from = 0; ; from += 1000) {
      const page = await call(
        url,
        'GET',
        `/api/scheduler/search/executions?start=${from}&size=1000&sort=scheduledTime:ASC&query=${encodeURIComponent(`scheduledTime>${start - 1} AND scheduledTime<${end + 1}`)}`,
      );
      records.push(...(page.results as Json[]));
      if ((page.results as Json[]).length < 1000) break;
    }
    const executed = records.filter((r) => r.state === 'EXECUTED');
    const lateness = executed.map((r) => (r.executionTime as number) - (r.scheduledTime as number));
    // Per slot: the first fire's lateness is the wake-up delay, the last one's adds the time to fire them all.
    const perSlot = new Map<number, number[]>();
    for (const r of executed) {
      const t = r.scheduledTime as number;
      const late = (r.executionTime as number) - t;
      const seen = perSlot.get(t);
      if (seen) seen.push(late);
      else perSlot.set(t, [late]);
    }
    const wake = [...perSlot.values()].map((l) => Math.min(...l));
    const fireAll = [...perSlot.values()].map((l) => Math.max(...l) - Math.min(...l));
    if (argv.includes('--per-second'))
      process.stdout.write(`fire-all ms, second by second: ${fireAll.join(' ')}\n`);
    const keys = new Set(executed.map((r) => `${r.scheduleName}@${r.scheduledTime}`));
    const duplicates = executed.length - keys.size;
    let missed = 0;
    for (let i = 0; i < count; i++) {
      const name = `s${String(i).padStart(4, '0')}`;
      for (let t = start; t <= end; t += 1000) if (!keys.has(`${name}@${t}`)) missed += 1;
    }
    // One distinct workflow per fire; a sample of them carries the slot it stands for.
    const workflows = new Set(executed.map((r) => r.workflowId as string)).size;
    for (let k = 0; k < 50 && executed.length > 0; k++) {
      const r = executed[Math.floor((k * executed.length) / 50)] as Json;
      const wf = await call(url, 'GET', `/api/workflow/${String(r.workflowId)}`);
      if (wf.input?._scheduledTime !== r.scheduledTime || wf.input?._startedByScheduler !== r.scheduleName)
        throw new Error(
          `workflow ${String(r.workflowId)} does not carry its slot ${String(r.scheduledTime)}`,
        );
    }
    const firstFire = Math.min(...executed.map((r) => r.executionTime as number));
    const lastFire = Math.max(...executed.map((r) => r.executionTime as number));
    const span = Math.max(1, (lastFire - firstFire) / 1000 + 1);
    printTable(
      [
        'schedules',
        'seconds',
        'fires',
        'fires/s',
        'lateness p50 ms',
        'p99 ms',
        'max ms',
        'wake p50/max ms',
        'fire-all p50/max ms',
        'workflows',
        'twice',
        'missed',
        'skipped/failed',
        'CPU ms/fire',
        'RSS MB start→end',
      ],
      [
        [
          String(count),
          String(seconds),
          String(executed.length),
          (executed.length / span).toFixed(0),
          String(percentile(lateness, 50)),
          String(percentile(lateness, 99)),
          String(Math.max(...lateness)),
          `${percentile(wake, 50)}/${Math.max(...wake)}`,
          `${percentile(fireAll, 50)}/${Math.max(...fireAll)}`,
          String(workflows),
          String(duplicates),
          String(missed),
          String(records.length - executed.length),
          ((cpu.user + cpu.system) / 1000 / Math.max(1, executed.length)).toFixed(3),
          `${memStart}→${memEnd}`,
        ],
      ],
    );
    process.stdout.write(
      `load average (1/5/15 min): ${loadAtStart} at the start, ${loadAverage()} at the end; ${os.cpus().length} CPUs\n`,
    );
  } finally {
    await engine.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
