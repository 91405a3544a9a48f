/**
 * A real S3-protocol server for tests: moto's server app from the system python3, on 127.0.0.1 and a port
 * it picks. moto supports conditional writes (If-None-Match / If-Match on PutObject and
 * CompleteMultipartUpload), but its threaded server checks the condition and stores the object without a
 * lock, so under CPU load two concurrent conditional PUTs can both win (seen about once in 300 races).
 * Real S3 is atomic there; so we serve moto's own WSGI app behind one lock (requests are handled one at
 * a time, still interleaved between requests), which is what the `python3 -m moto.server` entry point
 * does minus the race. SQS requests (moto's server speaks SQS on the same port, and delivers S3 bucket
 * notifications to its queues) bypass the lock: a long poll waits inside its request.
 *
 * moto accepts any credentials, unless started with `iamAuth`: then it checks SigV4 signatures and IAM
 * policies against users created at start-up (moto's INITIAL_NO_AUTH_ACTION_COUNT mechanism, switched on
 * through /moto-api/reset-auth). In that mode moto's signature check mishandles non-ASCII keys and some
 * list queries, so keep auth tests to plain ASCII keys and get/put/head. (s3rver, the npm server, checks
 * only the access key id of SigV4 requests, not the signature, so it cannot catch a wrong secret.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

import type { S3Config, SqsConfig } from '../../src/config';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3TestServer {
  /** e.g. http://127.0.0.1:40123 */
  readonly endpoint: string;
  readonly port: number;
  /** Credentials `config()` uses: any string for plain moto, an IAM user's allowed to do s3:* in IAM mode. */
  readonly credentials: S3Credentials;
  /** IAM mode: the extra users asked for, by name. */
  readonly users: Readonly<Record<string, S3Credentials>>;
  /** An S3Config pointing at this server (path-style, the credentials above), with overrides. */
  config(overrides?: Partial<S3Config>): S3Config;
  /** An enabled SqsConfig pointing at this server (short polls and visibility for tests), with overrides. */
  sqsConfig(overrides?: Partial<SqsConfig>): SqsConfig;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface MotoOptions {
  /** Python with moto installed (default: NBC_TEST_MOTO_PYTHON or `python3`). */
  python?: string;
  startTimeoutMs?: number;
  /** Check signatures and IAM policies. `users`: extra users to create; allowS3 grants them s3:*. */
  iamAuth?: { users?: ReadonlyArray<{ name: string; allowS3: boolean }> };
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** moto.server's main(), with the app call (request parsing, state change, response) under one lock. */
const MOTO_SERVER_SCRIPT = `
import sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

app = DomainDispatcherApplication(create_backend_app)
app.debug = True
lock = threading.Lock()

def serialized(environ, start_response):
    # An SQS long poll waits inside its request: under the lock it would stall every other request.
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("AmazonSQS."):
        return app(environ, start_response)
    with lock:
        return list(app(environ, start_response))

run_simple(sys.argv[1], int(sys.argv[2]), serialized, threaded=True)
`;

function checkMotoInstalled(python: string): void {
  const probe = spawnSync(python, ['-c', 'import moto.server, flask; print(moto.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || '').trim().split('\n').pop();
    throw new Error(
      `moto's S3 server is not available for ${python} (${why}); install it with: ${python} -m pip install 'moto[server]>=5.1'`,
    );
  }
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moto server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onExit = (code: number | null, sig: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`moto server exited (${code ?? sig}) before listening:\n${output}`));
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      // werkzeug prints the bound address once the socket listens (port 0 → the real port).
      const m = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m?.[1] === undefined) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      // Keep draining its request log so the pipe never fills up.
      child.stdout?.resume();
      child.stderr?.resume();
      resolve(Number(m[1]));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * One IAM query-API call while authentication is still off: moto routes on the credential scope of the
 * Authorization header, so the header only needs to name the service; the signature is not checked yet.
 */
async function iamCall(endpoint: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization:
        'AWS4-HMAC-SHA256 Credential=bootstrap/20250101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Version: '2010-05-08', ...params }).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto IAM ${params.Action} failed: ${res.status} ${text}`);
  return text;
}

async function createIamUser(endpoint: string, name: string, allowS3: boolean): Promise<S3Credentials> {
  await iamCall(endpoint, { Action: 'CreateUser', UserName: name });
  const xml = await iamCall(endpoint, { Action: 'CreateAccessKey', UserName: name });
  const accessKeyId = /<AccessKeyId>([^<]+)</.exec(xml)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(xml)?.[1];
  if (!accessKeyId || !secretAccessKey) throw new Error(`moto IAM CreateAccessKey gave no key: ${xml}`);
  if (allowS3) {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    await iamCall(endpoint, {
      Action: 'PutUserPolicy',
      UserName: name,
      PolicyName: 's3-all',
      PolicyDocument: JSON.stringify(policy),
    });
  }
  return { accessKeyId, secretAccessKey };
}

/** Starts moto's server on a free port and resolves once it is listening (and set up). */
export async function startMoto(options: MotoOptions = {}): Promise<S3TestServer> {
  const python = options.python ?? process.env.NBC_TEST_MOTO_PYTHON ?? 'python3';
  checkMotoInstalled(python);
  const child = spawn(python, ['-c', MOTO_SERVER_SCRIPT, '127.0.0.1', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  try {
    const port = await waitForPort(child, options.startTimeoutMs ?? 30_000);
    const endpoint = `http://127.0.0.1:${port}`;
    let credentials: S3Credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    const users: Record<string, S3Credentials> = {};
    if (options.iamAuth) {
      credentials = await createIamUser(endpoint, 'nbc-test-admin', true);
      for (const u of options.iamAuth.users ?? [])
        users[u.name] = await createIamUser(endpoint, u.name, u.allowS3);
      const res = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' });
      if (!res.ok) throw new Error(`moto reset-auth failed: ${res.status} ${await res.text()}`);
    }
    return makeServer(endpoint, port, credentials, users, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

function makeServer(
  endpoint: string,
  port: number,
  credentials: S3Credentials,
  users: Record<string, S3Credentials>,
  stop: () => Promise<void>,
): S3TestServer {
  const config = (overrides: Partial<S3Config> = {}): S3Config => ({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: null,
    maxAttempts: 3,
    multipartThresholdBytes: 5 * 1024 * 1024,
    ...overrides,
  });
  const sqsConfig = (overrides: Partial<SqsConfig> = {}): SqsConfig => ({
    enabled: true,
    endpoint,
    region: 'us-east-1',
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: null,
    waitTimeSeconds: 20,
    batchSize: 10,
    visibilityTimeoutSeconds: 30,
    maxReceives: 3,
    maxAttempts: 3,
    ...overrides,
  });
  return {
    endpoint,
    port,
    credentials,
    users,
    config,
    sqsConfig,
    async createBucket(name: string): Promise<void> {
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
    stop,
  };
}
