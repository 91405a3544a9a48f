/** Mappers by WorkflowTask type and system-task behaviours by task type. */
import type { EngineContext } from '../context';
import { T } from '../model/task-types';
import { doWhileTask, mapDoWhile } from './do-while';
import { mapDynamic } from './dynamic';
import { eventTask, mapEvent } from './event';
import { mapForkJoin } from './fork-join';
import { mapForkJoinDynamic } from './fork-join-dynamic';
import { mapHttp } from './http';
import { inlineTask, lambdaTask, mapInline, mapLambda } from './inline';
import { join, mapJoin } from './join';
import { kafkaPublishTask, mapKafkaPublish } from './kafka-publish';
import { mapJsonJq } from './json-jq';
import { mapNoop, noopTask } from './noop';
import { mapSetVariable, setVariableTask } from './set-variable';
import { mapSimple, mapUserDefined } from './simple';
import { mapStartWorkflow, startWorkflowTask } from './start-workflow';
import { mapSubWorkflow, subWorkflowTask } from './sub-workflow';
import { mapDecision, mapSwitch, switchTask } from './switch';
import { mapTerminate, terminateTask } from './terminate';
import type { Mapper, SystemTask } from './types';
import { humanTask, mapHuman, mapWait, waitTask } from './wait';

const MAPPERS: Record<string, Mapper> = {
  [T.SIMPLE]: mapSimple,
  [T.FORK_JOIN]: mapForkJoin,
  [T.JOIN]: mapJoin,
  [T.FORK_JOIN_DYNAMIC]: mapForkJoinDynamic,
  [T.SWITCH]: mapSwitch,
  [T.DECISION]: mapDecision,
  [T.DO_WHILE]: mapDoWhile,
  [T.SUB_WORKFLOW]: mapSubWorkflow,
  [T.INLINE]: mapInline,
  [T.LAMBDA]: mapLambda,
  [T.SET_VARIABLE]: mapSetVariable,
  [T.TERMINATE]: mapTerminate,
  [T.WAIT]: mapWait,
  [T.HUMAN]: mapHuman,
  [T.EVENT]: mapEvent,
  [T.HTTP]: mapHttp,
  [T.START_WORKFLOW]: mapStartWorkflow,
  [T.NOOP]: mapNoop,
  [T.JSON_JQ_TRANSFORM]: mapJsonJq,
  [T.DYNAMIC]: mapDynamic,
  [T.KAFKA_PUBLISH]: mapKafkaPublish,
};

export function mapperFor(type: string): Mapper {
  return MAPPERS[type] ?? mapUserDefined;
}

/** Behaviour of each system task type (HTTP and JSON_JQ_TRANSFORM run in the async runner instead). */
export function createSystemTasks(ctx: EngineContext): Record<string, SystemTask> {
  return {
    [T.FORK]: {},
    [T.JOIN]: join,
    [T.SWITCH]: switchTask(ctx),
    [T.DECISION]: switchTask(ctx),
    [T.DO_WHILE]: doWhileTask(ctx),
    [T.SUB_WORKFLOW]: subWorkflowTask,
    [T.INLINE]: inlineTask(ctx),
    [T.LAMBDA]: lambdaTask(ctx),
    [T.SET_VARIABLE]: setVariableTask(ctx),
    [T.TERMINATE]: terminateTask,
    [T.WAIT]: waitTask(ctx.clock),
    [T.HUMAN]: humanTask,
    [T.EVENT]: eventTask(ctx),
    [T.START_WORKFLOW]: startWorkflowTask,
    [T.NOOP]: noopTask,
    [T.HTTP]: { cancel: (_wf, task) => void (task.status = 'CANCELED') },
    [T.JSON_JQ_TRANSFORM]: {},
    [T.KAFKA_PUBLISH]: kafkaPublishTask,
  };
}
