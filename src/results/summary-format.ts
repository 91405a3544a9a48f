/**
 * Summaries across runs as a table: the columns (fixed ones, then every parameter and every scrap seen),
 * sorting by any column, and the CSV, JSON and plain-text forms that `nbconductor summarize` prints and
 * the viewer's /summary page offers for download.
 */
import type { RunSummary } from './summaries';
import type { JsonValue } from '../json';

export type SummaryFormat = 'table' | 'csv' | 'json';

export const FIXED_COLUMNS = ['notebook', 'status', 'duration', 'start_time', 'end_time'] as const;

/** Fixed columns, then `parameters.<name>` and `scraps.<name>` for every name any row has (first-seen order). */
export function summaryColumns(rows: readonly RunSummary[]): string[] {
  const params = new Set<string>();
  const scraps = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r.parameters)) params.add(k);
    for (const k of Object.keys(r.scraps)) scraps.add(k);
  }
  return [
    ...FIXED_COLUMNS,
    ...[...params].map((k) => `parameters.${k}`),
    ...[...scraps].map((k) => `scraps.${k}`),
  ];
}

/** A row's value in a column (undefined when the row has none). */
export function summaryCell(row: RunSummary, column: string): JsonValue | undefined {
  switch (column) {
    case 'notebook':
      return row.uri;
    case 'status':
      return row.status;
    case 'duration':
      return row.duration;
    case 'start_time':
      return row.startTime;
    case 'end_time':
      return row.endTime;
  }
  if (column.startsWith('parameters.')) return row.parameters[column.slice(11)];
  if (column.startsWith('scraps.')) return row.scraps[column.slice(7)];
  return undefined;
}

function compare(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const missing = (v: JsonValue | undefined): boolean => v === undefined || v === null;
  if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = typeof a === 'string' ? a : JSON.stringify(a);
  const sb = typeof b === 'string' ? b : JSON.stringify(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Rows sorted by a column (missing values last in either order; ties keep notebook order). */
export function sortSummaries(
  rows: readonly RunSummary[],
  column: string,
  order: 'asc' | 'desc' = 'asc',
): RunSummary[] {
  const dir = order === 'desc' ? -1 : 1;
  return [...rows].sort((x, y) => {
    const a = summaryCell(x, column);
    const b = summaryCell(y, column);
    const missingA = a === undefined || a === null;
    const missingB = b === undefined || b === null;
    if (missingA || missingB) return compare(a, b) || compare(x.uri, y.uri);
    return compare(a, b) * dir || compare(x.uri, y.uri);
  });
}

/** A value as one line of text: strings as they are, anything else as JSON. */
export function cellText(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function csvField(v: JsonValue | undefined): string {
  let text = cellText(v);
  // Spreadsheet formula injection: a text value that a spreadsheet would evaluate is kept as text.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function summariesToCsv(rows: readonly RunSummary[], columns = summaryColumns(rows)): string {
  const lines = [columns.map((c) => csvField(c)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(summaryCell(r, c))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function summariesToJson(rows: readonly RunSummary[]): string {
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** A fixed-width text table; long values are cut to `width` characters. */
export function summariesToTable(
  rows: readonly RunSummary[],
  columns = summaryColumns(rows),
  width = 40,
): string {
  const cut = (s: string): string => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const grid = [
    columns,
    ...rows.map((r) => columns.map((c) => cut(cellText(summaryCell(r, c)).replace(/\s+/g, ' ')))),
  ];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => (line[i] ?? '').length)));
  return `${grid
    .map((line) =>
      line
        .map((v, i) => v.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

export function formatSummaries(rows: readonly RunSummary[], format: SummaryFormat): string {
  return format === 'csv'
    ? summariesToCsv(rows)
    : format === 'json'
      ? summariesToJson(rows)
      : summariesToTable(rows);
}
