/**
 * Engine scale scenarios: a FORK_JOIN_DYNAMIC of `n` SIMPLE branches run by the SDK's TaskManager (the time
 * per branch must not grow with n: JOIN bookkeeping is O(1) per branch update), and `count` concurrent
 * two-task workflows (none lost, none run twice).
 */
import { percentile } from './table';
import {
  counter,
  cpuSince,
  heapPeak,
  memoryMb,
  waitAll,
  chainLatencies,
  startWorkerProcess,
  type Bench,
  type Json,
  type Row,
} from './engine-support';

/**
 * A fan-out of `n` branches. `apart`: the SDK workers run in another process (as in production), so this
 * process's CPU is the engine's alone; otherwise in this process.
 */
export async function fanOut(b: Bench, n: number, apart = false): Promise<Row> {
  const c = counter();
  const type = `b_branch_${n}${apart ? '_apart' : ''}`;
  const name = `b_fork_${n}${apart ? '_apart' : ''}`;
  await b.meta.registerTasks([{ name: type, retryCount: 0, responseTimeoutSeconds: 600 }] as never);
  await b.meta.registerWorkflowDef({
    name,
    version: 1,
    tasks: [
      {
        name: 'fan',
        taskReferenceName: 'fan',
        type: 'FORK_JOIN_DYNAMIC',
        inputParameters: { forkTaskName: type, forkTaskInputs: '${workflow.input.items}' },
      },
      { name: 'join', taskReferenceName: 'join', type: 'JOIN' },
    ],
  } as never);
  const tm = apart ? undefined : b.startWorkers([c.worker(type)], 20);
  const wp = apart ? await startWorkerProcess(b, type, 20) : undefined;
  const ran = (): number => (wp ? wp.ran() : c.runs.size);
  const m0 = memoryMb();
  const peak = heapPeak();
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const items = Array.from({ length: n }, (_, i) => ({ n: i }));
  const id = (await b.wfs.startWorkflow({ name, input: { items } })) as string;
  // Searching reads the workflow's input (n items): wait for the workers first.
  let [secs, cpu, m1] = [0, 0, 0];
  const settled = (): void => {
    [secs, cpu, m1] = [(Date.now() - t0) / 1000, cpuSince(cpu0), peak.stop()];
  };
  const [wf] = await waitAll(b.wfs, name, [id], 30 * 60_000, () => ran() >= n, settled);
  await tm?.stopPolling();
  const apartRuns = await wp?.stop();
  const runs = apartRuns ? apartRuns.ran : c.runs.size;
  const duplicates = apartRuns ? apartRuns.duplicates : c.duplicates();
  const all = (wf as Json).tasks as Json[];
  const branches = all.filter((t) => t.taskType === type);
  const join = all.find((t) => t.taskType === 'JOIN') as Json;
  const lastBranchEnd = Math.max(...branches.map((t) => t.endTime as number));
  const joined = Object.keys(join.outputData ?? {}).length;
  const waits = branches.map((t) => t.startTime - t.scheduledTime);
  const ok =
    (wf as Json).status === 'COMPLETED' &&
    branches.length === n &&
    runs === n &&
    duplicates === 0 &&
    joined === n;
  return {
    scenario: `FORK_JOIN_DYNAMIC ${n.toLocaleString('en')}${apart ? ', workers apart' : ''}`,
    tasks: n,
    seconds: secs,
    cpuSeconds: cpu,
    pollableP50: join.endTime - lastBranchEnd,
    pollableP99: join.endTime - lastBranchEnd,
    handedP50: percentile(waits, 50),
    handedP99: percentile(waits, 99),
    memory: `${m0}→${m1}(peak)→${memoryMb()} MB`,
    check: ok
      ? 'ok'
      : `FAIL (${String((wf as Json).status)}, branches ${branches.length}, runs ${runs}, dup ${duplicates}, joined ${joined})`,
  };
}

export async function concurrent(b: Bench, count: number): Promise<Row> {
  const c = counter();
  const [ta, tb, name] = [`b_small_a_${count}`, `b_small_b_${count}`, `b_small_${count}`];
  await b.meta.registerTasks(
    [ta, tb].map((t) => ({ name: t, retryCount: 0, responseTimeoutSeconds: 600 })) as never,
  );
  await b.meta.registerWorkflowDef({
    name,
    version: 1,
    tasks: [
      { name: ta, taskReferenceName: 'a', inputParameters: { n: '${workflow.input.i}' } },
      { name: tb, taskReferenceName: 'b', inputParameters: { n: '${a.output.n}' } },
    ],
  } as never);
  const tm = b.startWorkers([c.worker(ta), c.worker(tb)], 20);
  const m0 = memoryMb();
  const peak = heapPeak();
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const ids: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, (_, j) =>
        b.wfs.startWorkflow({ name, input: { i: i + j } }),
      ),
    );
    ids.push(...(batch as string[]));
  }
  let [secs, cpu, m1] = [0, 0, 0];
  const settled = (): void => {
    [secs, cpu, m1] = [(Date.now() - t0) / 1000, cpuSince(cpu0), peak.stop()];
  };
  const done = await waitAll(b.wfs, name, ids, 30 * 60_000, () => c.runs.size >= 2 * count, settled);
  await tm.stopPolling();
  const lat = done.map((w) => chainLatencies(w.tasks as Json[]));
  const completed = done.filter((w) => w.status === 'COMPLETED' && (w.tasks as Json[]).length === 2).length;
  const correct = done.filter((w) => (w.tasks as Json[])[1]?.inputData?.n === w.input.i).length;
  const unique = new Set(ids).size;
  const pollable = lat.flatMap((l) => l.pollable);
  const handed = lat.flatMap((l) => l.handed);
  const ok =
    unique === count &&
    completed === count &&
    c.runs.size === 2 * count &&
    c.duplicates() === 0 &&
    correct === count;
  return {
    scenario: `${count.toLocaleString('en')} concurrent (2 tasks)`,
    tasks: 2 * count,
    seconds: secs,
    cpuSeconds: cpu,
    pollableP50: percentile(pollable, 50),
    pollableP99: percentile(pollable, 99),
    handedP50: percentile(handed, 50),
    handedP99: percentile(handed, 99),
    memory: `${m0}→${m1}(peak)→${memoryMb()} MB`,
    check: ok
      ? 'ok'
      : `FAIL (ids ${unique}, completed ${completed}, runs ${c.runs.size}, dup ${c.duplicates()}, correct ${correct})`,
  };
}
