/**
 * Workflow executions. The row holds the workflow without its tasks (they live in `tasks`) and its embedded
 * definition in a separate column: the JSON itself, or `@<key>` for a registered definition shared by many
 * executions, stored once in `definition_texts` (a row is rewritten on every change of its workflow).
 * Parsed definitions are cached per workflow, and shared ones (frozen) per key, with an index of their tasks
 * by reference name: the engine is the only writer, every write goes through `put`, and a rolled-back
 * transaction clears the caches.
 */
import { parseJsonExact, stringifyJsonExact } from '../../json';
import { collectDefTasks } from '../model/def-tree';
import { deepFreeze } from '../model/populate';
import type { WorkflowDef, WorkflowModel, WorkflowStatus, WorkflowTask } from '../model/types';
import type { Db } from './db';
import type { SharedDefinition } from './definitions';

interface CachedDef {
  def: WorkflowDef;
  /** What the row's `definition` column holds for `def`. */
  column: string;
}

const DEF_CACHE_LIMIT = 2000;
const SHARED_DEF_LIMIT = 500;
/** Marks a `definition` column holding a key of `definition_texts` (JSON text never starts with it). */
const SHARED = '@';

type StoredWorkflow = Omit<WorkflowModel, 'tasks' | 'workflowDefinition'>;

export interface WorkflowRowFilter {
  name?: string;
  statuses?: WorkflowStatus[];
  correlationId?: string;
}

/**
 * The JSON a workflow's row holds: the workflow without its tasks and definition (set aside while it is
 * serialised rather than copying the workflow without them: this runs twice on every workflow save).
 */
export function workflowRowJson(wf: Omit<WorkflowModel, 'tasks'> & { tasks?: unknown }): string {
  const target = wf as { workflowDefinition?: unknown; tasks?: unknown };
  const { workflowDefinition, tasks } = target;
  // Only properties the object has are touched (adding one would change its shape).
  const hasDef = 'workflowDefinition' in target;
  const hasTasks = 'tasks' in target;
  try {
    if (hasDef) target.workflowDefinition = undefined;
    if (hasTasks) target.tasks = undefined;
    return stringifyJsonExact(wf);
  } finally {
    if (hasDef) target.workflowDefinition = workflowDefinition;
    if (hasTasks) target.tasks = tasks;
  }
}

export class WorkflowStore {
  private readonly defCache = new Map<string, CachedDef>();
  /** Shared definitions read back from `definition_texts`, frozen, by key. */
  private readonly sharedDefs = new Map<string, WorkflowDef>();
  /** Each definition's tasks by reference name (the objects its tasks share). */
  private readonly byRef = new WeakMap<WorkflowDef, Map<string, WorkflowTask>>();
  private readonly stmts;
  /**
   * New workflows whose row is written by their first save rather than when created (see
   * `Persistence.insertWorkflow`), by id: every read of this store writes a pending row first.
   */
  private readonly pending = new Map<string, () => void>();

  constructor(private readonly db: Db) {
    this.stmts = {
      get: db.prepare('SELECT json FROM workflows WHERE workflow_id = ?'),
      definition: db.prepare('SELECT definition FROM workflows WHERE workflow_id = ?'),
      exists: db.prepare('SELECT 1 FROM workflows WHERE workflow_id = ?'),
      idsFrom: db.prepare('SELECT workflow_id FROM workflows WHERE workflow_id >= ? AND workflow_id < ?'),
      status: db.prepare('SELECT status FROM workflows WHERE workflow_id = ?'),
      upsert: db.prepare(
        `INSERT INTO workflows (workflow_id, name, version, status, correlation_id, parent_workflow_id,
           create_time, update_time, end_time, json, definition)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (workflow_id) DO UPDATE SET name = excluded.name, version = excluded.version,
           status = excluded.status, correlation_id = excluded.correlation_id,
           parent_workflow_id = excluded.parent_workflow_id, create_time = excluded.create_time,
           update_time = excluded.update_time, end_time = excluded.end_time, json = excluded.json,
           definition = excluded.definition`,
      ),
      delete: db.prepare('DELETE FROM workflows WHERE workflow_id = ?'),
      sharedText: db.prepare('SELECT json FROM definition_texts WHERE key = ?'),
      putSharedText: db.prepare(
        'INSERT INTO definition_texts (key, json) VALUES (?, ?) ON CONFLICT DO NOTHING',
      ),
      runningIds: db.prepare(
        "SELECT workflow_id FROM workflows WHERE name = ? AND version = ? AND status IN ('RUNNING','PAUSED') " +
          'AND create_time >= ? AND create_time <= ? ORDER BY create_time',
      ),
      byCorrelation: db.prepare(
        'SELECT workflow_id, status FROM workflows WHERE name = ? AND correlation_id = ? ORDER BY create_time',
      ),
    };
  }

