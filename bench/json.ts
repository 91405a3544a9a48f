/**
 * `npm run bench -- json`: the cost of exact JSON (src/json.ts) on the engine's hot path. A stored task
 * record (~7 KB, floats with long mantissas included) is parsed and written natively and exactly, without
 * and with one int beyond 2^53. Without one, exact JSON should cost what native JSON costs.
 */
import { parseJsonExact, stringifyJsonExact } from '../src/json';
import { median, printTable } from './table';

const TASK = {
  taskId: 'b5f0c1de-5c1a-4b5e-9a39-2f1e0c6f8a11',
  workflowInstanceId: '0af4728e-820e-4169-88b3-22445242c668',
  status: 'COMPLETED',
  scheduledTime: 1796652766533,
  startTime: 1796652766540,
  endTime: 1796652766600,
  inputData: {
    n: 42,
    region: 'eu',
    rows: Array.from({ length: 200 }, (_, i) => ({ i, v: i * 1.5, name: `row-${i}` })),
  },
  outputData: { total: 0.1 + 0.2, ratio: 1.2345678901234567e30 },
};
const BIG = { ...TASK, inputData: { ...TASK.inputData, n: 2n ** 64n + 1n } };

/** Median µs per call over 5 rounds of `n` calls (after a warm-up). */
function micros(fn: () => unknown, n: number): number {
  for (let i = 0; i < n / 5; i++) fn();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    rounds.push(Number(process.hrtime.bigint() - t0) / n / 1000);
  }
  return median(rounds);
}

export function benchJson(): void {
  const text = JSON.stringify(TASK);
  const bigText = stringifyJsonExact(BIG);
  const rows: [string, number, number][] = [
    ['parse, no big int', micros(() => JSON.parse(text), 5000), micros(() => parseJsonExact(text), 5000)],
    ['parse, one big int', NaN, micros(() => parseJsonExact(bigText), 1000)],
    [
      'write, no bigint',
      micros(() => JSON.stringify(TASK), 5000),
      micros(() => stringifyJsonExact(TASK), 5000),
    ],
    ['write, one bigint', NaN, micros(() => stringifyJsonExact(BIG), 1000)],
  ];
  const fmt = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(1));
  printTable(
    ['operation', 'native µs', 'exact µs', 'exact/native'],
    rows.map(([op, native, exact]) => [op, fmt(native), fmt(exact), fmt(exact / native)]),
  );
  process.stdout.write(
    `\n${text.length}-byte task record; native JSON cannot hold the big int (it rounds or throws).\n`,
  );
}
