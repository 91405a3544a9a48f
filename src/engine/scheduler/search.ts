/**
 * The `query` and `sort` of `GET /api/scheduler/search/executions` (Conductor's `SchedulerSearchQuery`):
 * clauses joined by ` AND `; `scheduleName IN (a,b)`, `state IN (EXECUTED,FAILED)`, `scheduledTime>N`,
 * `scheduledTime<N`, `workflowName=x` (substring), `executionId=x`; a clause that is none of these is a
 * schedule name. Also accepted (the UI and Orkes spell them so; Conductor OSS would treat them as schedule
 * names): `status`→state, `workflowType`→workflowName, `startTime`→scheduledTime, quoted values, `=` and
 * `:` for a single value, and `workflowId=x`. Sort: `field:ASC|DESC`, newest slot first by default.
 */
import { BadRequestError } from '../api-errors';

const COLUMNS: Record<string, string> = {
  scheduleName: 'schedule_name',
  state: 'state',
  status: 'state',
  scheduledTime: 'scheduled_time',
  startTime: 'scheduled_time',
  executionTime: 'execution_time',
  workflowName: 'workflow_name',
  workflowType: 'workflow_name',
  executionId: 'execution_id',
  workflowId: 'workflow_id',
};

const TIME_COLUMNS = new Set(['scheduled_time', 'execution_time']);

function unquote(v: string): string {
  return v.trim().replace(/^(['"])(.*)\1$/, '$2');
}

function clause(text: string, params: unknown[]): string {
  const m = /^([A-Za-z_]+)\s*(IN\b|=|:|>|<)\s*(.*)$/i.exec(text);
  const column = m ? COLUMNS[m[1] as string] : undefined;
  if (!m || !column) {
    params.push(unquote(text));
    return 'schedule_name = ?';
  }
  const op = (m[2] as string).toUpperCase();
  const raw = (m[3] as string).trim();
  if (op === '>' || op === '<') {
    const n = Number(unquote(raw));
    if (!TIME_COLUMNS.has(column) || !Number.isFinite(n))
      throw new BadRequestError(
        `Invalid query clause '${text}': ${m[1]}${op} needs a time field and epoch milliseconds`,
      );
    params.push(n);
    return `${column} ${op} ?`;
  }
  const values =
    op === 'IN'
      ? raw
          .replace(/^\(/, '')
          .replace(/\)$/, '')
          .split(',')
          .map(unquote)
          .filter((v) => v !== '')
      : [unquote(raw)];
  if (column === 'workflow_name') {
    params.push(...values.map((v) => `%${v.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    return `(${values.map(() => "workflow_name LIKE ? ESCAPE '\\'").join(' OR ')})`;
  }
  if (TIME_COLUMNS.has(column)) {
    const nums = values.map(Number);
    if (nums.some((n) => !Number.isFinite(n)))
      throw new BadRequestError(`Invalid query clause '${text}': ${m[1]} takes epoch milliseconds`);
    params.push(...nums);
  } else params.push(...(column === 'state' ? values.map((v) => v.toUpperCase()) : values));
  if (values.length === 0) return '0';
  return `${column} IN (${values.map(() => '?').join(', ')})`;
}

function orderBy(sort: string | undefined): string {
  const parts = (sort ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const terms = parts.map((p) => {
    const [field = '', dir = 'DESC'] = p.split(':');
    const column = COLUMNS[field.trim()] ?? 'scheduled_time';
    return `${column} ${dir.trim().toUpperCase() === 'ASC' ? 'ASC' : 'DESC'}`;
  });
  if (terms.length === 0) terms.push('scheduled_time DESC');
  return `${terms.join(', ')}, execution_time DESC, execution_id`;
}

export function executionQuery(
  query: string | undefined,
  sort: string | undefined,
): { where: string; params: unknown[]; orderBy: string } {
  const params: unknown[] = [];
  const text = (query ?? '').trim();
  const where =
    text === '' || text === '*'
      ? ''
      : text
          .split(/\s+AND\s+/i)
          .map((c) => clause(c.trim(), params))
          .join(' AND ');
  return { where, params, orderBy: orderBy(sort) };
}
