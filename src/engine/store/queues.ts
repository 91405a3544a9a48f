/**
 * Durable delayed queues. A message is a task id in a named queue (task type, `domain:taskType`, or a
 * system queue) with a delivery time and a priority; popping deletes it (Conductor acks at poll).
 * The decider queue holds, per running workflow, the next time it must be re-evaluated.
 */
import type { Db } from './db';

export interface QueueMessage {
  messageId: string;
  priority: number;
  deliverAt: number;
}

export class QueueStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      push: db.prepare(
        'INSERT INTO queue_messages (queue_name, message_id, priority, deliver_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (queue_name, message_id) DO UPDATE SET priority = excluded.priority, deliver_at = excluded.deliver_at',
      ),
      remove: db.prepare('DELETE FROM queue_messages WHERE queue_name = ? AND message_id = ?'),
      contains: db.prepare('SELECT 1 FROM queue_messages WHERE queue_name = ? AND message_id = ?'),
      visible: db.prepare(
        // The order index, always: it yields the messages already sorted, so a poll reads only what it
        // returns (the planner may prefer the due-time index and then sort the whole queue).
        'SELECT message_id AS messageId, priority, deliver_at AS deliverAt FROM queue_messages ' +
          'INDEXED BY queue_messages_order ' +
          'WHERE queue_name = ? AND deliver_at <= ? ORDER BY priority DESC, deliver_at, rowid LIMIT ?',
      ),
      nextDelivery: db.prepare(
        'SELECT MIN(deliver_at) AS t FROM queue_messages WHERE queue_name = ? AND deliver_at > ?',
      ),
      size: db.prepare('SELECT COUNT(*) AS n FROM queue_messages WHERE queue_name = ?'),
      all: db.prepare(
        'SELECT queue_name AS name, COUNT(*) AS n FROM queue_messages GROUP BY queue_name ORDER BY queue_name',
      ),
      scheduleDecide: db.prepare(
        'INSERT INTO decider_queue (workflow_id, due_at) VALUES (?, ?) ' +
          'ON CONFLICT (workflow_id) DO UPDATE SET due_at = MIN(due_at, excluded.due_at)',
      ),
      setDecide: db.prepare(
        'INSERT INTO decider_queue (workflow_id, due_at) VALUES (?, ?) ' +
          'ON CONFLICT (workflow_id) DO UPDATE SET due_at = excluded.due_at',
      ),
      removeDecide: db.prepare('DELETE FROM decider_queue WHERE workflow_id = ?'),
      dueDecides: db.prepare(
        'SELECT workflow_id AS id FROM decider_queue WHERE due_at <= ? ORDER BY due_at LIMIT ?',
      ),
      nextDecide: db.prepare('SELECT MIN(due_at) AS t FROM decider_queue'),
    };
  }

  push(queue: string, messageId: string, priority: number, deliverAt: number): void {
    this.stmts.push.run(queue, messageId, priority, deliverAt);
  }

  remove(queue: string, messageId: string): boolean {
    return this.stmts.remove.run(queue, messageId).changes > 0;
  }

  contains(queue: string, messageId: string): boolean {
    return this.stmts.contains.get(queue, messageId) !== undefined;
  }

  visible(queue: string, now: number, limit: number): QueueMessage[] {
    return this.stmts.visible.all(queue, now, limit) as QueueMessage[];
  }

  nextDelivery(queue: string, now: number): number | null {
    return (this.stmts.nextDelivery.get(queue, now) as { t: number | null }).t;
  }

  size(queue: string): number {
    return (this.stmts.size.get(queue) as { n: number }).n;
  }

  all(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.stmts.all.all() as { name: string; n: number }[]) out[r.name] = r.n;
    return out;
  }

  /** Re-evaluate the workflow no later than `dueAt` (keeps an earlier existing deadline). */
  scheduleDecide(workflowId: string, dueAt: number): void {
    this.stmts.scheduleDecide.run(workflowId, dueAt);
  }

  setDecide(workflowId: string, dueAt: number): void {
    this.stmts.setDecide.run(workflowId, dueAt);
  }

  removeDecide(workflowId: string): void {
    this.stmts.removeDecide.run(workflowId);
  }

  dueDecides(now: number, limit: number): string[] {
    return (this.stmts.dueDecides.all(now, limit) as { id: string }[]).map((r) => r.id);
  }

  nextDecide(): number | null {
    return (this.stmts.nextDecide.get() as { t: number | null }).t;
  }
}
