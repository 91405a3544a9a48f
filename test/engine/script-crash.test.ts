/**
 * A script in flight when the engine dies is not evaluated again: the engine runs in a child process, is
 * killed with SIGKILL while an INLINE, a SWITCH, a DO_WHILE condition and an event condition are being
 * evaluated, and restarted on the same data directory. Each of those fails with a reason instead of
 * running again (a script that takes the engine down would otherwise do it again after every restart).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { kill9, startEngineChild } from '../helpers/engine-child';
import { raw, taskByRef, waitFor, type Json } from './support';

const children: ChildProcess[] = [];
/** Script processes the killed engine left behind (they stop at their time limit; we do not wait). */
const scriptPids: number[] = [];
let dataDir: string;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-script-crash-'));
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of scriptPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const RUNAWAY = 'while (true) {}';
const options = { scriptTimeoutMs: 60_000 };

async function start(url: string, tasks: Json[]): Promise<string> {
  const name = `crash_${Math.random().toString(36).slice(2, 8)}`;
  const res = await raw(url, 'POST', '/api/workflow', {
    name,
    input: {},
    workflowDef: { name, version: 1, tasks },
  });
  expect([res.status, res.text]).toEqual([200, expect.any(String)]);
  return res.text;
}

it('SIGKILL while scripts run, restart: their tasks fail with a reason and the scripts are not run again', async () => {
  let child = await startEngineChild(dataDir, { options, log: true, children });
  const inlineId = await start(child.url, [
    { name: 'spin', taskReferenceName: 'spin', type: 'INLINE', inputParameters: { expression: RUNAWAY } },
  ]);
  const switchId = await start(child.url, [
    {
      name: 'spin',
      taskReferenceName: 'spin',
      type: 'SWITCH',
      evaluatorType: 'javascript',
      expression: RUNAWAY,
      decisionCases: { a: [{ name: 'a', taskReferenceName: 'a', type: 'NOOP' }] },
    },
  ]);
  const loopId = await start(child.url, [
    {
      name: 'spin',
      taskReferenceName: 'spin',
      type: 'DO_WHILE',
      loopCondition: RUNAWAY,
      loopOver: [{ name: 'body', taskReferenceName: 'body', type: 'NOOP' }],
    },
  ]);
  await raw(child.url, 'POST', '/api/event', {
    name: 'crash_handler',
    event: 'conductor:crash',
    active: true,
    condition: RUNAWAY,
    actions: [{ action: 'start_workflow', start_workflow: { name: 'never_started' } }],
  });
  await raw(child.url, 'POST', '/api/event/publish/crash?messageId=m-crash', { any: 1 });

  const running = (l: Record<string, unknown>): boolean => l.msg === 'engine: script evaluation started';
  await waitFor('four scripts in flight', async () => child.lines.filter(running).length >= 4);
  for (const l of child.lines)
    if (l.msg === 'engine: script process started') scriptPids.push(l.pid as number);
  for (const id of [inlineId, switchId, loopId]) {
    await child.waitForLog(`the script of ${id}`, (l) => running(l) && l.workflowId === id);
  }

  await kill9(child);
  child = await startEngineChild(dataDir, { options, log: true, children });

  const reason = /Script not evaluated again: the engine stopped while evaluating it/;
  const settled = async (id: string): Promise<Json> =>
    waitFor(`workflow ${id} to fail`, async () => {
      const wf = (await raw(child.url, 'GET', `/api/workflow/${id}`)).json as Json;
      return wf.status === 'FAILED' ? wf : undefined;
    });
  const inlineTask = taskByRef(await settled(inlineId), 'spin');
  expect(inlineTask.status).toBe('FAILED_WITH_TERMINAL_ERROR');
  expect(inlineTask.reasonForIncompletion).toMatch(reason);
  const switchTask = taskByRef(await settled(switchId), 'spin');
  expect(switchTask.status).toBe('FAILED');
  expect(switchTask.reasonForIncompletion).toMatch(reason);
  const loopTask = taskByRef(await settled(loopId), 'spin');
  expect(loopTask.status).toBe('FAILED_WITH_TERMINAL_ERROR');
  expect(loopTask.reasonForIncompletion).toMatch(reason);
  const executions = await waitFor('the event execution', async () => {
    const list = (await raw(child.url, 'GET', '/api/event/execution/crash_handler')).json as Json[];
    return list.length > 0 ? list : undefined;
  });
  expect(executions).toEqual([
    expect.objectContaining({
      messageId: 'm-crash',
      status: 'SKIPPED',
      output: expect.objectContaining({ error: expect.stringMatching(reason) }),
    }),
  ]);

  // Nothing was evaluated again after the restart.
  expect(child.lines.filter(running)).toEqual([]);
  expect(child.lines.filter((l) => l.msg === 'engine: script process started')).toEqual([]);
  await kill9(child);
}, 90_000);