  /** `write` stores `workflowId`'s row; it runs at its first save, or before anything here reads it. */
  writeLater(workflowId: string, write: () => void): void {
    this.pending.set(workflowId, write);
  }

  /** A pending row that must not be written (its start failed). */
  dropPending(workflowId: string): void {
    this.pending.delete(workflowId);
  }

  /** Writes the pending row of `workflowId`, if there is one; whether there was. */
  writePending(workflowId: string): boolean {
    const write = this.pending.get(workflowId);
    if (!write) return false;
    this.pending.delete(workflowId);
    write();
    return true;
  }

  /** Writes the pending row of `workflowId` (of every workflow when left out) before a read. */
  private settle(workflowId?: string): void {
    if (this.pending.size === 0) return;
    if (workflowId !== undefined) this.writePending(workflowId);
    else for (const id of [...this.pending.keys()]) this.writePending(id);
  }

  get(workflowId: string): Omit<WorkflowModel, 'tasks'> | undefined {
    this.settle(workflowId);
    const row = this.stmts.get.get(workflowId) as { json: string } | undefined;
    if (!row) return undefined;
    const wf = parseJsonExact(row.json) as StoredWorkflow & { workflowDefinition: WorkflowDef };
    wf.workflowDefinition = this.cachedDef(workflowId)?.def as WorkflowDef;
    return wf;
  }

  /** The workflow's status without reading the rest of it (its input may be large). */
  status(workflowId: string): WorkflowStatus | undefined {
    this.settle(workflowId);
    return (this.stmts.status.get(workflowId) as { status: WorkflowStatus } | undefined)?.status;
  }

  exists(workflowId: string): boolean {
    if (this.pending.has(workflowId)) return true;
    return this.stmts.exists.get(workflowId) !== undefined;
  }

  /** Ids of the workflows whose id starts with `prefix` (of letters, digits and `-`: all sort below `~`). */
  idsFrom(prefix: string): string[] {
    this.settle();
    return (this.stmts.idsFrom.all(prefix, `${prefix}~`) as { workflow_id: string }[]).map(
      (r) => r.workflow_id,
    );
  }

  private cachedDef(workflowId: string): CachedDef | undefined {
    const cached = this.defCache.get(workflowId);
    if (cached) return cached;
    this.settle(workflowId);
    const settled = this.defCache.get(workflowId);
    if (settled) return settled;
    const row = this.stmts.definition.get(workflowId) as { definition: string } | undefined;
    if (!row) return undefined;
    const column = row.definition;
    const def = column.startsWith(SHARED)
      ? this.sharedDef(column.slice(SHARED.length))
      : (parseJsonExact(column) as WorkflowDef);
    return this.remember(workflowId, { column, def });
  }

  private sharedDef(key: string): WorkflowDef {
    const hit = this.sharedDefs.get(key);
    if (hit) return hit;
    const row = this.stmts.sharedText.get(key) as { json: string } | undefined;
    if (!row) throw new Error(`engine: stored definition ${key} is missing`);
    const def = deepFreeze(parseJsonExact(row.json) as WorkflowDef);
    if (this.sharedDefs.size >= SHARED_DEF_LIMIT) this.sharedDefs.clear();
    this.sharedDefs.set(key, def);
    return def;
  }

