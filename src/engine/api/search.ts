/**
 * Workflow and task search with the query grammar of Conductor's SQL indexers (`SqliteIndexQueryBuilder`):
 * conditions joined by ` AND `, each `field = value`, `field > value`, `field < value` or
 * `field IN (a,b)`; quotes and parentheses stripped; `*` in a value is a wildcard; `*Time` values are epoch
 * ms; unknown fields are ignored. `freeText` (≠ `*`) matches anywhere in the record's JSON; `sort` is
 * `field:ASC|DESC`.
 */
import { BadRequestError } from '../api-errors';

/** A searchable field: its SQL expression, and whether its values are numbers (times, versions). */
export interface SearchField {
  sql: string;
  numeric?: boolean;
}
export type SearchFields = Record<string, SearchField>;

/** Over the `workflows` table. */
export const WORKFLOW_FIELDS: SearchFields = {
  workflowId: { sql: 'workflow_id' },
  correlationId: { sql: 'correlation_id' },
  workflowType: { sql: 'name' },
  status: { sql: 'status' },
  startTime: { sql: 'create_time', numeric: true },
  endTime: { sql: 'end_time', numeric: true },
  updateTime: { sql: 'update_time', numeric: true },
  parentWorkflowId: { sql: 'parent_workflow_id' },
  version: { sql: 'version', numeric: true },
};

const taskTime = (field: string): SearchField => ({
  sql: `json_extract(t.json, '$.${field}')`,
  numeric: true,
});

/** Over `tasks t JOIN workflows w` (Conductor's task index: task id, type, definition name, status, times). */
export const TASK_FIELDS: SearchFields = {
  taskId: { sql: 't.task_id' },
  taskType: { sql: 't.task_type' },
  taskDefName: { sql: 't.task_def_name' },
  status: { sql: 't.status' },
  referenceTaskName: { sql: 't.ref_name' },
  workflowId: { sql: 't.workflow_id' },
  workflowType: { sql: 'w.name' },
  correlationId: { sql: 'w.correlation_id' },
  scheduledTime: taskTime('scheduledTime'),
  startTime: taskTime('startTime'),
  endTime: taskTime('endTime'),
  updateTime: taskTime('updateTime'),
};

export interface SearchSql {
  where: string;
  params: unknown[];
  orderBy: string;
}

function field(fields: SearchFields, name: string): SearchField | undefined {
  const camel = name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return Object.prototype.hasOwnProperty.call(fields, camel) ? fields[camel] : undefined;
}

function condition(fields: SearchFields, text: string, params: unknown[]): string | null {
  const m = /^([a-zA-Z_]+)\s?(=|>|<|IN)\s?(.*)$/.exec(text.trim());
  if (!m) throw new BadRequestError(`Incorrectly formatted query string: ${text}`);
  const f = field(fields, m[1] as string);
  if (!f) return null;
  const col = f.sql;
  const values = (m[3] as string)
    .replace(/["'()]/g, '')
    .split(',')
    .map((v) => v.trim());
  let op = m[2] as string;
  if (op === 'IN' && values.length === 1) op = '=';
  const conv = (v: string): unknown => (f.numeric === true ? Number(v) : v);
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

export interface SearchOptions {
  fields: SearchFields;
  /** The JSON column `freeText` searches. */
  text: string;
  /** Ordering when `sort` names nothing known. */
  defaultOrder: string;
  /** Wraps each sort expression (e.g. `MIN` when results are grouped). */
  aggregate?: string;
}

export function buildSearch(
  query: string | undefined,
  freeText: string | undefined,
  sort: string[],
  options: SearchOptions = { fields: WORKFLOW_FIELDS, text: 'json', defaultOrder: 'rowid' },
): SearchSql {
  const params: unknown[] = [];
  const clauses: string[] = [];
  if (query && query.trim() !== '') {
    for (const part of query.split(' AND ')) {
      const c = condition(options.fields, part, params);
      if (c) clauses.push(c);
    }
  }
  if (freeText && freeText.trim() !== '' && freeText !== '*') {
    clauses.push(`lower(${options.text}) LIKE ?`);
    params.push(`%${freeText.toLowerCase()}%`);
  }
  const order: string[] = [];
  for (const s of sort) {
    for (const item of s.split(',')) {
      const [name, dir] = item.split(':');
      const f = name ? field(options.fields, name.trim()) : undefined;
      const d = (dir ?? '').trim().toUpperCase() || 'ASC';
      const expr = f && options.aggregate ? `${options.aggregate}(${f.sql})` : f?.sql;
      if (expr && (d === 'ASC' || d === 'DESC')) order.push(`${expr} ${d}`);
    }
  }
  return {
    where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '',
    params,
    orderBy: `ORDER BY ${order.length > 0 ? order.join(', ') : options.defaultOrder}`,
  };
}

/** The most results one search returns. */
export const MAX_SEARCH = 5000;

export interface SearchRequest {
  start: number;
  size: number;
  query: string | undefined;
  freeText: string;
  sort: string[];
}

/** `start`, `size` (default 100), `query`, `freeText` (default `*`) and `sort` of a search request. */
export function searchRequest(query: URLSearchParams): SearchRequest {
  const start = Number(query.get('start') ?? '0');
  const size = Number(query.get('size') ?? '100');
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(size) || size < 0) {
    throw new BadRequestError('start and size must be non-negative integers');
  }
  if (size > MAX_SEARCH) throw new BadRequestError(`Cannot return more than ${MAX_SEARCH} results`);
  return {
    start,
    size,
    query: query.get('query') ?? undefined,
    freeText: query.get('freeText') ?? '*',
    sort: query.getAll('sort'),
  };
}
