/**
 * The transaction runner on a real SQLite database: a transaction run without savepoints commits all of
 * its work, or, when something fails inside a savepoint it skipped (even if that failure was caught),
 * none of it, so the caller can redo the work with savepoints.
 */
import { openDb, type Db } from '../../src/engine/store/db';
import { Transactor } from '../../src/engine/store/transactor';
import { quietLogger } from '../helpers/logger';

let db: Db;
let tx: Transactor;
let rollbacks: number;

beforeEach(() => {
  db = openDb({ memory: true });
  db.exec('CREATE TABLE t (v TEXT NOT NULL)');
  rollbacks = 0;
  tx = new Transactor(db, quietLogger(), () => (rollbacks += 1));
});
afterEach(() => db.close());

const insert = (v: string): void => void db.prepare('INSERT INTO t (v) VALUES (?)').run(v);
const rows = (): string[] =>
  (db.prepare('SELECT v FROM t ORDER BY rowid').all() as { v: string }[]).map((r) => r.v);

it('without failures, everything commits, savepoint work included, and after-commit hooks run', () => {
  const hooks: string[] = [];
  const ok = tx.runWithoutSavepoints(() => {
    insert('a');
    tx.savepoint(() => insert('b'));
    tx.defer(() => insert('c'));
    tx.afterCommit(() => hooks.push('committed'));
  });
  expect(ok).toBe(true);
  expect(rows()).toEqual(['a', 'b', 'c']);
  expect(hooks).toEqual(['committed']);
});

it('a caught failure inside a skipped savepoint undoes the whole transaction and reports false', () => {
  const hooks: string[] = [];
  // What a caller does when a savepoint has undone half of a piece of work: record the failure, go on.
  const work = (): void => {
    insert('before');
    try {
      tx.savepoint(() => {
        insert('half-done');
        throw new Error('boom');
      });
    } catch {
      insert('recorded the failure');
    }
  };
  const ok = tx.runWithoutSavepoints(() => {
    work();
    tx.afterCommit(() => hooks.push('committed'));
  });
  expect(ok).toBe(false);
  expect(rows()).toEqual([]);
  expect(hooks).toEqual([]);
  expect(rollbacks).toBe(1);
  // The same work with savepoints keeps what the failure did not touch.
  tx.run(work);
  expect(rows()).toEqual(['before', 'recorded the failure']);
});

it('a failure outside savepoints propagates and undoes the transaction; savepoints work again afterwards', () => {
  expect(() =>
    tx.runWithoutSavepoints(() => {
      insert('a');
      throw new Error('outside');
    }),
  ).toThrow('outside');
  expect(rows()).toEqual([]);
  tx.run(() => {
    insert('x');
    expect(() =>
      tx.savepoint(() => {
        insert('y');
        throw new Error('inner');
      }),
    ).toThrow('inner');
  });
  expect(rows()).toEqual(['x']);
});

it('cannot be nested in a transaction', () => {
  tx.run(() => expect(() => tx.runWithoutSavepoints(() => insert('a'))).toThrow(/cannot be nested/));
});