  /**
   * `shared.def` is this workflow's definition: its row will store the key only. The text is stored if
   * missing until a commit is known to have stored it: a rolled-back savepoint may have undone an insert.
   */
  useSharedDefinition(workflowId: string, shared: SharedDefinition): void {
    if (!shared.committed) this.stmts.putSharedText.run(shared.key, shared.text);
    this.remember(workflowId, { column: SHARED + shared.key, def: shared.def });
  }

  private remember(workflowId: string, entry: CachedDef): CachedDef {
    if (!this.defCache.has(workflowId) && this.defCache.size >= DEF_CACHE_LIMIT) {
      const oldest = this.defCache.keys().next().value;
      if (oldest !== undefined) this.defCache.delete(oldest);
    }
    this.defCache.set(workflowId, entry);
    return entry;
  }

  /** The workflow's definition task with this reference name (the object shared by its tasks). */
  definitionTask(workflowId: string, ref: string): WorkflowTask | undefined {
    const def = this.cachedDef(workflowId)?.def;
    if (!def) return undefined;
    let index = this.byRef.get(def);
    if (!index) {
      index = new Map();
      for (const wt of collectDefTasks(def))
        if (!index.has(wt.taskReferenceName)) index.set(wt.taskReferenceName, wt);
      this.byRef.set(def, index);
    }
    return index.get(ref);
  }

  /** Stores the workflow; returns the JSON of its row (the workflow without tasks and definition). */
  put(wf: Omit<WorkflowModel, 'tasks'> & { tasks?: unknown }): string {
    this.pending.delete(wf.workflowId);
    const workflowDefinition = wf.workflowDefinition;
    const cached = this.defCache.get(wf.workflowId);
    let definition: string;
    if (cached && cached.def === workflowDefinition) definition = cached.column;
    else {
      definition = stringifyJsonExact(workflowDefinition);
      this.remember(wf.workflowId, { column: definition, def: workflowDefinition });
    }
    const json = workflowRowJson(wf);
    // Positional parameters (cheaper to bind than named ones: this runs on every workflow save).
    this.stmts.upsert.run(
      wf.workflowId,
      wf.workflowName,
      wf.workflowVersion,
      wf.status,
      wf.correlationId ?? null,
      wf.parentWorkflowId ?? null,
      wf.createTime,
      wf.updateTime,
      wf.endTime,
      json,
      definition,
    );
    return json;
  }

  delete(workflowId: string): void {
    this.pending.delete(workflowId);
    this.stmts.delete.run(workflowId);
    this.defCache.delete(workflowId);
  }

  invalidate(): void {
    this.pending.clear();
    this.defCache.clear();
    this.sharedDefs.clear();
  }

  runningIds(name: string, version: number, from: number, to: number): string[] {
    this.settle();
    return (this.stmts.runningIds.all(name, version, from, to) as { workflow_id: string }[]).map(
      (r) => r.workflow_id,
    );
  }

  byCorrelation(name: string, correlationId: string): { workflowId: string; status: WorkflowStatus }[] {
    this.settle();
    return (
      this.stmts.byCorrelation.all(name, correlationId) as { workflow_id: string; status: WorkflowStatus }[]
    ).map((r) => ({ workflowId: r.workflow_id, status: r.status }));
  }

  /** Runs a search built by `search.ts` (SQL fragment + parameters) and returns workflow ids. */
  search(
    where: string,
    params: unknown[],
    orderBy: string,
    limit: number,
    offset: number,
  ): { ids: string[]; total: number } {
    this.settle();
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM workflows ${where}`).get(...params) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT workflow_id FROM workflows ${where} ${orderBy} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as { workflow_id: string }[];
    return { ids: rows.map((r) => r.workflow_id), total };
  }
}
