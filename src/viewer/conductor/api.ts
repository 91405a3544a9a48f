/**
 * The run pages read workflows through Conductor's HTTP API (`GET /api/workflow/search`,
 * `GET /api/workflow/{id}?includeTasks=true`), so they work against the embedded engine and a real Conductor
 * alike. Whoever mounts the viewer decides how it authenticates (`auth`); a refused token (401) is
 * renewed and the request repeated once, as the SDK does.
 */
import { NbcError } from '../../errors';
import { NO_AUTH, type ConductorAuth } from './auth';
import type { JsonObject } from '../../json';

export interface WorkflowSummaryRow {
  workflowId: string;
  workflowType: string;
  version: number | null;
  status: string;
  /** ISO text (Conductor's WorkflowSummary). */
  startTime: string | null;
  endTime: string | null;
  /** ms */
  executionTime: number | null;
  correlationId: string | null;
  reasonForIncompletion: string | null;
  /** The event that started it, if any. */
  event: string | null;
  createdBy: string | null;
}

export interface WorkflowSearch {
  /** Conductor's search query, e.g. `workflowType IN (a,b) AND status IN (FAILED)`. */
  query: string;
  freeText: string;
  start: number;
  size: number;
  sort: string;
}

export interface RunsApi {
  search(
    q: WorkflowSearch,
    signal?: AbortSignal,
  ): Promise<{ totalHits: number; results: WorkflowSummaryRow[] }>;
  /** The execution with its tasks (Conductor's Workflow JSON), or null when there is no such workflow. */
  workflow(workflowId: string, signal?: AbortSignal): Promise<JsonObject | null>;
}

export interface HttpRunsApiOptions {
  /** Conductor's base URL (without /api); a function when it is known only once a server listens. */
  baseUrl: string | (() => string);
  /** Credentials (`conductorAuth`); none by default. */
  auth?: ConductorAuth;
  timeoutMs?: number;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function summaryRow(r: JsonObject): WorkflowSummaryRow {
  return {
    workflowId: str(r.workflowId) ?? '',
    workflowType: str(r.workflowType) ?? str(r.workflowName) ?? '',
    version: num(r.version),
    status: str(r.status) ?? 'UNKNOWN',
    startTime:
      str(r.startTime) ?? (typeof r.startTime === 'number' ? new Date(r.startTime).toISOString() : null),
    endTime:
      str(r.endTime) ??
      (typeof r.endTime === 'number' && r.endTime > 0 ? new Date(r.endTime).toISOString() : null),
    executionTime: num(r.executionTime),
    correlationId: str(r.correlationId),
    reasonForIncompletion: str(r.reasonForIncompletion),
    event: str(r.event),
    createdBy: str(r.createdBy),
  };
}

export function createHttpRunsApi(o: HttpRunsApiOptions): RunsApi {
  const base = (): string => (typeof o.baseUrl === 'string' ? o.baseUrl : o.baseUrl()).replace(/\/+$/, '');
  const auth = o.auth ?? NO_AUTH;

  async function send(url: string, signal: AbortSignal): Promise<Response> {
    return fetch(url, {
      headers: { accept: 'application/json', ...(await auth.headers()) },
      signal,
      redirect: 'error',
    });
  }

  async function get(path: string, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
    const timeout = AbortSignal.timeout(o.timeoutMs ?? 15_000);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const url = `${base()}${path}`;
    let res: Response;
    try {
      res = await send(url, both);
      if (res.status === 401 && auth !== NO_AUTH) {
        await res.arrayBuffer();
        auth.refused();
        res = await send(url, both);
      }
    } catch (err) {
      if (err instanceof NbcError) throw err;
      throw new NbcError('E_CONDUCTOR', `cannot reach Conductor at ${base()}: ${(err as Error).message}`, {
        uri: base(),
      });
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // keep the text (error messages)
    }
    if (res.status >= 400 && res.status !== 404) {
      const message =
        typeof body === 'object' && body !== null ? String((body as JsonObject).message ?? text) : text;
      throw new NbcError('E_CONDUCTOR', `Conductor answered ${res.status} to GET ${path}: ${message}`, {
        uri: base(),
        status: res.status,
      });
    }
    return { status: res.status, body };
  }

  return {
    async search(q, signal) {
      const params = new URLSearchParams({
        start: String(q.start),
        size: String(q.size),
        sort: q.sort,
        freeText: q.freeText || '*',
        query: q.query,
      });
      const { status, body } = await get(`/api/workflow/search?${params.toString()}`, signal);
      if (status === 404 || typeof body !== 'object' || body === null) return { totalHits: 0, results: [] };
      const b = body as JsonObject;
      const results = Array.isArray(b.results)
        ? b.results.filter((r): r is JsonObject => typeof r === 'object' && r !== null)
        : [];
      return { totalHits: num(b.totalHits) ?? results.length, results: results.map(summaryRow) };
    },

    async workflow(workflowId, signal) {
      const { status, body } = await get(
        `/api/workflow/${encodeURIComponent(workflowId)}?includeTasks=true`,
        signal,
      );
      if (status === 404 || typeof body !== 'object' || body === null) return null;
      return body as JsonObject;
    },
  };
}
