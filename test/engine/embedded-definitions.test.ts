/**
 * The definition a workflow embeds is fixed when it starts: later changes to its task definitions or to
 * the registered workflow definition apply to later starts only (the engine builds a registered
 * definition once and shares its stored text between executions, so this checks the sharing never leaks
 * a change into a running workflow, nor a stale definition into a new one), also across a restart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { harness, raw, simpleTask, workflow, type Harness, type Json } from './support';

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-embedded-'));
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function ok(h: Harness, method: string, p: string, body?: unknown): Promise<Json> {
  const r = await raw(h.url, method, p, body);
  if (r.status !== 200) throw new Error(`${method} ${p}: ${r.status} ${r.text}`);
  return r.json as Json;
}

async function start(h: Harness, name: string, version?: number): Promise<string> {
  const r = await raw(h.url, 'POST', '/api/workflow', { name, version, input: {} });
  if (r.status !== 200) throw new Error(`start ${name}: ${r.status} ${r.text}`);
  return r.text.replace(/"/g, '');
}

function embedded(wf: Json): { refs: string[]; retryCount: unknown; childVersion: unknown } {
  const tasks = wf.workflowDefinition.tasks as Json[];
  return {
    refs: tasks.map((t) => t.taskReferenceName as string),
    retryCount: tasks[0]?.taskDefinition?.retryCount,
    childVersion: tasks.find((t) => t.type === 'SUB_WORKFLOW')?.subWorkflowParam?.version,
  };
}

it('changes to task or workflow definitions reach later starts only, and survive a restart', async () => {
  let h = await harness({ dataDir });
  const ids: Record<string, string> = {};
  try {
    await ok(h, 'POST', '/api/metadata/taskdefs', [{ name: 'ed_task', retryCount: 0 }]);
    await ok(h, 'POST', '/api/metadata/workflow', { name: 'ed_child', version: 1, tasks: [simpleTask('c')] });
    const parent = (extra: Json[]): Json => ({
      name: 'ed_parent',
      version: 1,
      tasks: [
        simpleTask('a', 'ed_task'),
        ...extra,
        {
          name: 'sub',
          taskReferenceName: 'sub',
          type: 'SUB_WORKFLOW',
          subWorkflowParam: { name: 'ed_child' },
        },
      ],
    });
    await ok(h, 'POST', '/api/metadata/workflow', parent([]));
    ids.first = await start(h, 'ed_parent', 1);
    ids.firstAgain = await start(h, 'ed_parent');

    // A task definition changes: the next start embeds the new one.
    await ok(h, 'PUT', '/api/metadata/taskdefs', { name: 'ed_task', retryCount: 2 });
    ids.afterTaskDef = await start(h, 'ed_parent', 1);

    // The workflow definition is overwritten in place, and the child gets a version 2.
    await ok(h, 'PUT', '/api/metadata/workflow', [parent([simpleTask('b', 'ed_task')])]);
    await ok(h, 'POST', '/api/metadata/workflow', { name: 'ed_child', version: 2, tasks: [simpleTask('c')] });
    ids.afterOverwrite = await start(h, 'ed_parent', 1);

    // A second version: starts without a version take the latest.
    await ok(h, 'POST', '/api/metadata/workflow', { ...parent([]), version: 2 });
    ids.latest = await start(h, 'ed_parent');
  } finally {
    await h.stop();
  }

  h = await harness({ dataDir });
  try {
    const seen = Object.fromEntries(
      await Promise.all(Object.entries(ids).map(async ([k, id]) => [k, embedded(await workflow(h, id))])),
    );
    expect(seen).toEqual({
      first: { refs: ['a', 'sub'], retryCount: 0, childVersion: 1 },
      firstAgain: { refs: ['a', 'sub'], retryCount: 0, childVersion: 1 },
      afterTaskDef: { refs: ['a', 'sub'], retryCount: 2, childVersion: 1 },
      afterOverwrite: { refs: ['a', 'b', 'sub'], retryCount: 2, childVersion: 2 },
      latest: { refs: ['a', 'sub'], retryCount: 2, childVersion: 2 },
    });
    expect((await workflow(h, ids.latest as string)).workflowVersion).toBe(2);
    // The running workflows still work on what they embed: their first task is there to poll.
    const first = await workflow(h, ids.first as string);
    expect(first.tasks.map((t: Json) => `${t.referenceTaskName}:${t.status}`)).toEqual(['a:SCHEDULED']);
  } finally {
    await h.stop();
  }
});
