/**
 * Event handlers, the durable inbox of published event messages (processed in order, kept afterwards for
 * inspection), and event executions (one per handler action per message; the id `<messageId>_<i>` makes a
 * redelivered message idempotent, as in Conductor).
 */
import type { EventHandler, JsonMap } from '../model/types';
import type { Db } from './db';

export interface EventMessage {
  seq: number;
  id: string;
  queue: string;
  payload: string;
  created: number;
  status: 'PENDING' | 'PROCESSED';
}

export interface EventExecution {
  id: string;
  messageId: string;
  name: string;
  event: string;
  created: number;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'SKIPPED';
  action?: string;
  output: JsonMap;
}

export class EventStore {
  private readonly stmts;

  constructor(db: Db) {
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
        "INSERT INTO event_messages (id, queue, payload, created, status) VALUES (?, ?, ?, ?, 'PENDING') ON CONFLICT (id) DO NOTHING",
      ),
      pending: db.prepare(
        "SELECT seq, id, queue, payload, created, status FROM event_messages WHERE status = 'PENDING' ORDER BY seq LIMIT ?",
      ),
      markProcessed: db.prepare("UPDATE event_messages SET status = 'PROCESSED' WHERE id = ?"),
      messages: db.prepare(
        'SELECT seq, id, queue, payload, created, status FROM event_messages WHERE queue = ? ORDER BY seq DESC LIMIT ?',
      ),
      addExecution: db.prepare(
        'INSERT INTO event_executions (id, message_id, name, event, status, created, json) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (id) DO NOTHING',
      ),
      updateExecution: db.prepare('UPDATE event_executions SET status = ?, json = ? WHERE id = ?'),
      executions: db.prepare('SELECT json FROM event_executions WHERE name = ? ORDER BY created, id LIMIT ?'),
    };
  }

  getHandler(name: string): EventHandler | undefined {
    const row = this.stmts.getHandler.get(name) as { json: string } | undefined;
    return row ? (JSON.parse(row.json) as EventHandler) : undefined;
  }

  allHandlers(): EventHandler[] {
    return (this.stmts.allHandlers.all() as { json: string }[]).map(
      (r) => JSON.parse(r.json) as EventHandler,
    );
  }

  handlersForEvent(event: string, activeOnly: boolean): EventHandler[] {
    return (this.stmts.handlersForEvent.all(event) as { json: string }[])
      .map((r) => JSON.parse(r.json) as EventHandler)
      .filter((h) => !activeOnly || h.active);
  }

  putHandler(h: EventHandler): void {
    this.stmts.putHandler.run(h.name, h.event, h.active ? 1 : 0, JSON.stringify(h));
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

  markProcessed(id: string): void {
    this.stmts.markProcessed.run(id);
  }

  recentMessages(queue: string, limit: number): EventMessage[] {
    return this.stmts.messages.all(queue, limit) as EventMessage[];
  }

  /** False when an execution with this id already exists (duplicate delivery). */
  addExecution(e: EventExecution): boolean {
    return (
      this.stmts.addExecution.run(e.id, e.messageId, e.name, e.event, e.status, e.created, JSON.stringify(e))
        .changes > 0
    );
  }

  updateExecution(e: EventExecution): void {
    this.stmts.updateExecution.run(e.status, JSON.stringify(e), e.id);
  }

  executions(name: string, limit: number): EventExecution[] {
    return (this.stmts.executions.all(name, limit) as { json: string }[]).map(
      (r) => JSON.parse(r.json) as EventExecution,
    );
  }
}
