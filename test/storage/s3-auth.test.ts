/**
 * Credential failures against a server that really checks SigV4 signatures and IAM policies: moto in
 * IAM mode (its own server for this file).
 */
import { NbcError } from '../../src/errors';
import { createS3Backend, type S3Backend } from '../../src/storage/s3-backend';
import { captureLogger } from '../helpers/logger';
import { startMoto, type S3TestServer } from '../helpers/s3-server';

let server: S3TestServer;
const backends: S3Backend[] = [];
const { logger, lines } = captureLogger('trace');

beforeAll(async () => {
  server = await startMoto({ iamAuth: { users: [{ name: 'no-permissions', allowS3: false }] } });
  await server.createBucket('nbc-auth');
});

afterAll(async () => {
  await Promise.all(backends.map((b) => b.close()));
  await server?.stop();
});

function backend(accessKeyId: string | null, secretAccessKey: string | null): S3Backend {
  const b = createS3Backend({ ...server.config({ accessKeyId, secretAccessKey, maxAttempts: 2 }), logger });
  backends.push(b);
  return b;
}

async function failure(p: Promise<unknown>): Promise<NbcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof NbcError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

test('the right credentials work (control)', async () => {
  const good = backend(server.credentials.accessKeyId, server.credentials.secretAccessKey);
  await good.write('s3://nbc-auth/ok.ipynb', '{}', { ifNoneMatch: true });
  expect((await good.read('s3://nbc-auth/ok.ipynb')).toString()).toBe('{}');
  expect(await good.stat('s3://nbc-auth/ok.ipynb')).toMatchObject({ size: 2 });
});

test('a wrong secret key is E_STORAGE_AUTH saying the signature was rejected, and never shows the secret', async () => {
  const secret = 'wrong-secret-value-1234';
  const bad = backend(server.credentials.accessKeyId, secret);
  const attempts = [
    () => bad.read('s3://nbc-auth/ok.ipynb'),
    () => bad.write('s3://nbc-auth/new.ipynb', '{}'),
  ];
  for (const attempt of attempts) {
    const err = await failure(attempt());
    expect(err.code).toBe('E_STORAGE_AUTH');
    expect(err.message).toMatch(/SignatureDoesNotMatch.*wrong secret access key/);
    expect(err.message).toMatch(/AWS_SECRET_ACCESS_KEY/);
    expect(err.message).not.toContain(secret);
    expect(JSON.stringify(err.details)).not.toContain(secret);
  }
  // HEAD answers carry no error code: still an authentication failure.
  const headErr = await failure(bad.stat('s3://nbc-auth/ok.ipynb'));
  expect(headErr.code).toBe('E_STORAGE_AUTH');
  expect(JSON.stringify(lines)).not.toContain(secret);
});

test('an unknown access key id is E_STORAGE_AUTH naming InvalidAccessKeyId and the object', async () => {
  const bad = backend('AKIAUNKNOWNKEY000000', server.credentials.secretAccessKey);
  const err = await failure(bad.read('s3://nbc-auth/ok.ipynb'));
  expect(err.code).toBe('E_STORAGE_AUTH');
  expect(err.message).toMatch(/InvalidAccessKeyId/);
  expect(err.message).toContain('s3://nbc-auth/ok.ipynb');
});

test('valid credentials without permission are E_STORAGE_AUTH (AccessDenied)', async () => {
  const user = server.users['no-permissions']!;
  const denied = backend(user.accessKeyId, user.secretAccessKey);
  const err = await failure(denied.read('s3://nbc-auth/ok.ipynb'));
  expect(err.code).toBe('E_STORAGE_AUTH');
  expect(err.message).toMatch(/access denied.*AccessDenied/);
});

test('half-configured credentials are a configuration error, before any request', async () => {
  const half = backend(server.credentials.accessKeyId, null);
  const err = await failure(half.read('s3://nbc-auth/ok.ipynb'));
  expect(err.code).toBe('E_CONFIG');
  expect(err.message).toMatch(/secret access key is missing/);
});
