/**
 * Crash between commit and delete: the engine (`nbconductor server`, a real child process) is killed with
 * SIGKILL after a message's actions committed but before its SQS delete went out (a proxy in front of
 * moto holds the DeleteMessage). After a restart SQS delivers the message again; the engine recognises it
 * and deletes it, and the workflow it started exists once.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { readCredentials } from '../../src/security';
import { spawnBin } from '../helpers/cli';
import { HOLD, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { watchLines } from '../helpers/pipeline';
import { startMoto, type S3TestServer } from '../helpers/s3-server';
import { sqsTestClient, type SqsTestClient } from '../helpers/sqs';
import { authenticate, raw, waitFor, type Json } from './support';

let moto: S3TestServer;
let sqs: SqsTestClient;
let proxy: FaultProxy;
let dir: string;
let holdDeletes = true;
let deleteHeld: () => void = () => undefined;
const held = new Promise<void>((resolve) => (deleteHeld = resolve));
const children: ChildProcess[] = [];

beforeAll(async () => {
  moto = await startMoto();
  sqs = sqsTestClient(moto);
  proxy = await startFaultProxy(moto.port, (_n, req) => {
    if (!holdDeletes || req.headers['x-amz-target'] !== 'AmazonSQS.DeleteMessage') return null;
    deleteHeld();
    return HOLD;
  });
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-sqs-crash-'));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await proxy?.stop();
  sqs?.destroy();
  await moto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `nbconductor server` on a free port with the engine data in `dir`; resolves to its URL and log. */
async function startEngineProcess(): Promise<{
  child: ChildProcess;
  url: string;
  log: ReturnType<typeof watchLines>;
}> {
  const configFile = path.join(dir, 'nbc.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      sqs: {
        enabled: true,
        endpoint: proxy.endpoint,
        accessKeyId: moto.credentials.accessKeyId,
        secretAccessKey: moto.credentials.secretAccessKey,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 2,
      },
    }),
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const child = spawnBin(
    ['--config', configFile, 'server', '--port', '0', '--data', path.join(dir, 'engine')],
    { cwd: dir, env: { ...env, NBCONDUCTOR_LOG_LEVEL: 'info' } },
  );
  children.push(child);
  const log = watchLines(child);
  const started = await log.waitFor((l) => typeof l.url === 'string' && String(l.msg).includes('listening'));
  const url = started.url as string;
  // The server wrote its key into its data dir on first start (a restart keeps it).
  await authenticate(url, readCredentials(path.join(dir, 'engine')));
  return { child, url, log };
}

async function workflowsFor(url: string, correlationId: string): Promise<Json[]> {
  return (await raw(url, 'GET', `/api/workflow/sqc_wf/correlated/${correlationId}?includeClosed=true`))
    .json as Json[];
}

it('a message whose actions committed before a SIGKILL is redelivered after the restart and runs nothing twice', async () => {
  const first = await startEngineProcess();
  await raw(first.url, 'POST', '/api/metadata/workflow', {
    name: 'sqc_wf',
    version: 1,
    tasks: [{ name: 'n', taskReferenceName: 'n', type: 'NOOP' }],
  });
  await raw(first.url, 'POST', '/api/event', {
    name: 'sqc_start',
    event: 'sqs:nbc-crash',
    active: true,
    actions: [
      {
        action: 'start_workflow',
        start_workflow: { name: 'sqc_wf', input: { file: '${file}' }, correlationId: '${file}' },
      },
    ],
  });
  const url = await waitFor('the queue to be created', () => sqs.queueUrl('nbc-crash'));
  const messageId = await sqs.send(url, JSON.stringify({ file: 'landed.csv' }));

  await held; // the engine committed and now waits for its DeleteMessage
  expect(await workflowsFor(first.url, 'landed.csv')).toHaveLength(1);
  await new Promise((resolve) => (first.child.once('exit', resolve), first.child.kill('SIGKILL')));
  holdDeletes = false;

  const second = await startEngineProcess();
  const redelivered = await second.log.waitFor(
    (l) => l.messageId === messageId && String(l.msg).includes('already processed'),
  );
  expect(redelivered.receiveCount).toBeGreaterThanOrEqual(2);
  await waitFor('the message to be deleted', async () => {
    const d = await sqs.depth(url);
    return d.visible === 0 && d.inFlight === 0;
  });
  const runs = await workflowsFor(second.url, 'landed.csv');
  expect(runs).toHaveLength(1);
  expect(runs[0]?.input['conductor.event.messageId']).toBe(messageId);
  const executions = (await raw(second.url, 'GET', '/api/event/execution/sqc_start')).json as Json[];
  expect(executions.map((e) => [e.messageId, e.status])).toEqual([[messageId, 'COMPLETED']]);
  await new Promise((resolve) => (second.child.once('exit', resolve), second.child.kill('SIGTERM')));
});
