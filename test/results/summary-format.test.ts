/** Summaries across runs as a table: columns, sorting, and the CSV, JSON and text forms. */
import { formatSummaries, sortSummaries, summaryColumns } from '../../src/results';
import type { RunSummary } from '../../src/results';

const row = (uri: string, o: Partial<RunSummary>): RunSummary => ({
  uri,
  parameters: {},
  scraps: {},
  status: 'completed',
  duration: null,
  exception: false,
  startTime: null,
  endTime: null,
  ...o,
});

const rows = [
  row('a.ipynb', { parameters: { region: 'us', n: 2 }, scraps: { total: 10 }, duration: 3 }),
  row('b.ipynb', {
    parameters: { region: 'gb' },
    scraps: { total: 2, top: ['x', 'y'] },
    duration: 12,
    status: 'failed',
  }),
  row('c.ipynb', { parameters: { region: '@SUM(A1)' }, duration: null, status: 'running' }),
];

it('has one column per parameter and per scrap any row has', () => {
  expect(summaryColumns(rows)).toEqual([
    'notebook',
    'status',
    'duration',
    'start_time',
    'end_time',
    'parameters.region',
    'parameters.n',
    'scraps.total',
    'scraps.top',
  ]);
});

it('sorts numbers as numbers, strings as strings, and rows without the value last either way', () => {
  expect(sortSummaries(rows, 'duration').map((r) => r.uri)).toEqual(['a.ipynb', 'b.ipynb', 'c.ipynb']);
  expect(sortSummaries(rows, 'duration', 'desc').map((r) => r.uri)).toEqual([
    'b.ipynb',
    'a.ipynb',
    'c.ipynb',
  ]);
  expect(sortSummaries(rows, 'scraps.total', 'desc').map((r) => r.uri)).toEqual([
    'a.ipynb',
    'b.ipynb',
    'c.ipynb',
  ]);
  expect(sortSummaries(rows, 'parameters.region').map((r) => r.uri)).toEqual([
    'c.ipynb',
    'b.ipynb',
    'a.ipynb',
  ]);
});

it('writes CSV that spreadsheets read as data (quoting, JSON for lists, no formulas)', () => {
  const lines = formatSummaries(rows, 'csv').split('\r\n');
  expect(lines[2]).toBe('b.ipynb,failed,12,,,gb,,2,"[""x"",""y""]"');
  expect(lines[3]).toBe("c.ipynb,running,,,,'@SUM(A1),,,");
});

it('writes JSON rows and an aligned text table', () => {
  expect(JSON.parse(formatSummaries(rows, 'json'))).toEqual(rows);
  const table = formatSummaries(rows, 'table').split('\n');
  expect(table[0]?.indexOf('status')).toBe(table[1]?.indexOf('completed'));
});
