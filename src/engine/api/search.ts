/**
 * Workflow search with the query grammar of Conductor's SQL indexers (`SqliteIndexQueryBuilder`):
 * conditions joined by ` AND `, each `field = value`, `field > value`, `field < value` or
 * `field IN (a,b)`; quotes and parentheses stripped; `*` in a value is a wildcard; `*Time` values are epoch
 * ms; unknown fields are ignored. `freeText` (≠ `*`) matches anywhere in the workflow JSON; `sort` is
 * `field:ASC|DESC`.
 */
import { BadRequestError } from '../api-errors';

const FIELDS: Record<string, string> = {
  workflowId: 'workflow_id',
  correlationId: 'correlation_id',
  workflowType: 'name',
  status: 'status',
  startTime: 'create_time',
  endTime: 'end_time',
  updateTime: 'update_time',
  parentWorkflowId: 'parent_workflow_id',
  version: 'version',
};

export interface SearchSql {
  where: string;
  params: unknown[];
  orderBy: string;
}

function column(name: string): string | undefined {
  const camel = name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return FIELDS[camel];
}

function condition(text: string, params: unknown[]): string | null {
  const m = /^([a-zA-Z_]+)\s?(=|>|<|IN)\s?(.*)$/.exec(text.trim());
  if (!m) throw new BadRequestError(`Incorrectly formatted query string: ${text}`);
  const col = column(m[1] as string);
  if (!col) return null;
  const values = (m[3] as string)
    .replace(/["'()]/g, '')
    .split(',')
    .map((v) => v.trim());
  let op = m[2] as string;
  if (op === 'IN' && values.length === 1) op = '=';
  const conv = (v: string): unknown => (col.endsWith('_time') || col === 'version' ? Number(v) : v);
  if (op === 'IN') {
    params.push(...values.map(conv));
    return `${col} IN (${values.map(() => '?').join(',')})`;
  }
  const v = values[0] as string;
  if (op === '=' && v.includes('*')) {
    params.push(v.replace(/\*/g, '%').toLowerCase());
    return `lower(${col}) LIKE ?`;
  }
  params.push(conv(v));
  return `${col} ${op} ?`;
}

export function buildSearch(
  query: string | undefined,
  freeText: string | undefined,
  sort: string[],
): SearchSql {
  const params: unknown[] = [];
  const clauses: string[] = [];
  if (query && query.trim() !== '') {
    for (const part of query.split(' AND ')) {
      const c = condition(part, params);
      if (c) clauses.push(c);
    }
  }
  if (freeText && freeText.trim() !== '' && freeText !== '*') {
    clauses.push('lower(json) LIKE ?');
    params.push(`%${freeText.toLowerCase()}%`);
  }
  const order: string[] = [];
  for (const s of sort) {
    for (const item of s.split(',')) {
      const [field, dir] = item.split(':');
      const col = field ? column(field.trim()) : undefined;
      const d = (dir ?? '').trim().toUpperCase();
      if (col && (d === 'ASC' || d === 'DESC')) order.push(`${col} ${d}`);
    }
  }
  return {
    where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '',
    params,
    orderBy: order.length > 0 ? `ORDER BY ${order.join(', ')}` : 'ORDER BY rowid',
  };
}
