/**
 * The flagship trigger end to end: data landing in S3 starts a pipeline. moto's server on 127.0.0.1
 * (S3 and SQS on one port, with real bucket notifications) sends an ObjectCreated notification to the
 * `nbc-landing` queue; the embedded engine consumes it with the repository's handler
 * (workflows/events/nb_s3_landed.json), which starts nb_s3_landed with the bucket and key; the real
 * worker runs the notebooks on real kernels: ingest_landed reads the landed object from S3 (the kernel
 * gets the S3 endpoint and keys through its environment), and every output notebook lands in S3.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

import type { JsonObject } from '../../src/json';
import { packageRoot } from '../../src/paths';
import { raw, waitFor, type Json } from '../engine/support';
import { startPipelineStack, type PipelineStack, type TaskRun } from '../helpers/pipeline';
import { startMoto, type S3TestServer } from '../helpers/s3-server';
import { sqsTestClient, type SqsTestClient } from '../helpers/sqs';

let moto: S3TestServer;
let sqs: SqsTestClient;
let s3: S3Client;
let stack: PipelineStack;
let queueUrl: string;

const CSV = [
  'event_time,region,title,device,minutes',
  '2024-03-05T08:00:00,us,Midnight Harbor,tv,40',
  '2024-03-05T09:30:00,US,Signal Lost,mobile,25',
  '2024-03-05T10:00:00,us,Midnight Harbor,web,15',
  '2024-03-05T12:10:00,gb,Northbound,tv,55',
  '2024-03-05T21:45:00,gb,Midnight Harbor,tablet,30',
].join('\n');

beforeAll(async () => {
  moto = await startMoto();
  sqs = sqsTestClient(moto);
  s3 = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: moto.credentials,
  });
  await moto.createBucket('landing');
  await moto.createBucket('nbc-runs');
  stack = await startPipelineStack({ sqs: moto.sqsConfig() });
  await stack.register();
  // The shipped task definition backs off 10 s between retries; keep the semantics, shorten the wait.
  const taskDefs = JSON.parse(
    readFileSync(path.join(packageRoot(), 'workflows', 'taskdefs.json'), 'utf8'),
  ) as Json[];
  await stack.registerTaskDefs(taskDefs.map((d) => ({ ...d, retryDelaySeconds: 0 })));
  // The shipped definition, with its default data_dir in the test's directory instead of runs/data.
  const def = JSON.parse(
    (await raw(stack.engine.url, 'GET', '/api/metadata/workflow/nb_s3_landed')).text,
  ) as Json;
  await stack.registerWorkflow({ ...def, inputTemplate: { data_dir: `${stack.outputRoot}/data` } });
  // The engine subscribes to the handler's queue and creates it; then S3 is told to notify it.
  queueUrl = await waitFor('the engine to create nbc-landing', () => sqs.queueUrl('nbc-landing'));
  await sqs.notifyOnObjectCreated('landing', queueUrl);
  await stack.startWorker({ s3: moto.config(), worker: { outputRoot: 's3://nbc-runs/runs' } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  s3?.destroy();
  sqs?.destroy();
  await moto?.stop();
});

async function land(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
}

const started = new Set<string>();

/** The next workflow the handler started (found through its event executions). */
async function nextStarted(): Promise<string> {
  const exec = await waitFor(
    'the handler to start a workflow',
    async () => {
      const list = (await raw(stack.engine.url, 'GET', '/api/event/execution/nb_s3_landed')).json as Json[];
      return list.find((e) => e.status === 'COMPLETED' && !started.has(String(e.output.workflowId)));
    },
    60_000,
  );
  started.add(String(exec.output.workflowId));
  return String(exec.output.workflowId);
}

async function readNotebook(uri: string): Promise<JsonObject> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`not an s3 URI: ${uri}`);
  const r = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
  return JSON.parse(
    await (r.Body as { transformToString(): Promise<string> }).transformToString(),
  ) as JsonObject;
}

function task(tasks: TaskRun[], ref: string): TaskRun {
  const t = [...tasks].reverse().find((x) => x.referenceTaskName === ref);
  if (!t) throw new Error(`no task ${ref}`);
  return t;
}

it('an object landing in S3 runs nb_s3_landed: the first notebook reads it from S3, every output notebook lands in S3', async () => {
  await land('views/2024-03-05 export.csv', CSV);
  const id = await nextStarted();
  const wf = await stack.waitFor(id, undefined, 240_000);
  expect(wf.status).toBe('COMPLETED');
  expect(wf.input).toMatchObject({
    bucket: 'landing',
    key: 'views%2F2024-03-05+export.csv', // as moto's notification encodes it (quote_plus)
    'conductor.event.name': 'sqs:nbc-landing',
  });
  expect(wf.output).toMatchObject({
    source_uri: 's3://landing/views/2024-03-05 export.csv',
    run_date: '2024-03-05',
    row_count: 5,
    regions_reported: ['gb', 'us'],
    best_region: 'gb', // 85 minutes against 80
    grand_total_minutes: 165,
  });

  const ingest = task(wf.tasks, 'ingest');
  expect(ingest.outputData.scraps).toMatchObject({ bytes: CSV.length, rows_by_region: { gb: 2, us: 3 } });
  const notebooks = wf.tasks.map((t) => t.outputData.outputNotebook).filter((u) => u !== undefined);
  expect(notebooks).toHaveLength(4); // ingest, vid_agg × 2, report
  for (const uri of notebooks) {
    expect(String(uri)).toMatch(new RegExp(`^s3://nbc-runs/runs/nb_s3_landed/${id}/`));
    const nb = await readNotebook(String(uri));
    expect((nb.metadata as JsonObject).papermill).toBeDefined();
  }
  const first = JSON.stringify(await readNotebook(String(ingest.outputData.outputNotebook)));
  expect(first).toContain(`read ${CSV.length} bytes from s3://landing/views/2024-03-05 export.csv`);
  await waitFor('the notification to be deleted from the queue', async () => {
    const d = await sqs.depth(queueUrl);
    return d.visible === 0 && d.inFlight === 0;
  });
});

it('a landed file the pipeline cannot read fails its first notebook with a reason naming the file, and S3 keeps the record', async () => {
  await land('views/broken.csv', 'when,where\n2024-03-05,us\n');
  const id = await nextStarted();
  const wf = await stack.waitFor(id, undefined, 120_000);
  expect(wf.status).toBe('FAILED');
  const ingest = task(wf.tasks, 'ingest');
  expect(ingest.reasonForIncompletion).toContain('s3://landing/views/broken.csv lacks the columns');
  const nb = JSON.stringify(await readNotebook(String(ingest.outputData.outputNotebook)));
  expect(nb).toContain('papermill-error-cell-tag');
});

it("S3's test event and other messages on the queue start nothing and are recorded", async () => {
  const list = (await raw(stack.engine.url, 'GET', '/api/event/execution/nb_s3_landed')).json as Json[];
  const skipped = list.filter((e) => e.status === 'SKIPPED');
  expect(skipped.some((e) => String(e.output.msg).includes('s3:TestEvent'))).toBe(true);
  const messages = (await raw(stack.engine.url, 'GET', '/api/event/message/sqs:nbc-landing')).json as Json[];
  const test = messages.find((m) => String(m.payload).includes('s3:TestEvent'));
  expect(test).toMatchObject({ status: 'REJECTED' });
  expect(messages.filter((m) => m.status === 'HANDLED')).toHaveLength(2);
});
