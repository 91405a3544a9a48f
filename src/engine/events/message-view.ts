/**
 * The stored event messages of one event as the Orkes API's `EventMessage` (`GET /api/event/message/{event}`,
 * the SDK's `EventClient.getEventMessages`): each message with its payload, what became of it, and the
 * executions it caused, so a message that ran nothing is visible with the reason.
 */
import { isPlainObject, parseJsonExact, type JsonObject } from '../../json';
import type { EventExecution, EventMessage, EventStore } from '../store/events';

const MAX_PAGE = 1000;

export interface EventMessageView {
  id: string;
  eventTarget: string;
  eventType: 'MESSAGE';
  payload: string;
  /** The payload parsed, when it is a JSON object. */
  fullPayload?: JsonObject;
  createdAt: number;
  status: 'RECEIVED' | 'HANDLED' | 'REJECTED';
  statusDescription: string;
  eventExecutions: EventExecution[];
}

function parsedObject(text: string): JsonObject | undefined | 'not-json' {
  try {
    const value = parseJsonExact(text);
    return isPlainObject(value) ? (value as JsonObject) : undefined;
  } catch {
    return 'not-json';
  }
}

function describe(
  msg: EventMessage,
  executions: EventExecution[],
): Pick<EventMessageView, 'status' | 'statusDescription'> {
  if (msg.status === 'PENDING') return { status: 'RECEIVED', statusDescription: 'waiting to be processed' };
  if (executions.length === 0)
    return {
      status: 'REJECTED',
      statusDescription: msg.note ?? 'no event handler was active for this event when it arrived',
    };
  if (executions.every((e) => e.status === 'SKIPPED'))
    return { status: 'REJECTED', statusDescription: "no handler's condition held (see eventExecutions)" };
  const failed = executions.filter((e) => e.status === 'FAILED').length;
  return {
    status: 'HANDLED',
    statusDescription:
      failed === 0
        ? `${executions.length} event execution(s)`
        : `${failed} of ${executions.length} event execution(s) failed (see eventExecutions)`,
  };
}

export function eventMessages(
  store: EventStore,
  event: string,
  size: number,
  from: number,
): EventMessageView[] {
  const limit = Math.min(Math.max(Math.trunc(size), 1), MAX_PAGE);
  const messages = store.recentMessages(event, limit, Math.max(Math.trunc(from), 0));
  const byMessage = new Map<string, EventExecution[]>();
  for (const e of store.executionsForMessages(
    event,
    messages.map((m) => m.id),
  )) {
    const list = byMessage.get(e.messageId) ?? [];
    list.push(e);
    byMessage.set(e.messageId, list);
  }
  return messages.map((m) => {
    const executions = byMessage.get(m.id) ?? [];
    const parsed = parsedObject(m.payload);
    const { status, statusDescription } = describe(m, executions);
    return {
      id: m.id,
      eventTarget: m.queue,
      eventType: 'MESSAGE',
      payload: m.payload,
      ...(parsed !== undefined && parsed !== 'not-json' ? { fullPayload: parsed } : {}),
      createdAt: m.created,
      status,
      statusDescription:
        parsed === 'not-json'
          ? `${statusDescription}; the payload is not JSON (handlers saw it as a string)`
          : statusDescription,
      eventExecutions: executions,
    };
  });
}
