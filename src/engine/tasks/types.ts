/**
 * Contracts between the decider and the task types: a mapper turns a WorkflowTask into the task instances
 * to schedule (Conductor's TaskMapper); a system task implements start/execute/cancel (WorkflowSystemTask).
 */
import type { JsonObject } from '../../json';
import type { EngineContext } from '../context';
import type { StartWorkflowInput, TaskDef, TaskModel, WorkflowModel, WorkflowTask } from '../model/types';

export interface Scheduler {
  getTasksToBeScheduled(
    wf: WorkflowModel,
    workflowTask: WorkflowTask,
    retryCount: number,
    retriedTaskId?: string,
  ): TaskModel[];
}

export interface MapperContext {
  ctx: EngineContext;
  wf: WorkflowModel;
  workflowTask: WorkflowTask;
  taskDef: TaskDef | undefined;
  /** The WorkflowTask's inputParameters resolved without any TaskDef template. */
  taskInput: JsonObject;
  retryCount: number;
  retriedTaskId: string | undefined;
  taskId: string;
  scheduler: Scheduler;
}

export type Mapper = (m: MapperContext) => TaskModel[];

/** Operations system tasks need from the executor (kept narrow to avoid import cycles). */
export interface ExecutorApi {
  /** Starts a workflow in the current transaction and returns it as stored after its first decide. */
  startWorkflow(input: StartWorkflowInput): WorkflowModel;
  getWorkflow(workflowId: string, includeTasks: boolean): WorkflowModel | undefined;
  /** Terminates another workflow (used to cancel a child when its parent ends). */
  terminateWorkflow(wf: WorkflowModel, reason: string): void;
  scheduleNextIteration(loopTask: TaskModel, wf: WorkflowModel): void;
  /** Schedules `first` (a SWITCH case's first task) as `parent` would have: same retry count and loop iteration. */
  scheduleChildren(wf: WorkflowModel, parent: TaskModel, first: WorkflowTask): void;
  /** Publishes an event message on a queue (`conductor:…` or any other name). */
  publishEvent(queue: string, messageId: string, payload: JsonObject): void;
  /** Removes tasks from the workflow and the store (DO_WHILE keepLastN). */
  removeTasks(wf: WorkflowModel, taskIds: string[]): void;
}

export interface SystemTask {
  /** Called once when the task is scheduled (sync tasks) or first picked up (async tasks). */
  start?(wf: WorkflowModel, task: TaskModel, exec: ExecutorApi): void;
  /** Called on every decide while the task is not terminal; returns true when it changed state. */
  execute?(wf: WorkflowModel, task: TaskModel, exec: ExecutorApi): boolean;
  cancel?(wf: WorkflowModel, task: TaskModel, exec: ExecutorApi): void;
}
