/** Task execution logs (`TaskExecLog`) and worker poll data (`PollData`, used for domain activeness). */
import type { Db } from './db';

export interface TaskExecLog {
  log: string;
  taskId: string;
  createdTime: number;
}

export interface PollData {
  queueName: string;
  domain?: string;
  workerId?: string;
  lastPollTime: number;
}

export class LogStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      add: db.prepare('INSERT INTO task_logs (task_id, log, created_time) VALUES (?, ?, ?)'),
      list: db.prepare(
        'SELECT task_id AS taskId, log, created_time AS createdTime FROM task_logs WHERE task_id = ? ORDER BY id',
      ),
      deleteForTask: db.prepare('DELETE FROM task_logs WHERE task_id = ?'),
      putPoll: db.prepare(
        'INSERT INTO poll_data (queue_name, task_type, domain, worker_id, last_poll_time) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (queue_name) DO UPDATE SET worker_id = excluded.worker_id, last_poll_time = excluded.last_poll_time',
      ),
      pollForType: db.prepare(
        'SELECT queue_name AS queueName, domain, worker_id AS workerId, last_poll_time AS lastPollTime FROM poll_data ' +
          'WHERE task_type = ? ORDER BY queue_name',
      ),
      pollForDomain: db.prepare(
        'SELECT queue_name AS queueName, domain, worker_id AS workerId, last_poll_time AS lastPollTime FROM poll_data ' +
          'WHERE task_type = ? AND domain = ?',
      ),
      allPoll: db.prepare(
        'SELECT queue_name AS queueName, domain, worker_id AS workerId, last_poll_time AS lastPollTime FROM poll_data ORDER BY queue_name',
      ),
    };
  }

  add(taskId: string, log: string, createdTime: number): void {
    this.stmts.add.run(taskId, log, createdTime);
  }

  list(taskId: string): TaskExecLog[] {
    return this.stmts.list.all(taskId) as TaskExecLog[];
  }

  deleteForTask(taskId: string): void {
    this.stmts.deleteForTask.run(taskId);
  }

  recordPoll(
    queueName: string,
    taskType: string,
    domain: string | undefined,
    workerId: string | undefined,
    now: number,
  ): void {
    this.stmts.putPoll.run(queueName, taskType, domain ?? null, workerId ?? null, now);
  }

  pollData(taskType: string): PollData[] {
    return (this.stmts.pollForType.all(taskType) as PollData[]).map(clean);
  }

  pollDataForDomain(taskType: string, domain: string): PollData | undefined {
    const row = this.stmts.pollForDomain.get(taskType, domain) as PollData | undefined;
    return row ? clean(row) : undefined;
  }

  allPollData(): PollData[] {
    return (this.stmts.allPoll.all() as PollData[]).map(clean);
  }
}

function clean(p: PollData): PollData {
  const out: PollData = { queueName: p.queueName, lastPollTime: p.lastPollTime };
  if (p.domain) out.domain = p.domain;
  if (p.workerId) out.workerId = p.workerId;
  return out;
}
