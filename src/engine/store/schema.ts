/**
 * Schema migrations, applied in order; the index of the last one applied is stored in `schema_version`.
 * Never edit a released migration: append a new one.
 *
 * Records are stored as JSON in a `json` column plus the columns that are queried or indexed.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE task_defs (name TEXT PRIMARY KEY, json TEXT NOT NULL);
  CREATE TABLE workflow_defs (
    name TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (name, version)
  );
  CREATE TABLE event_handlers (
    name TEXT PRIMARY KEY, event TEXT NOT NULL, active INTEGER NOT NULL, json TEXT NOT NULL
  );
  CREATE INDEX event_handlers_event ON event_handlers (event);

  CREATE TABLE workflows (
    workflow_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    correlation_id TEXT,
    parent_workflow_id TEXT,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL DEFAULT 0,
    json TEXT NOT NULL,
    definition TEXT NOT NULL
  );
  CREATE INDEX workflows_name_status ON workflows (name, status);
  CREATE INDEX workflows_status ON workflows (status);
  CREATE INDEX workflows_correlation ON workflows (correlation_id);
  CREATE INDEX workflows_create_time ON workflows (create_time);

  CREATE TABLE tasks (
    task_id TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ref_name TEXT NOT NULL,
    task_type TEXT NOT NULL,
    task_def_name TEXT NOT NULL,
    status TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX tasks_workflow ON tasks (workflow_id, seq);
  CREATE INDEX tasks_def_status ON tasks (task_def_name, status);

  CREATE TABLE queue_messages (
    queue_name TEXT NOT NULL,
    message_id TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    deliver_at INTEGER NOT NULL,
    PRIMARY KEY (queue_name, message_id)
  );
  CREATE INDEX queue_messages_order ON queue_messages (queue_name, priority DESC, deliver_at);

  CREATE TABLE decider_queue (workflow_id TEXT PRIMARY KEY, due_at INTEGER NOT NULL);
  CREATE INDEX decider_queue_due ON decider_queue (due_at);

  CREATE TABLE task_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id TEXT NOT NULL,
    log TEXT NOT NULL,
    created_time INTEGER NOT NULL
  );
  CREATE INDEX task_logs_task ON task_logs (task_id, id);

  CREATE TABLE poll_data (
    queue_name TEXT PRIMARY KEY,
    task_type TEXT NOT NULL,
    domain TEXT,
    worker_id TEXT,
    last_poll_time INTEGER NOT NULL
  );

  CREATE TABLE event_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    created INTEGER NOT NULL,
    status TEXT NOT NULL
  );
  CREATE INDEX event_messages_pending ON event_messages (status, seq);

  CREATE TABLE event_executions (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    name TEXT NOT NULL,
    event TEXT NOT NULL,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX event_executions_name ON event_executions (name, created);
  `,
  `
  CREATE TABLE script_evals (
    owner TEXT NOT NULL,
    site TEXT NOT NULL,
    kind TEXT NOT NULL,
    expression TEXT NOT NULL,
    input TEXT NOT NULL,
    timeout_ms INTEGER NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    created INTEGER NOT NULL,
    started INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (owner, site)
  );
  CREATE INDEX script_evals_state ON script_evals (state, created);

  -- A message is identified by its queue and id (the same id on two queues is two messages), and an event
  -- execution by queue + message id + handler + action index (Conductor keys them per handler).
  CREATE TABLE event_messages_v2 (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,
    created INTEGER NOT NULL,
    status TEXT NOT NULL,
    UNIQUE (queue, id)
  );
  INSERT INTO event_messages_v2 (seq, id, queue, payload, created, status)
    SELECT seq, id, queue, payload, created, status FROM event_messages;
  DROP TABLE event_messages;
  ALTER TABLE event_messages_v2 RENAME TO event_messages;
  CREATE INDEX event_messages_pending ON event_messages (status, seq);

  CREATE TABLE event_executions_v2 (
    event TEXT NOT NULL,
    message_id TEXT NOT NULL,
    name TEXT NOT NULL,
    action_index INTEGER NOT NULL,
    id TEXT NOT NULL,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (event, message_id, name, action_index)
  );
  INSERT OR IGNORE INTO event_executions_v2 (event, message_id, name, action_index, id, status, created, json)
    SELECT event, message_id, name, CAST(substr(id, length(message_id) + 2) AS INTEGER), id, status, created, json
    FROM event_executions;
  DROP TABLE event_executions;
  ALTER TABLE event_executions_v2 RENAME TO event_executions;
  CREATE INDEX event_executions_name ON event_executions (name, created);

  -- When the next delayed message of a queue is due, without reading the whole queue.
  CREATE INDEX queue_messages_due ON queue_messages (queue_name, deliver_at);

  -- JOIN bookkeeping: the branches whose success needs no decide, and how many branches each JOIN awaits.
  CREATE TABLE join_members (
    workflow_id TEXT NOT NULL,
    member_ref TEXT NOT NULL,
    join_ref TEXT NOT NULL,
    PRIMARY KEY (workflow_id, member_ref)
  );
  CREATE TABLE join_counts (
    workflow_id TEXT NOT NULL,
    join_ref TEXT NOT NULL,
    remaining INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, join_ref)
  );
  `,
  // Schedules (engine/scheduler): the schedule, one pending slot per cron of it, and the execution
  // history. The unique (schedule, cron, slot) index is what makes a slot fire at most once.
  `
  CREATE TABLE schedules (
    name TEXT PRIMARY KEY,
    workflow_name TEXT NOT NULL,
    paused INTEGER NOT NULL,
    json TEXT NOT NULL
  );
  CREATE INDEX schedules_workflow ON schedules (workflow_name);

  CREATE TABLE schedule_slots (
    schedule_name TEXT NOT NULL,
    cron_index INTEGER NOT NULL,
    cron TEXT NOT NULL,
    next_run INTEGER NOT NULL,
    catchup_fired INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (schedule_name, cron_index)
  );
  CREATE INDEX schedule_slots_due ON schedule_slots (next_run);

  CREATE TABLE schedule_executions (
    execution_id TEXT PRIMARY KEY,
    schedule_name TEXT NOT NULL,
    cron_index INTEGER NOT NULL,
    scheduled_time INTEGER NOT NULL,
    execution_time INTEGER NOT NULL,
    workflow_name TEXT NOT NULL,
    workflow_id TEXT,
    state TEXT NOT NULL,
    json TEXT NOT NULL
  );
  CREATE UNIQUE INDEX schedule_executions_slot ON schedule_executions (schedule_name, cron_index, scheduled_time);
  CREATE INDEX schedule_executions_time ON schedule_executions (scheduled_time);
  `,
  // Why a message ran no handler (rejected after failing too often, no active handler); null otherwise.
  // Executions by message, for the messages view.
  `
  ALTER TABLE event_messages ADD COLUMN note TEXT;
  CREATE INDEX event_executions_message ON event_executions (message_id);
  `,
  // Populated definitions of registered workflows, stored once: a workflow row's \`definition\` is either the
  // definition's JSON or \`@<key>\` naming a text here (rows are rewritten on every change of the workflow).
  `
  CREATE TABLE definition_texts (key TEXT PRIMARY KEY, json TEXT NOT NULL);
  `,
  // Only workflows with a correlation id are in its index (most have none, and each start paid for an
  // entry); a search by correlation id (=, IN, …) implies NOT NULL, so it still uses the index.
  `
  DROP INDEX workflows_correlation;
  CREATE INDEX workflows_correlation ON workflows (correlation_id) WHERE correlation_id IS NOT NULL;
  `,
];
