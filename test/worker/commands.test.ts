/**
 * The pipeline commands as a user runs them: `register` (idempotent), `start NAME -i k=v` (follows to the
 * end), `up` (what `npm start` runs), and the worker writing to S3 and running kernels through a Jupyter
 * Server.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { packageRoot } from '../../src/paths';
import type { RunningWorker } from '../../src/worker/runtime';
import { runServerCommand } from '../../src/cli/server-command';
import { compileConfig } from '../../src/config';
import { runCli } from '../helpers/cli';
import { captureLogger } from '../helpers/logger';
import { signIn } from '../helpers/viewer';
import { closedPort } from '../helpers/net';
import { startPipelineStack, type PipelineStack } from '../helpers/pipeline';
import { startMoto, type S3TestServer } from '../helpers/s3-server';

const root = packageRoot();

describe('register and start against the engine', () => {
  let stack: PipelineStack;

  beforeAll(async () => {
    stack = await startPipelineStack();
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('registers workflows/ idempotently and follows a started workflow to the end', async () => {
    // the key as a user of a real Conductor passes it
    const env = {
      CONDUCTOR_SERVER_URL: stack.engine.url,
      CONDUCTOR_AUTH_KEY: stack.target.keyId ?? '',
      CONDUCTOR_AUTH_SECRET: stack.target.keySecret ?? '',
    };
    const first = await runCli(['register'], { cwd: root, env });
    expect(first.stdout).toMatch(/registered 1 task definitions, \d+ workflows, 2 event handlers/);
    const again = await runCli(['register', 'workflows'], { cwd: root, env });
    expect(again).toMatchObject({ code: 0, stdout: first.stdout });

    const dataDir = path.join(stack.outputRoot, 'data');
    const run = await runCli(
      [
        'start',
        'nb_linear',
        '-i',
        'region_code=br',
        '-i',
        'rows=150',
        '-i',
        `data_dir=${dataDir}`,
        '-i',
        'run_date=2026-04-01',
      ],
      { cwd: root, env },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^extract +COMPLETED +\S+extract\/attempt-0\.ipynb$/m);
    expect(run.stdout).toMatch(/^vid_agg +COMPLETED +\S+vid_agg\/attempt-0\.ipynb$/m);
    expect(run.stdout).toMatch(/nb_linear \S+ COMPLETED/);
    expect(run.stdout).toContain('"region_code": "br"');

    const failed = await runCli(
      [
        'start',
        'nb_with_failure',
        '-i',
        'region_code=xx',
        '-i',
        'regions=["us"]',
        '-i',
        `data_dir=${dataDir}`,
        '-i',
        'rows=50',
      ],
      { cwd: root, env },
    );
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^vid_agg +FAILED +\S+attempt-0\.ipynb$/m);
    expect(failed.stdout).toMatch(/nb_with_failure \S+ FAILED/);
  });

  it('says clearly when a workflow does not exist', async () => {
    // the key found through the engine's data directory
    const r = await runCli(['start', 'no_such_workflow', '-i', 'a=1'], {
      cwd: root,
      env: { CONDUCTOR_SERVER_URL: stack.engine.url, NBCONDUCTOR_ENGINE_DATA: stack.engine.dataDir },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/starting workflow no_such_workflow.*(not found|No such)/i);
  });
});

it('up on a terminal: runs engine, Jupyter Server and worker, shows each task start and end, readable logs, the notebooks', async () => {
  // A shell set up for another Conductor: every variable the SDK reads points elsewhere. `up` uses its
  // own engine and key regardless (the SDK used to prefer these and fail with "fetch failed").
  const elsewhere = `http://127.0.0.1:${await closedPort()}`;
  const hostile = {
    CONDUCTOR_SERVER_URL: elsewhere,
    CONDUCTOR_AUTH_KEY: 'orkes-key',
    CONDUCTOR_AUTH_SECRET: 'orkes-secret',
    CONDUCTOR_PROXY_URL: elsewhere,
    CONDUCTOR_REQUEST_TIMEOUT_MS: '1',
    CONDUCTOR_CONNECT_TIMEOUT_MS: '1',
    CONDUCTOR_REFRESH_TOKEN_INTERVAL: '1',
    CONDUCTOR_MAX_HTTP2_CONNECTIONS: '0',
    CONDUCTOR_DISABLE_HTTP2: 'no',
    CONDUCTOR_RETRY_SERVER_ERRORS: 'true',
    CONDUCTOR_TLS_CERT_PATH: '/nonexistent',
    CONDUCTOR_TLS_KEY_PATH: '/nonexistent',
    CONDUCTOR_TLS_CA_PATH: '/nonexistent',
    CONDUCTOR_TLS_INSECURE: 'true',
    CONDUCTOR_LOG_LEVEL: 'DEBUG',
  };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nbc-up-'));
  // In-process (to give it a terminal), so the SDK sees the hostile variables in process.env too.
  const saved = { ...process.env };
  Object.assign(process.env, hostile);
  try {
    const r = await runCli(
      [
        'up',
        '--workflow',
        'nb_linear',
        '-i',
        `data_dir=${path.join(dir, 'data')}`,
        '-i',
        'rows=100',
        '--definitions',
        path.join(root, 'workflows'),
      ],
      {
        cwd: root,
        env: {
          ...hostile,
          NBCONDUCTOR_OUTPUT_ROOT: path.join(dir, 'runs'),
          NBCONDUCTOR_ENGINE_DATA: path.join(dir, 'engine'),
          NBCONDUCTOR_ENGINE_PORT: '0',
          NBCONDUCTOR_METRICS_PORT: '0', // engine and worker metrics on one registry
          NBCONDUCTOR_LOG_LEVEL: 'info',
        },
        tty: true,
      },
    );
    expect(r.stderr).not.toMatch(/fetch failed|"level":50/);
    expect(r.code).toBe(0);
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[[\\d;]*m`, 'g');
    const out = r.stdout.replace(ansi, '');
    expect(out).toMatch(/^ {2}▶ extract +IN_PROGRESS$/m);
    expect(out).toMatch(/^ {2}✓ extract +COMPLETED +\d+(\.\d)? m?s \S+extract\/attempt-0\.ipynb$/m);
    expect(out).toMatch(/^ {2}✓ vid_agg +COMPLETED +\d+(\.\d)? m?s \S+vid_agg\/attempt-0\.ipynb$/m);
    // Readable log lines, not JSON, on the terminal.
    expect(r.stderr.replace(ansi, '')).toMatch(
      /^\d\d:\d\d:\d\d INFO {2}notebook_run worker polling {2}url=/m,
    );
    expect(r.stderr).not.toContain('{"level"');
    expect(r.stdout).toMatch(/nbconductor engine: http:\/\/127\.0\.0\.1:\d+\/api/);
    expect(r.stdout).toMatch(/metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(r.stdout).toMatch(
      /^browser login link \(works once\): http:\/\/127\.0\.0\.1:\d+\/login\?code=\S+$/m,
    );
    expect(r.stdout).toMatch(/kernels via jupyter-server/);
    expect(r.stdout).toMatch(/nb_linear COMPLETED/);
    expect(r.stdout).not.toMatch(/^(DEBUG|INFO) /m); // nothing from the SDK's console logger
    const notebooks = r.stdout
      .split('\n')
      .filter((l) => /^ {2}\S+attempt-0\.ipynb$/.test(l))
      .map((l) => l.trim());
    expect(notebooks).toHaveLength(2);
    for (const nb of notebooks) {
      expect(existsSync(nb)).toBe(true);
      expect(statSync(nb).mode & 0o777).toBe(0o600);
    }
    expect(r.stdout).toMatch(/total_minutes: \d+/);
    expect(statSync(path.join(dir, 'engine', 'credentials.json')).mode & 0o777).toBe(0o600);
    // it ends with the run's page and a login link to it, and says how to open it once `up` has returned
    const [how, runLine, linkLine] = r.stdout.trimEnd().split('\n').slice(-3) as [string, string, string];
    expect(how).toContain('start `nbconductor server`');
    expect(how).toContain('`nbconductor up --serve`');
    const [, base, id] = /^this run: (http:\/\/127\.0\.0\.1:\d+)\/runs\/([\w-]+)$/.exec(runLine) ?? [];
    expect(id).toBeDefined();
    const link = /^open it in a browser \(one-time login link\): (\S+)$/.exec(linkLine)?.[1] as string;
    expect(link).toMatch(new RegExp(`^${base}/login\\?code=nbc\\.\\S+&next=%2Fruns%2F${id}$`));
    // ...and that is true: `nbconductor server` on that port and data directory opens the link
    const controller = new AbortController();
    let listening: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (listening = resolve));
    const { logger } = captureLogger('info', (l) => {
      if (l.msg?.startsWith('nbconductor engine listening')) listening();
    });
    const server = runServerCommand({
      host: '127.0.0.1',
      port: Number(new URL(base as string).port),
      dataDir: path.join(dir, 'engine'),
      memory: false,
      security: { auth: { mode: 'token' }, allowedHosts: [], allowedOrigins: [] },
      logger,
      print: () => undefined,
      signal: controller.signal,
      pages: {
        config: compileConfig({ env: { NBCONDUCTOR_OUTPUT_ROOT: path.join(dir, 'runs') } }),
        cwd: dir,
      },
    });
    try {
      await Promise.race([ready, server.then(() => Promise.reject(new Error('server ended early')))]);
      const page = await fetch(`${base}/runs/${id}`, { headers: { cookie: await signIn(link) } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/nb_linear[\s\S]*COMPLETED/);
    } finally {
      controller.abort();
      await server;
    }
  } finally {
    for (const k of Object.keys(hostile)) delete process.env[k];
    Object.assign(process.env, saved);
    await rm(dir, { recursive: true, force: true });
  }
});

describe('a worker writing output notebooks to S3, with kernels from a Jupyter Server', () => {
  let stack: PipelineStack;
  let s3: S3TestServer;
  let worker: RunningWorker;

  beforeAll(async () => {
    s3 = await startMoto();
    await s3.createBucket('pipelines');
    stack = await startPipelineStack();
    await stack.register();
    worker = await stack.startWorker(
      { worker: { outputRoot: 's3://pipelines/runs' }, s3: s3.config() },
      'jupyter-server',
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await s3?.stop();
  });

  it('runs a pipeline end to end and the notebooks land in the bucket', async () => {
    const id = await stack.start('nb_linear', {
      run_date: '2026-04-02',
      rows: 120,
      data_dir: path.join(stack.outputRoot, 'data'),
    });
    const wf = await stack.waitFor(id);
    expect(wf.status).toBe('COMPLETED');
    // both notebooks ran on kernels the pool had started ahead of need (none started on demand)
    expect(worker.pool.stats().kernels.python3).toMatchObject({ handedOut: 2, fromPool: 2 });
    const agg = wf.tasks.find((t) => t.referenceTaskName === 'vid_agg');
    expect(agg?.outputData.outputNotebook).toBe(
      `s3://pipelines/runs/nb_linear/${id}/vid_agg/attempt-0.ipynb`,
    );
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: s3.credentials,
    });
    try {
      const obj = await client.send(
        new GetObjectCommand({ Bucket: 'pipelines', Key: `runs/nb_linear/${id}/vid_agg/attempt-0.ipynb` }),
      );
      const nb = JSON.parse((await obj.Body?.transformToString()) ?? '{}') as {
        metadata: { nbconductor: { workflow_id: string } };
      };
      expect(nb.metadata.nbconductor.workflow_id).toBe(id);
    } finally {
      client.destroy();
    }
  });
});
