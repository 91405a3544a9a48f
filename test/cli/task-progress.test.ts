/** The lines `up` prints as a workflow's tasks start and end, on a terminal and piped. */
import { formatTaskLine, taskProgress } from '../../src/cli/task-progress';

const cwd = '/home/me/project';
const done = {
  ref: 'extract',
  type: 'notebook_run',
  status: 'COMPLETED',
  outputNotebook: '/home/me/project/runs/wf/extract/attempt-0.ipynb',
  startTime: 1_000,
  endTime: 11_500,
};

test('piped: a start line, then an end line with duration and the notebook relative to the cwd', () => {
  const lines: string[] = [];
  const onTask = taskProgress((l) => lines.push(l), { cwd, tty: false });
  onTask({ ref: 'extract', type: 'notebook_run', status: 'SCHEDULED' });
  onTask({ ref: 'extract', type: 'notebook_run', status: 'IN_PROGRESS', startTime: 1_000 });
  onTask(done);
  expect(lines).toEqual([
    `  ${'extract'.padEnd(28)} IN_PROGRESS`,
    `  ${'extract'.padEnd(28)} COMPLETED      10.5 s runs/wf/extract/attempt-0.ipynb`,
  ]);
});

test('a failed task says why; sub-second durations in ms; paths outside the cwd stay absolute', () => {
  const line = formatTaskLine(
    {
      ref: 'vid_agg',
      type: 'notebook_run',
      status: 'FAILED',
      outputNotebook: 's3://bucket/out.ipynb',
      reason: 'ZeroDivisionError: division by zero',
      startTime: 100,
      endTime: 350,
    },
    { cwd, tty: false },
  );
  expect(line).toBe(
    `  ${'vid_agg'.padEnd(28)} FAILED         250 ms s3://bucket/out.ipynb (ZeroDivisionError: division by zero)`,
  );
});

test('on a terminal: a coloured mark per status before the same text', () => {
  const tty = { cwd, tty: true };
  const mark = (color: string, m: string): string => `  \x1b[${color}m${m}\x1b[0m `;
  expect(formatTaskLine({ ref: 'a', type: 'x', status: 'IN_PROGRESS' }, tty)).toBe(
    `${mark('36', '▶')}${'a'.padEnd(28)} IN_PROGRESS`,
  );
  expect(formatTaskLine(done, tty)).toBe(
    `${mark('32', '✓')}${'extract'.padEnd(28)} COMPLETED      10.5 s runs/wf/extract/attempt-0.ipynb`,
  );
  expect(
    formatTaskLine({ ref: 'b', type: 'x', status: 'FAILED_WITH_TERMINAL_ERROR' }, tty)?.startsWith(
      `${mark('31', '✗')}b `,
    ),
  ).toBe(true);
  expect(
    formatTaskLine({ ref: 'c', type: 'SWITCH', status: 'SKIPPED' }, tty)?.startsWith(mark('2', '•')),
  ).toBe(true);
});
