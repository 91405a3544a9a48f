/**
 * Task instances, one row each, listed per workflow in `seq` order. A task's `workflowTask` is usually the
 * workflow definition's own node for its reference name; then the row stores only that name (`$wt`) and
 * the node is re-attached from the (cached) definition on load — most of a task's JSON otherwise.
 */
import { parseJsonExact, stringifyJsonExact } from '../../json';
import type { TaskModel } from '../model/types';
import type { Db } from './db';
import type { WorkflowStore } from './workflows';

/** A loaded task together with the stored text it came from (for change detection). */
export interface LoadedTask {
  task: TaskModel;
  text: string;
}

type Stored = Omit<TaskModel, 'workflowTask'> & { workflowTask?: TaskModel['workflowTask']; $wt?: string };

export interface SearchPage {
  ids: string[];
  total: number;
}

export class TaskStore {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly workflows: WorkflowStore,
  ) {
    this.stmts = {
      get: db.prepare('SELECT json FROM tasks WHERE task_id = ?'),
      forWorkflow: db.prepare('SELECT json FROM tasks WHERE workflow_id = ? ORDER BY seq, rowid'),
      upsert: db.prepare(
        `INSERT INTO tasks (task_id, workflow_id, seq, ref_name, task_type, task_def_name, status, json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (task_id) DO UPDATE SET seq = excluded.seq, ref_name = excluded.ref_name,
           task_type = excluded.task_type, task_def_name = excluded.task_def_name, status = excluded.status,
           json = excluded.json`,
      ),
      delete: db.prepare('DELETE FROM tasks WHERE task_id = ?'),
      deleteForWorkflow: db.prepare('DELETE FROM tasks WHERE workflow_id = ?'),
      countInProgress: db.prepare(
        "SELECT COUNT(*) AS n FROM tasks WHERE task_def_name = ? AND status = 'IN_PROGRESS'",
      ),
    };
  }

  private revive(text: string): TaskModel {
    const stored = parseJsonExact(text) as Stored;
    if (stored.$wt !== undefined) {
      const ref = stored.$wt;
      delete stored.$wt;
      stored.workflowTask = this.workflows.definitionTask(stored.workflowInstanceId, ref);
    }
    return stored as TaskModel;
  }

  /**
   * The stored text for a task: `workflowTask` replaced by its reference (`$wt`, last) when it is the
   * definition's node. The node is set aside while the task is serialised, rather than copying the task
   * without it: this runs on every task save.
   */
  text(task: TaskModel): string {
    const wt = task.workflowTask;
    if (!wt || this.workflows.definitionTask(task.workflowInstanceId, wt.taskReferenceName) !== wt)
      return stringifyJsonExact(task);
    const ref = JSON.stringify(wt.taskReferenceName);
    let json: string;
    try {
      (task as { workflowTask?: unknown }).workflowTask = undefined;
      json = stringifyJsonExact(task);
    } finally {
      task.workflowTask = wt;
    }
    return json === '{}' ? `{"$wt":${ref}}` : `${json.slice(0, -1)},"$wt":${ref}}`;
  }

  get(taskId: string): TaskModel | undefined {
    return this.load(taskId)?.task;
  }

  load(taskId: string): LoadedTask | undefined {
    const row = this.stmts.get.get(taskId) as { json: string } | undefined;
    return row ? { task: this.revive(row.json), text: row.json } : undefined;
  }

  forWorkflow(workflowId: string): TaskModel[] {
    return this.loadForWorkflow(workflowId).map((l) => l.task);
  }

  loadForWorkflow(workflowId: string): LoadedTask[] {
    return (this.stmts.forWorkflow.all(workflowId) as { json: string }[]).map((r) => ({
      task: this.revive(r.json),
      text: r.json,
    }));
  }

  /** Stores a task; `text` (from `text(task)`) avoids serializing twice. */
  put(task: TaskModel, text: string = this.text(task)): void {
    // Positional parameters: a named one is a property lookup from native code, per parameter per save.
    this.stmts.upsert.run(
      task.taskId,
      task.workflowInstanceId,
      task.seq,
      task.referenceTaskName,
      task.taskType,
      task.taskDefName,
      task.status,
      text,
    );
  }

  delete(taskId: string): void {
    this.stmts.delete.run(taskId);
  }

  deleteForWorkflow(workflowId: string): void {
    this.stmts.deleteForWorkflow.run(workflowId);
  }

  /** Task ids for a search built by `api/search.ts` over `tasks t JOIN workflows w`. */
  search(where: string, params: unknown[], orderBy: string, limit: number, offset: number): SearchPage {
    return this.page(['COUNT(*)', 't.task_id'], where, orderBy, params, [limit, offset]);
  }

  /** Ids of the workflows having a task that matches (each once), for `search-by-tasks`. */
  searchWorkflows(
    where: string,
    params: unknown[],
    orderBy: string,
    limit: number,
    offset: number,
  ): SearchPage {
    const tail = `GROUP BY t.workflow_id ${orderBy}`;
    return this.page(['COUNT(DISTINCT t.workflow_id)', 't.workflow_id'], where, tail, params, [
      limit,
      offset,
    ]);
  }

  private page(
    [count, id]: [string, string],
    where: string,
    tail: string,
    params: unknown[],
    [limit, offset]: [number, number],
  ): SearchPage {
    const from = 'FROM tasks t JOIN workflows w ON w.workflow_id = t.workflow_id';
    const total = (this.db.prepare(`SELECT ${count} AS n ${from} ${where}`).get(...params) as { n: number })
      .n;
    const rows = this.db
      .prepare(`SELECT ${id} AS id ${from} ${where} ${tail} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as { id: string }[];
    return { ids: rows.map((r) => r.id), total };
  }

  countInProgress(taskDefName: string): number {
    return (this.stmts.countInProgress.get(taskDefName) as { n: number }).n;
  }
}
