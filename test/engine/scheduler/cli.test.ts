/**
 * Declarative schedules: `nbconductor register` upserts `workflows/schedules/*.json` (idempotent; a
 * changed schedule takes effect without a double fire; a bad file is refused naming file and field),
 * and `nbconductor schedules` lists schedules with next runs and last results.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { runCli } from '../../helpers/cli';
import { packageRoot } from '../../../src/paths';
import {
  executions,
  raw,
  schedulerHarness,
  waitForExecutions,
  WF,
  type Json,
  type SchedulerHarness,
} from './support';

let h: SchedulerHarness;
let dir: string;

beforeAll(async () => {
  h = await schedulerHarness();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-sched-cli-'));
  fs.mkdirSync(path.join(dir, 'schedules'));
  fs.writeFileSync(
    path.join(dir, 'wf.json'),
    JSON.stringify({
      name: WF,
      version: 1,
      tasks: [{ name: 'sched_task', taskReferenceName: 't', type: 'SIMPLE' }],
    }),
  );
});
afterAll(async () => {
  await h.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function writeSchedule(file: string, body: Json): void {
  fs.writeFileSync(path.join(dir, 'schedules', file), JSON.stringify(body, null, 2));
}

// The key is given as a user gives a remote Conductor's key (the engine runs in memory: no credentials.json).
const cli = (...args: string[]) =>
  runCli(args, {
    cwd: dir,
    env: {
      CONDUCTOR_AUTH_KEY: h.engine.credentials?.keyId,
      CONDUCTOR_AUTH_SECRET: h.engine.credentials?.keySecret,
    },
  });

it('register upserts schedule files: twice changes nothing, a changed file takes effect without a double fire', async () => {
  writeSchedule('tick.json', {
    name: 'tick',
    cronExpression: '* * * * * *',
    startWorkflowRequest: { name: WF, input: { v: 1 } },
  });
  const first = await cli('register', dir, '--conductor-url', h.url);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/1 workflows, 0 event handlers, 1 schedules/);
  const created = (await h.schedules.getSchedule('tick')) as Json;
  await waitForExecutions(h.url, 'tick', 1);
  expect((await cli('register', dir, '--conductor-url', h.url)).code).toBe(0);
  expect(((await h.schedules.getSchedule('tick')) as Json).createTime).toBe(created.createTime);

  writeSchedule('tick.json', {
    name: 'tick',
    cronExpression: '*/2 * * * * *',
    startWorkflowRequest: { name: WF, input: { v: 2 } },
  });
  expect((await cli('register', dir, '--conductor-url', h.url)).code).toBe(0);
  const changed = (await h.schedules.getSchedule('tick')) as Json;
  expect(changed.cronExpression).toBe('*/2 * * * * *');
  expect(changed.nextRunTime % 2000).toBe(0);
  const recs = await waitForExecutions(h.url, 'tick', 3);
  await h.schedules.pauseSchedule('tick');
  const slots = (await executions(h.url, 'scheduleName IN (tick)')).map((e) => e.scheduledTime as number);
  expect(new Set(slots).size).toBe(slots.length);
  expect(recs.every((r) => r.state === 'EXECUTED')).toBe(true);
  expect(slots.filter((t) => t > changed.updatedTime).every((t) => t % 2000 === 0)).toBe(true);
});

it('a bad schedule file is refused before anything is sent, naming the file and the field', async () => {
  writeSchedule('zz-bad.json', {
    name: 'zz-bad',
    cronExpression: '0 9 * * *',
    startWorkflowRequest: { name: WF },
  });
  const r = await cli('register', dir, '--conductor-url', h.url);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/zz-bad\.json.*cronExpression.*6 fields.*found 5/);
  expect((await raw(h.url, 'GET', '/api/scheduler/schedules/zz-bad')).status).toBe(404);
  fs.rmSync(path.join(dir, 'schedules', 'zz-bad.json'));
});

it('nbconductor schedules lists next runs and last results', async () => {
  writeSchedule('yearly.json', {
    name: 'yearly',
    cronExpression: '@yearly',
    zoneId: 'Europe/Amsterdam',
    startWorkflowRequest: { name: WF },
  });
  writeSchedule('ghost.json', {
    name: 'ghost',
    cronExpression: '* * * * * *',
    startWorkflowRequest: { name: 'no_such_wf' },
  });
  expect((await cli('register', dir, '--conductor-url', h.url)).code).toBe(0);
  await waitForExecutions(h.url, 'ghost', 1, 'FAILED');
  await h.schedules.pauseSchedule('ghost', 'broken on purpose');
  const r = await cli('schedules', '--conductor-url', h.url);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^SCHEDULE\s+WORKFLOW\s+CRON ZONE\s+NEXT RUN \(UTC\)\s+LAST RESULT/);
  const nextNewYear = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1) - 3_600_000)
    .toISOString()
    .slice(0, 10);
  expect(lines.find((l) => l.startsWith('yearly'))).toMatch(
    new RegExp(`@yearly Europe/Amsterdam\\s+${nextNewYear} 23:00:00Z\\s+never ran`),
  );
  expect(lines.find((l) => l.startsWith('ghost'))).toMatch(
    /paused \(broken on purpose\)\s+FAILED \S+ \S+: No such workflow defined/,
  );
  expect(lines.find((l) => l.startsWith('tick'))).toMatch(/EXECUTED \S+ \S+ [0-9a-f-]{36}/);
  const json = JSON.parse((await cli('schedules', '--json', '--conductor-url', h.url)).stdout) as Json[];
  expect(json.find((s) => s.name === 'yearly')).toMatchObject({
    workflow: WF,
    crons: ['@yearly Europe/Amsterdam'],
    paused: false,
  });
});

it('the repository’s workflows/ register with their schedules', async () => {
  const r = await cli('register', path.join(packageRoot(), 'workflows'), '--conductor-url', h.url);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/[1-9]\d* schedules/);
  expect(await h.schedules.getSchedule('nb_fanout_daily')).toMatchObject({
    cronExpression: '0 0 6 * * *',
    runCatchupScheduleInstances: true,
    startWorkflowRequest: { name: 'nb_fanout' },
  });
});

it('the compose file enables Conductor’s scheduler, so the same schedule files register there', () => {
  const YAML = require('yaml') as typeof import('yaml');
  const compose = YAML.parse(
    fs.readFileSync(path.join(packageRoot(), 'docker-compose.conductor.yml'), 'utf8'),
  ) as Json;
  expect(compose.services['conductor-server'].environment['conductor.scheduler.enabled']).toBe('true');
});
