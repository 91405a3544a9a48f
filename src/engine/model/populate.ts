/**
 * `MetadataMapperService.populateTaskDefinitions`: the definition an execution embeds has a TaskDef on every
 * task (the registered one, or Conductor's ad-hoc defaults) and a fixed version on every SUB_WORKFLOW that
 * names its child by a literal name without a version (the latest one at start).
 */
import { jsonRoundTrip } from '../../json';
import { collectDefTasks } from './def-tree';
import { adHocTaskDef } from './defaults';
import { T } from './task-types';
import type { TaskDef, WorkflowDef } from './types';

/** Where registered task and workflow definitions are looked up. */
export interface DefinitionLookup {
  getTaskDef(name: string): TaskDef | undefined;
  getWorkflowDef(name: string, version?: number): WorkflowDef | undefined;
}

/** A deep copy of `def` with `taskDefinition` filled on every task (the execution's embedded definition). */
export function populateTaskDefinitions(defs: DefinitionLookup, def: WorkflowDef): WorkflowDef {
  const copy = jsonRoundTrip(def);
  for (const wt of collectDefTasks(copy)) {
    if (!wt.taskDefinition && wt.name)
      wt.taskDefinition = defs.getTaskDef(wt.name) ?? adHocTaskDef(wt.name, wt.type);
    const sub = wt.subWorkflowParam;
    if (wt.type === T.SUB_WORKFLOW && sub && (sub.version === undefined || sub.version === null)) {
      const name = typeof sub.name === 'string' ? sub.name : '';
      if (name && !name.includes('${')) {
        const latest = defs.getWorkflowDef(name);
        if (latest) sub.version = latest.version;
      }
    }
  }
  return copy;
}

/**
 * Freezes `value` and everything in it. A definition shared by many executions is frozen, so a change
 * meant for one of them fails loudly instead of reaching the others.
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
