/**
 * Opens the engine's SQLite database (better-sqlite3, loaded lazily so CLI commands that never start the
 * engine don't pay for the native module) and brings the schema up to date.
 *
 * Durability: WAL + synchronous=NORMAL. A commit is in the OS page cache before the HTTP response is sent,
 * so killing the process (SIGKILL) loses nothing that was acknowledged; only a power loss could.
 */
import fs from 'node:fs';
import path from 'node:path';

import type BetterSqlite3 from 'better-sqlite3';

import { NbcError } from '../../errors';
import { ensurePrivateDir, ensurePrivateFile } from '../../security';
import { MIGRATIONS } from './schema';

export type Db = BetterSqlite3.Database;

export interface OpenDbOptions {
  /** Directory holding `engine.db`; ignored when `memory` is true. */
  dataDir?: string;
  memory?: boolean;
}

export function openDb(options: OpenDbOptions): Db {
  const Database = require('better-sqlite3') as typeof BetterSqlite3;
  let file = ':memory:';
  if (!options.memory) {
    if (!options.dataDir)
      throw new NbcError('E_CONFIG', 'engine: a data directory is required unless memory is set');
    // Owner-only: the database holds every workflow's inputs and outputs. SQLite gives its -wal and
    // -shm files the database file's mode, older ones are tightened here too.
    ensurePrivateDir(options.dataDir);
    file = path.join(options.dataDir, 'engine.db');
    ensurePrivateFile(file);
    for (const extra of [`${file}-wal`, `${file}-shm`]) if (fs.existsSync(extra)) ensurePrivateFile(extra);
  }
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw new NbcError(
      'E_CONFIG',
      `engine: cannot open database ${file}: ${String(err)}`,
      { uri: file },
      { cause: err },
    );
  }
  if (!options.memory) {
    db.pragma('journal_mode = WAL');
    // A checkpoint (copying the WAL back into the database, with fsyncs) runs inside whichever commit
    // crosses this many pages; the scheduler also checkpoints between slots (`checkpointWal`) so that a
    // busy second of fires rarely pays for one. SQLite's default is 1,000 pages.
    db.pragma('wal_autocheckpoint = 4000');
  }
  db.pragma('synchronous = NORMAL');
  // Savepoints (every start, decide and scheduler fire runs in one) keep the pages they change in a
  // sub-journal: a temporary file by default, which made each write inside a savepoint ~3x as slow.
  db.pragma('temp_store = MEMORY');
  db.pragma('foreign_keys = OFF');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Copies what the WAL holds back into the database file now (without waiting for readers). */
export function checkpointWal(db: Db): void {
  db.pragma('wal_checkpoint(PASSIVE)');
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  let current = row?.version ?? 0;
  if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  if (current > MIGRATIONS.length) {
    throw new NbcError(
      'E_CONFIG',
      `engine: database schema version ${current} is newer than this nbconductor (${MIGRATIONS.length}); upgrade nbconductor`,
    );
  }
  while (current < MIGRATIONS.length) {
    const sql = MIGRATIONS[current] as string;
    const next = current + 1;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('UPDATE schema_version SET version = ?').run(next);
    })();
    current = next;
  }
}
