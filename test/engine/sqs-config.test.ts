/**
 * The `sqs` configuration section (defaults → file → environment → flags, as every section) and the S3
 * settings kernels receive, so a notebook reads landed data from the store nbconductor is configured for.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { compileConfig } from '../../src/config';
import { startEngine } from '../../src/engine';
import { quietLogger } from '../helpers/logger';

const BASE = { HOME: os.tmpdir() };

it('is off by default, and takes the standard AWS variables, with the SQS-specific endpoint first', () => {
  const defaults = compileConfig({ env: BASE });
  expect(defaults.sqs).toEqual({
    enabled: false,
    endpoint: null,
    region: 'us-east-1',
    accessKeyId: null,
    secretAccessKey: null,
    sessionToken: null,
    waitTimeSeconds: 20,
    batchSize: 10,
    visibilityTimeoutSeconds: 60,
    maxReceives: 5,
    maxAttempts: 5,
  });
  const fromEnv = compileConfig({
    env: {
      ...BASE,
      NBCONDUCTOR_SQS_ENABLED: 'true',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:2',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKID',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    },
  });
  expect(fromEnv.sqs).toMatchObject({
    enabled: true,
    endpoint: 'http://127.0.0.1:2',
    region: 'eu-west-1',
    accessKeyId: 'AKID',
    secretAccessKey: 'secret',
    sessionToken: 'token',
  });
  expect(compileConfig({ env: { ...BASE, AWS_ENDPOINT_URL: 'http://h:1' } }).sqs.endpoint).toBe('http://h:1');
  expect(
    compileConfig({
      env: { ...BASE, AWS_ENDPOINT_URL_SQS: 'http://h:2', NBCONDUCTOR_SQS_ENDPOINT: 'http://h:3' },
    }).sqs.endpoint,
  ).toBe('http://h:3');
});

it('reads the section from a config file, which wins over the environment (env only fills defaults)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-sqs-config-'));
  try {
    const file = path.join(dir, 'nbc.json');
    writeFileSync(file, JSON.stringify({ sqs: { enabled: true, waitTimeSeconds: 5, region: 'ap-south-1' } }));
    const c = compileConfig({ env: { ...BASE, AWS_REGION: 'us-west-2' }, configFile: file });
    expect(c.sqs).toMatchObject({ enabled: true, waitTimeSeconds: 5, region: 'ap-south-1' });
    expect(c.sources['sqs.region']).toBe(`config file ${file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it.each([
  [{ waitTimeSeconds: 21 }, 'sqs.waitTimeSeconds'],
  [{ batchSize: 0 }, 'sqs.batchSize'],
  [{ batchSize: 11 }, 'sqs.batchSize'],
  [{ visibilityTimeoutSeconds: 0 }, 'sqs.visibilityTimeoutSeconds'],
  [{ maxReceives: 0 }, 'sqs.maxReceives'],
  [{ endpoint: 'localhost:4566' }, 'sqs.endpoint'],
])('rejects %j naming %s', (sqs, field) => {
  expect(() => compileConfig({ env: BASE, flags: { sqs } as never })).toThrow(field);
});

it('warns about an unknown sqs key, naming it, and ignores it', () => {
  const warnings: string[] = [];
  const c = compileConfig({
    env: BASE,
    flags: { sqs: { bogus: 1 } } as never,
    onWarning: (w) => warnings.push(w),
  });
  expect(warnings).toEqual([expect.stringContaining('"sqs.bogus"')]);
  expect(c.sqs).not.toHaveProperty('bogus');
});

it('rejects NBCONDUCTOR_SQS_ENABLED that is not a boolean', () => {
  expect(() => compileConfig({ env: { ...BASE, NBCONDUCTOR_SQS_ENABLED: 'maybe' } })).toThrow(
    'NBCONDUCTOR_SQS_ENABLED',
  );
});

it('gives kernels the S3 endpoint, region and identity nbconductor uses, even when set by flags', () => {
  const c = compileConfig({
    env: { ...BASE, AWS_SESSION_TOKEN: 'someone-elses', CONDUCTOR_AUTH_SECRET: 's' },
    flags: {
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu-central-1',
        accessKeyId: 'AK',
        secretAccessKey: 'SK',
        sessionToken: null, // these keys have no session token: the environment's is not theirs
      },
    },
  });
  expect(c.kernelEnv).toMatchObject({
    AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
    AWS_REGION: 'eu-central-1',
    AWS_DEFAULT_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'AK',
    AWS_SECRET_ACCESS_KEY: 'SK',
  });
  expect(c.kernelEnv.AWS_SESSION_TOKEN).toBeUndefined();
  expect(c.kernelEnv.CONDUCTOR_AUTH_SECRET).toBeUndefined();
  // Without configured keys the kernels keep whatever the environment gives them.
  const plain = compileConfig({ env: { ...BASE, AWS_SESSION_TOKEN: 't' } });
  expect(plain.kernelEnv.AWS_SESSION_TOKEN).toBe('t');
  expect(plain.kernelEnv.AWS_ENDPOINT_URL_S3).toBeUndefined();
});

it('an engine with SQS on and half a key pair refuses to start, naming the missing key', async () => {
  const sqs = { ...compileConfig({ env: BASE }).sqs, enabled: true, accessKeyId: 'AKID' };
  await expect(
    startEngine({ memory: true, logger: quietLogger(), sqs, auth: { mode: 'none' } }),
  ).rejects.toThrow(expect.objectContaining({ code: 'E_CONFIG', details: { field: 'sqs.secretAccessKey' } }));
});
