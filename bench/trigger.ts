/**
 * S3 arrival → first notebook cell: the time from an object being put into S3 (PutObject sent) to the
 * first cell of the notebook it triggers starting to run. The path is the real one: moto's server on
 * 127.0.0.1 sends the ObjectCreated notification to an SQS queue, the embedded engine long-polls it and
 * its event handler starts a one-notebook workflow, the notebook_run worker polls the task and runs it on
 * a kernel (pooled, or started per run). Columns split the time at the workflow's creation.
 *
 *   npm run bench -- trigger [--runs 10]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

import { startWorkerRuntime } from '../src/worker/runtime';
import { compileConfig } from '../src/config';
import { startEngine } from '../src/engine';
import { silentLogger } from '../src/log';
import { packageRoot } from '../src/paths';
import { arg, firstCellStart, registerNotebookWorkflow } from './notebook-workflow';
import { median, percentile, printTable } from './table';

type Sdk = typeof import('@io-orkes/conductor-javascript');
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const QUEUE = 'nbc-bench-landing';

/** `python3 -m moto.server` on a free port (S3 and SQS, with bucket notifications). */
async function startMoto(): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`moto exited (${code}): ${out}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

interface Run {
  toWorkflowMs: number;
  toFirstCellMs: number;
}

async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function benchTrigger(argv: string[]): Promise<void> {
  const runs = Number(arg(argv, '--runs', '10'));
  const root = packageRoot();
  const work = mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-trigger-'));
  const logger = silentLogger();
  const moto = await startMoto();
  const s3 = new S3Client({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  const sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  const sqsConfig = compileConfig({
    env: { HOME: os.homedir() },
    flags: { sqs: { enabled: true, endpoint: moto.endpoint, ...CREDENTIALS } },
  }).sqs;
  const engine = await startEngine({
    host: '127.0.0.1',
    port: 0,
    memory: true,
    logger,
    sqs: sqsConfig,
    auth: { mode: 'none' },
  });
  const sdk = require('@io-orkes/conductor-javascript') as Sdk;
  const client = await sdk.orkesConductorClient({ serverUrl: engine.url });
  const metadata = new sdk.MetadataClient(client);
  const executor = new sdk.WorkflowExecutor(client);
  const events = new sdk.EventClient(client);
  const rows: string[][] = [];
  const seen = new Set<string>();
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'bench-landing' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: QUEUE }));
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes?.QueueArn;
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'bench-landing',
        NotificationConfiguration: {
          QueueConfigurations: [{ QueueArn: arn, Events: ['s3:ObjectCreated:*'] }],
        },
      }),
    );
    await registerNotebookWorkflow(
      metadata,
      'bench_landed',
      path.join(root, 'test', 'fixtures', 'notebooks', 'trivial.ipynb'),
      { n: '${workflow.input.size}' },
    );
    await events.addEventHandler({
      name: 'bench_landed',
      event: `sqs:${QUEUE}`,
      active: true,
      condition: "$.Records != null && String($.Records[0].eventName).indexOf('ObjectCreated:') == 0",
      actions: [
        {
          action: 'start_workflow',
          start_workflow: { name: 'bench_landed', input: { size: '${Records[0].s3.object.size}' } },
        },
      ],
    } as never);

    for (const pool of [1, 0]) {
      const config = compileConfig({
        env: { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'silent' },
        flags: {
          conductor: { serverUrl: engine.url },
          kernel: { provider: 'local' },
          worker: {
            outputRoot: path.join(work, `pool-${pool}`),
            concurrency: 1,
            kernelPoolSize: pool,
            pollIntervalMs: 20,
            workerId: `bench-trigger-${pool}`,
          },
        },
      });
      const runtime = await startWorkerRuntime(config, logger, { cwd: root });
      const results: Run[] = [];
      for (let i = 0; i < runs + 1; i++) {
        await runtime.pool.warm();
        // From the moment the PUT is sent: moto delivers the notification before it answers.
        const landed = Date.now();
        await s3.send(
          new PutObjectCommand({ Bucket: 'bench-landing', Key: `in/${pool}-${i}.csv`, Body: 'a\n1\n' }),
        );
        const workflowId = await waitFor(async () => {
          const list = (await events.getEventExecutions('bench_landed')) as {
            status?: string;
            output?: { workflowId?: string };
          }[];
          return list
            .map((e) => e.output?.workflowId)
            .find((id): id is string => typeof id === 'string' && !seen.has(id));
        }, `the workflow triggered by object ${i} (kernel pool ${pool})`);
        seen.add(workflowId);
        const done = await waitFor(async () => {
          const w = (await executor.getWorkflow(workflowId, true)) as {
            status: string;
            createTime?: number;
            tasks?: { outputData?: { outputNotebook?: string } }[];
          };
          return ['COMPLETED', 'FAILED', 'TERMINATED'].includes(w.status) ? w : undefined;
        }, 'the workflow to finish');
        if (done.status !== 'COMPLETED') throw new Error(`workflow ${workflowId} ${done.status}`);
        const notebook = String(done.tasks?.[0]?.outputData?.outputNotebook);
        if (i === 0) continue; // warm-up: first SDK and kernel paths
        results.push({
          toWorkflowMs: (done.createTime ?? NaN) - landed,
          toFirstCellMs: firstCellStart(notebook) - landed,
        });
      }
      await runtime.stop();
      const first = results.map((r) => r.toFirstCellMs);
      const wfs = results.map((r) => r.toWorkflowMs);
      rows.push([
        pool > 0 ? 'pooled kernel (pool 1)' : 'kernel started per run (pool 0)',
        String(results.length),
        median(wfs).toFixed(0),
        median(first).toFixed(0),
        percentile(first, 90).toFixed(0),
        Math.max(...first).toFixed(0),
        pool > 0 ? (percentile(first, 90) < 1000 ? 'yes' : 'NO') : '–',
      ]);
    }
    process.stdout.write(
      `\nS3 PutObject sent → notification → SQS long poll → event handler → workflow → worker → first cell\n` +
        `machine load (1/5/15 min): ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' / ')}\n\n`,
    );
    printTable(
      ['kernel', 'runs', 'to workflow p50 ms', 'to first cell p50 ms', 'p90 ms', 'max ms', 'p90 < 1 s'],
      rows,
    );
  } finally {
    client.stopBackgroundRefresh?.();
    await engine.stop();
    s3.destroy();
    sqs.destroy();
    moto.child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}
