/**
 * A new workflow's row is written at the end of its first decide, not when it is created: whatever reads
 * the workflow store before then (a child reading its parent, a search, an existence check) gets the row
 * written first, and a start that fails leaves none. In-process engine on an in-memory store.
 */
import { Engine } from '../../src/engine/engine';
import { normalizeWorkflowDef } from '../../src/engine/model/defaults';
import type { WorkflowModel } from '../../src/engine/model/types';
import { openDb, type Db } from '../../src/engine/store/db';
import { quietLogger } from '../helpers/logger';

let db: Db;
let engine: Engine;
const NOW = Date.UTC(2026, 4, 1, 12, 0, 0);

beforeEach(() => {
  db = openDb({ memory: true });
  engine = new Engine({ db, logger: quietLogger(), clock: () => NOW });
  engine.ctx.tx.run(() =>
    engine.ctx.defs.putWorkflowDef(
      normalizeWorkflowDef({ name: 'nw', version: 1, tasks: [{ name: 'nw_task', taskReferenceName: 't' }] }),
    ),
  );
});
afterEach(async () => {
  await engine.stop();
  db.close();
});

const rowCount = (): number => (db.prepare('SELECT COUNT(*) AS n FROM workflows').get() as { n: number }).n;

/** A started workflow, as its first decide leaves it, under a new id and with `input`. */
function newModel(id: string, input: Record<string, string>): WorkflowModel {
  const started = engine.ctx.tx.run(() =>
    engine.exec.startWorkflow({ name: 'nw', version: 1, workflowId: `template-${id}`, input: {} }),
  );
  return { ...started, workflowId: id, input, tasks: [] };
}

it('every read of the store writes a pending row first, as the workflow is then', () => {
  const { ctx } = engine;
  const wf = newModel('w-read', { a: '1' });
  const before = rowCount();
  ctx.tx.run(() => {
    engine.exec.store.insertWorkflow(wf);
    expect(rowCount()).toBe(before); // not written yet
    wf.input = { a: 'changed in the decide' };
    expect(ctx.workflows.exists('w-read')).toBe(true);
    expect(ctx.workflows.get('w-read')?.input).toEqual({ a: 'changed in the decide' });
    expect(rowCount()).toBe(before + 1);
    // Written once: the save at the end of the decide compares with what was written.
    engine.exec.store.saveWorkflowRow(wf);
    engine.exec.store.settleNew(wf);
  });
  expect(rowCount()).toBe(before + 1);
  expect(ctx.workflows.status('w-read')).toBe('RUNNING');
});

it('searches and id ranges see pending rows; a dropped one is never written', () => {
  const { ctx } = engine;
  const kept = newModel('w-kept', {});
  const dropped = newModel('w-dropped', {});
  const before = rowCount();
  ctx.tx.run(() => {
    engine.exec.store.insertWorkflow(kept);
    engine.exec.store.insertWorkflow(dropped);
    engine.exec.store.dropNew(dropped);
    expect(ctx.workflows.idsFrom('w-')).toEqual(['w-kept']);
  });
  expect(rowCount()).toBe(before + 1);
  expect(ctx.workflows.exists('w-dropped')).toBe(false);
});

it('a transaction that rolls back writes no pending row afterwards', () => {
  const { ctx } = engine;
  const wf = newModel('w-undone', {});
  const before = rowCount();
  expect(() =>
    ctx.tx.run(() => {
      engine.exec.store.insertWorkflow(wf);
      throw new Error('the start failed');
    }),
  ).toThrow('the start failed');
  expect(ctx.workflows.exists('w-undone')).toBe(false);
  expect(ctx.workflows.idsFrom('w-')).toEqual([]);
  expect(rowCount()).toBe(before);
});

it('workflows without a correlation id stay out of its index, and a search by one still uses it', () => {
  const { ctx } = engine;
  ctx.tx.run(() => {
    engine.exec.startWorkflow({ name: 'nw', version: 1, correlationId: 'order-7', input: {} });
    engine.exec.startWorkflow({ name: 'nw', version: 1, input: {} });
  });
  const indexed = db
    .prepare(
      'SELECT COUNT(*) AS n FROM workflows INDEXED BY workflows_correlation WHERE correlation_id IS NOT NULL',
    )
    .get() as { n: number };
  expect(indexed.n).toBe(1);
  for (const [where, params] of [
    ['correlation_id = ?', ['order-7']],
    ['correlation_id IN (?, ?)', ['order-7', 'order-8']],
  ] as const) {
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN SELECT workflow_id FROM workflows WHERE ${where}`)
      .all(...params) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('; ')).toContain('workflows_correlation');
  }
  expect(ctx.workflows.byCorrelation('nw', 'order-7')).toHaveLength(1);
});
