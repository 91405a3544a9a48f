/**
 * Event handlers, the durable inbox of published event messages (processed in order, kept afterwards for
 * inspection; one per queue and message id), and event executions: one per queue + message id + handler +
 * action index, so a redelivered message never repeats an action and two handlers of one message never
 * share a record (Conductor keys executions per handler; their `id` is `<messageId>_<i>`).
 */
import { parseJsonExact, stringifyJsonExact, type JsonObject } from '../../json';
import type { EventHandler } from '../model/types';
import type { Db } from './db';

export interface EventMessage {
  seq: number;
  id: string;
  queue: string;
  payload: string;
  created: number;
  status: 'PENDING' | 'PROCESSED';
  /** Why no handler ran it (e.g. rejected after failing too often); null otherwise. */
  note?: string | null;
}

export interface EventExecution {
  id: string;
  messageId: string;
  name: string;
  event: string;
  created: number;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'SKIPPED';
  action?: string;
  output: JsonObject;
}

export class EventStore {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      getHandler: db.prepare('SELECT json FROM event_handlers WHERE name = ?'),
      allHandlers: db.prepare('SELECT json FROM event_handlers ORDER BY name'),
      handlersForEvent: db.prepare('SELECT json FROM event_handlers WHERE event = ? ORDER BY name'),
      putHandler: db.prepare(
        'INSERT INTO event_handlers (name, event, active, json) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET event = excluded.event, active = excluded.active, json = excluded.json',
      ),
      deleteHandler: db.prepare('DELETE FROM event_handlers WHERE name = ?'),
      addMessage: db.prepare(
        "INSERT INTO event_messages (id, queue, payload, created, status) VALUES (?, ?, ?, ?, 'PENDING') ON CONFLICT (queue, id) DO NOTHING",
      ),
      pending: db.prepare(
        "SELECT seq, id, queue, payload, created, status FROM event_messages WHERE status = 'PENDING' ORDER BY seq LIMIT ?",
      ),
      markProcessed: db.prepare("UPDATE event_messages SET status = 'PROCESSED' WHERE seq = ?"),
      messages: db.prepare(
        'SELECT seq, id, queue, payload, created, status, note FROM event_messages WHERE queue = ? ORDER BY seq DESC LIMIT ? OFFSET ?',
      ),
      getMessage: db.prepare(
        'SELECT seq, id, queue, payload, created, status, note FROM event_messages WHERE queue = ? AND id = ?',
      ),
      setNote: db.prepare('UPDATE event_messages SET note = ? WHERE seq = ?'),
      activeEvents: db.prepare('SELECT DISTINCT event FROM event_handlers WHERE active = 1 ORDER BY event'),
      addExecution: db.prepare(
        'INSERT INTO event_executions (event, message_id, name, action_index, id, status, created, json) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event, message_id, name, action_index) DO NOTHING',
      ),
      updateExecution: db.prepare(
        'UPDATE event_executions SET status = ?, json = ? WHERE event = ? AND message_id = ? AND name = ? AND action_index = ?',
      ),
      executions: db.prepare('SELECT json FROM event_executions WHERE name = ? ORDER BY created, id LIMIT ?'),
    };
  }

  getHandler(name: string): EventHandler | undefined {
    const row = this.stmts.getHandler.get(name) as { json: string } | undefined;
    return row ? (parseJsonExact(row.json) as EventHandler) : undefined;
  }

  allHandlers(): EventHandler[] {
    return (this.stmts.allHandlers.all() as { json: string }[]).map(
      (r) => parseJsonExact(r.json) as EventHandler,
    );
  }

  handlersForEvent(event: string, activeOnly: boolean): EventHandler[] {
    return (this.stmts.handlersForEvent.all(event) as { json: string }[])
      .map((r) => parseJsonExact(r.json) as EventHandler)
      .filter((h) => !activeOnly || h.active);
  }

  putHandler(h: EventHandler): void {
    this.stmts.putHandler.run(h.name, h.event, h.active ? 1 : 0, stringifyJsonExact(h));
  }

  deleteHandler(name: string): boolean {
    return this.stmts.deleteHandler.run(name).changes > 0;
  }

  addMessage(id: string, queue: string, payload: string, created: number): boolean {
    return this.stmts.addMessage.run(id, queue, payload, created).changes > 0;
  }

  pendingMessages(limit: number): EventMessage[] {
    return this.stmts.pending.all(limit) as EventMessage[];
  }

  markProcessed(msg: Pick<EventMessage, 'seq'>): void {
    this.stmts.markProcessed.run(msg.seq);
  }

  /** Newest first. */
  recentMessages(queue: string, limit: number, offset = 0): EventMessage[] {
    return this.stmts.messages.all(queue, limit, offset) as EventMessage[];
  }

  getMessage(queue: string, id: string): EventMessage | undefined {
    return this.stmts.getMessage.get(queue, id) as EventMessage | undefined;
  }

  setNote(msg: Pick<EventMessage, 'seq'>, note: string): void {
    this.stmts.setNote.run(note, msg.seq);
  }

  /** The `event` strings that at least one active handler listens on. */
  activeEvents(): string[] {
    return (this.stmts.activeEvents.all() as { event: string }[]).map((r) => r.event);
  }

  /**
   * Records the execution of action `actionIndex` of handler `e.name` for message `e.messageId` on queue
   * `e.event` (a SKIPPED handler uses index 0); false when it exists already (duplicate delivery).
   */
  addExecution(e: EventExecution, actionIndex: number): boolean {
    const key = [e.event, e.messageId, e.name, actionIndex] as const;
    return this.stmts.addExecution.run(...key, e.id, e.status, e.created, stringifyJsonExact(e)).changes > 0;
  }

  updateExecution(e: EventExecution, actionIndex: number): void {
    this.stmts.updateExecution.run(
      e.status,
      stringifyJsonExact(e),
      e.event,
      e.messageId,
      e.name,
      actionIndex,
    );
  }

  /** The executions of these messages of queue `event`. */
  executionsForMessages(event: string, messageIds: readonly string[]): EventExecution[] {
    if (messageIds.length === 0) return [];
    const marks = messageIds.map(() => '?').join(', ');
    const rows = this.db
      .prepare(
        `SELECT json FROM event_executions WHERE event = ? AND message_id IN (${marks}) ORDER BY created, id`,
      )
      .all(event, ...messageIds) as { json: string }[];
    return rows.map((r) => parseJsonExact(r.json) as EventExecution);
  }

  executions(name: string, limit: number): EventExecution[] {
    return (this.stmts.executions.all(name, limit) as { json: string }[]).map(
      (r) => parseJsonExact(r.json) as EventExecution,
    );
  }
}
