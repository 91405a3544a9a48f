/**
 * `nbconductor run` with s3:// input and output, against a real S3-protocol server (moto) on 127.0.0.1,
 * configured the way a user configures it: through the environment.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { JsonObject } from '../../src/json';
import { parseNotebook } from '../../src/notebook/io';
import { runCli } from '../helpers/cli';
import { fixturePath } from '../helpers/fixtures';
import { startMoto, type S3TestServer } from '../helpers/s3-server';

let s3: S3TestServer;
let dir: string;
let client: S3Client;

function envFor(server: S3TestServer, creds = server.credentials): Record<string, string> {
  return {
    NBCONDUCTOR_S3_ENDPOINT: server.endpoint,
    NBCONDUCTOR_S3_FORCE_PATH_STYLE: 'true',
    NBCONDUCTOR_S3_MAX_ATTEMPTS: '2',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
  };
}

async function getText(key: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({ Bucket: 'notebooks', Key: key }));
  return (await res.Body?.transformToString()) ?? '';
}

beforeAll(async () => {
  s3 = await startMoto();
  await s3.createBucket('notebooks');
  dir = await mkdtemp(path.join(os.tmpdir(), 'nbc-s3-cli-'));
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
  });
  await client.send(
    new PutObjectCommand({
      Bucket: 'notebooks',
      Key: 'in/simple.ipynb',
      Body: await readFile(fixturePath('simple')),
    }),
  );
  await client.send(
    new PutObjectCommand({ Bucket: 'notebooks', Key: 'params.yaml', Body: 'msg: from-s3-yaml\n' }),
  );
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('run with s3:// URIs', () => {
  it('reads the input and a -f parameters file from S3 and writes the output notebook there', async () => {
    const r = await runCli(
      [
        'run',
        's3://notebooks/in/simple.ipynb',
        's3://notebooks/out/{{ msg }}.ipynb',
        '-f',
        's3://notebooks/params.yaml',
      ],
      {
        cwd: dir,
        env: envFor(s3),
      },
    );
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: 's3://notebooks/out/from-s3-yaml.ipynb\n' });
    const nb = parseNotebook(await getText('out/from-s3-yaml.ipynb'), 's3');
    expect((nb.metadata.papermill as JsonObject).output_path).toBe('s3://notebooks/out/from-s3-yaml.ipynb');
    expect(JSON.stringify(nb.cells[2])).toContain('from-s3-yaml\\n');
  });

  it('is write-once on S3 with --no-overwrite (a conditional put)', async () => {
    const args = [
      'run',
      's3://notebooks/in/simple.ipynb',
      's3://notebooks/out/once.ipynb',
      '-p',
      'msg',
      'first',
      '--no-overwrite',
    ];
    expect((await runCli(args, { cwd: dir, env: envFor(s3) })).code).toBe(0);
    const again = await runCli([...args.slice(0, 5), 'second', '--no-overwrite'], {
      cwd: dir,
      env: envFor(s3),
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(await getText('out/once.ipynb')).toContain('first');
  });

  it('names the missing bucket or key', async () => {
    const key = await runCli(['run', 's3://notebooks/in/nope.ipynb', 'out.ipynb'], {
      cwd: dir,
      env: envFor(s3),
    });
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/s3:\/\/notebooks\/in\/nope\.ipynb/);
    const bucket = await runCli(['run', 's3://no-such-bucket/x.ipynb', 'out.ipynb'], {
      cwd: dir,
      env: envFor(s3),
    });
    expect(bucket.code).toBe(2);
    expect(bucket.stderr).toMatch(/no-such-bucket/);
  });
});

describe('run with bad S3 credentials', () => {
  let secured: S3TestServer;

  beforeAll(async () => {
    secured = await startMoto({ iamAuth: {} });
    await secured.createBucket('secure');
  });

  afterAll(async () => {
    await secured?.stop();
  });

  it('fails with a clear credentials error that never shows the secret', async () => {
    const wrong = {
      accessKeyId: secured.credentials.accessKeyId,
      secretAccessKey: 'definitely-not-the-secret',
    };
    const r = await runCli(['run', 's3://secure/in.ipynb', 'out.ipynb'], {
      cwd: dir,
      env: envFor(secured, wrong),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_STORAGE_AUTH/);
    expect(r.stderr).toMatch(/signature|credentials/i);
    expect(r.stderr).not.toContain('definitely-not-the-secret');
  });
});
