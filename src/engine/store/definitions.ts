/** Task and workflow definitions. Small and read constantly by the decider, so cached in memory. */
import { parseJsonExact, stringifyJsonExact } from '../../json';
import type { TaskDef, WorkflowDef } from '../model/types';
import type { Db } from './db';

export class DefinitionStore {
  private readonly taskDefCache = new Map<string, TaskDef | null>();
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      getTaskDef: db.prepare('SELECT json FROM task_defs WHERE name = ?'),
      allTaskDefs: db.prepare('SELECT json FROM task_defs ORDER BY name'),
      upsertTaskDef: db.prepare(
        'INSERT INTO task_defs (name, json) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET json = excluded.json',
      ),
      deleteTaskDef: db.prepare('DELETE FROM task_defs WHERE name = ?'),
      getWorkflowDef: db.prepare('SELECT json FROM workflow_defs WHERE name = ? AND version = ?'),
      latestWorkflowDef: db.prepare(
        'SELECT json FROM workflow_defs WHERE name = ? ORDER BY version DESC LIMIT 1',
      ),
      allWorkflowDefs: db.prepare('SELECT json FROM workflow_defs ORDER BY name, version'),
      versions: db.prepare('SELECT json FROM workflow_defs WHERE name = ? ORDER BY version'),
      upsertWorkflowDef: db.prepare(
        'INSERT INTO workflow_defs (name, version, json) VALUES (?, ?, ?) ' +
          'ON CONFLICT (name, version) DO UPDATE SET json = excluded.json',
      ),
      deleteWorkflowDef: db.prepare('DELETE FROM workflow_defs WHERE name = ? AND version = ?'),
    };
  }

  getTaskDef(name: string): TaskDef | undefined {
    const cached = this.taskDefCache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    const row = this.stmts.getTaskDef.get(name) as { json: string } | undefined;
    const def = row ? (parseJsonExact(row.json) as TaskDef) : null;
    this.taskDefCache.set(name, def);
    return def ?? undefined;
  }

  allTaskDefs(): TaskDef[] {
    return (this.stmts.allTaskDefs.all() as { json: string }[]).map((r) => parseJsonExact(r.json) as TaskDef);
  }

  putTaskDef(def: TaskDef): void {
    this.stmts.upsertTaskDef.run(def.name, stringifyJsonExact(def));
    this.taskDefCache.delete(def.name);
  }

  deleteTaskDef(name: string): boolean {
    this.taskDefCache.delete(name);
    return this.stmts.deleteTaskDef.run(name).changes > 0;
  }

  /** Drop cached entries; called when a transaction that wrote definitions rolls back. */
  invalidate(): void {
    this.taskDefCache.clear();
  }

  getWorkflowDef(name: string, version?: number): WorkflowDef | undefined {
    const row = (
      version === undefined
        ? this.stmts.latestWorkflowDef.get(name)
        : this.stmts.getWorkflowDef.get(name, version)
    ) as { json: string } | undefined;
    return row ? (parseJsonExact(row.json) as WorkflowDef) : undefined;
  }

  allWorkflowDefs(): WorkflowDef[] {
    return (this.stmts.allWorkflowDefs.all() as { json: string }[]).map(
      (r) => parseJsonExact(r.json) as WorkflowDef,
    );
  }

  workflowVersions(name: string): WorkflowDef[] {
    return (this.stmts.versions.all(name) as { json: string }[]).map(
      (r) => parseJsonExact(r.json) as WorkflowDef,
    );
  }

  putWorkflowDef(def: WorkflowDef): void {
    this.stmts.upsertWorkflowDef.run(def.name, def.version, stringifyJsonExact(def));
  }

  deleteWorkflowDef(name: string, version: number): boolean {
    return this.stmts.deleteWorkflowDef.run(name, version).changes > 0;
  }
}
