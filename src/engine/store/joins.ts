/**
 * JOIN bookkeeping that keeps a fan-out linear: per running JOIN, how many of its branches are still
 * running, and which branches may complete without a decide of their workflow (their success schedules
 * nothing but that JOIN). A branch update then costs O(1): one counter decrement, and the workflow is
 * decided only when the counter reaches zero (see `executor/join-waits.ts`).
 */
import type { Db } from './db';

export class JoinStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      member: db.prepare(
        'SELECT join_ref AS joinRef FROM join_members WHERE workflow_id = ? AND member_ref = ?',
      ),
      addMember: db.prepare(
        'INSERT INTO join_members (workflow_id, member_ref, join_ref) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      count: db.prepare('SELECT remaining FROM join_counts WHERE workflow_id = ? AND join_ref = ?'),
      setCount: db.prepare(
        'INSERT INTO join_counts (workflow_id, join_ref, remaining) VALUES (?, ?, ?) ' +
          'ON CONFLICT (workflow_id, join_ref) DO UPDATE SET remaining = excluded.remaining',
      ),
      decrement: db.prepare(
        'UPDATE join_counts SET remaining = remaining - 1 WHERE workflow_id = ? AND join_ref = ? AND remaining > 0 ' +
          'RETURNING remaining',
      ),
      deleteCounts: db.prepare('DELETE FROM join_counts WHERE workflow_id = ?'),
      deleteMembers: db.prepare('DELETE FROM join_members WHERE workflow_id = ?'),
    };
  }

  /** The JOIN a branch with this reference name completes into without a decide, if any. */
  joinOf(workflowId: string, memberRef: string): string | undefined {
    return (this.stmts.member.get(workflowId, memberRef) as { joinRef: string } | undefined)?.joinRef;
  }

  /** The counter of a JOIN, or undefined when it is not tracked. */
  remaining(workflowId: string, joinRef: string): number | undefined {
    return (this.stmts.count.get(workflowId, joinRef) as { remaining: number } | undefined)?.remaining;
  }

  /** Starts (or corrects) tracking a JOIN: its counter, and the members that need no decide. */
  track(workflowId: string, joinRef: string, remaining: number, members: Iterable<string> | null): void {
    if (members) for (const m of members) this.stmts.addMember.run(workflowId, m, joinRef);
    this.stmts.setCount.run(workflowId, joinRef, remaining);
  }

  /** One more branch done; the branches still running, or undefined when the JOIN is not tracked. */
  decrement(workflowId: string, joinRef: string): number | undefined {
    return (this.stmts.decrement.get(workflowId, joinRef) as { remaining: number } | undefined)?.remaining;
  }

  deleteWorkflow(workflowId: string): void {
    this.stmts.deleteCounts.run(workflowId);
    this.stmts.deleteMembers.run(workflowId);
  }
}
