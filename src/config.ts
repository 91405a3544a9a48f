/**
 * Configuration, compiled once: defaults → config file → environment → flags; validated; deep-frozen;
 * passed down. This is the only module that reads the environment (`env` is injected for tests).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { NbcError } from './errors';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './log';
import type { KernelProviderKind } from './kernel/provider';
import { packageRoot } from './paths';

export interface S3Config {
  endpoint: string | null;
  region: string;
  forcePathStyle: boolean;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  sessionToken: string | null;
  /** Attempts per request, including the first (throttling and 5xx are retried with backoff). */
  maxAttempts: number;
  /** Bodies at least this large are uploaded in parts. */
  multipartThresholdBytes: number;
}

/** Event queues `sqs:<queue>` consumed by the embedded engine (Conductor's SQS event-queue module). */
export interface SqsConfig {
  /** Consume the queues of active `sqs:` event handlers (Conductor: conductor.event-queues.sqs.enabled). */
  enabled: boolean;
  endpoint: string | null;
  region: string;
  accessKeyId: string | null;
  secretAccessKey: string | null;
  sessionToken: string | null;
  /** Long-poll wait per ReceiveMessage, 0–20 s. */
  waitTimeSeconds: number;
  /** Messages per ReceiveMessage, 1–10. */
  batchSize: number;
  /** A received message stays hidden this long; not deleted by then, SQS delivers it again. */
  visibilityTimeoutSeconds: number;
  /** A message received this many times without being processed is recorded as rejected and deleted. */
  maxReceives: number;
  /** Attempts per request, including the first. */
  maxAttempts: number;
}

export interface Config {
  readonly python: {
    readonly venvDir: string;
    readonly requirementsFile: string;
    readonly basePython: string;
    /** Set up .venv automatically when it is missing or stale. */
    readonly autoSetup: boolean;
  };
  readonly kernel: {
    readonly provider: KernelProviderKind;
    readonly jupyterUrl: string | null;
    readonly jupyterToken: string | null;
    readonly startTimeoutMs: number;
    /** Extra kernelspec search directories (JUPYTER_PATH-style, searched first). */
    readonly jupyterPath: readonly string[];
    readonly jupyterDataDir: string;
  };
  readonly execution: {
    readonly cellTimeoutMs: number | null;
    readonly totalTimeoutMs: number | null;
    readonly autosaveCellEverySec: number;
  };
  readonly s3: Readonly<S3Config>;
  readonly sqs: Readonly<SqsConfig>;
  /** format: `auto` = readable lines on a terminal, pino JSON otherwise. */
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
  readonly conductor: {
    readonly serverUrl: string;
    readonly keyId: string | null;
    readonly keySecret: string | null;
  };
  readonly engine: {
    readonly host: string;
    readonly port: number;
    readonly dataDir: string;
  };
  /** The embedded engine's `/api/scheduler`. */
  readonly scheduler: {
    /** `runCatchupScheduleInstances` for a schedule that leaves it out (Conductor: false). */
    readonly catchUpDefault: boolean;
    /** Most missed slots one catch-up runs after downtime; later ones are recorded SKIPPED. */
    readonly catchUpMax: number;
    /** Execution records kept per schedule (newest first). */
    readonly historyPerSchedule: number;
    /** Execution records older than this many days are dropped (0: keep by count only). */
    readonly historyMaxAgeDays: number;
  };
  readonly worker: {
    readonly concurrency: number;
    readonly pollIntervalMs: number;
    readonly workerId: string;
    readonly domain: string | null;
    readonly outputRoot: string;
    /** More places the worker may write to besides outputRoot (folders, file:// or s3:// prefixes). */
    readonly outputRoots: readonly string[];
    /** URL prefixes notebooks may be read from over http(s); none by default. */
    readonly allowedNotebookUrls: readonly string[];
    readonly shutdownGraceMs: number;
    readonly kernelPoolSize: number;
  };
  /** The Prometheus endpoint (`GET /metrics`) of a worker, engine or `up` process. */
  readonly metrics: {
    /** Port to serve on; null: no endpoint. */
    readonly port: number | null;
    /** Interface to bind (loopback unless a scraper on another host needs it). */
    readonly host: string;
    /** Host names answered besides loopback names and IP literals (e.g. the compose service name). */
    readonly allowedHosts: readonly string[];
    /** When set, scrapes must send `Authorization: Bearer <token>`. */
    readonly token: string | null;
  };
  /** Environment handed to child processes we run ourselves (pip, setup). */
  readonly childEnv: Readonly<Record<string, string>>;
  /**
   * Environment for kernels and the Jupyter Servers we start: childEnv without nbconductor's own
   * credentials (Conductor key/secret, Jupyter token), which user code must not be able to print into
   * an output notebook. Cloud credentials (AWS_*) stay: notebooks read their data with them.
   */
  readonly kernelEnv: Readonly<Record<string, string>>;
}

/** A partial config as found in a file or built from flags (same shape, every key optional). */
export type ConfigInput = {
  [K in keyof Config]?: K extends 'childEnv' | 'kernelEnv'
    ? never
    : Partial<{ -readonly [P in keyof Config[K]]: Config[K][P] }>;
};

export interface CompileOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Explicit config file (else NBCONDUCTOR_CONFIG, else none). */
  configFile?: string | null;
  flags?: ConfigInput;
  cwd?: string;
}

function defaults(root: string, home: string): Config {
  return {
    python: {
      venvDir: path.join(root, '.venv'),
      requirementsFile: path.join(root, 'requirements.txt'),
      basePython: 'python3',
      autoSetup: true,
    },
    kernel: {
      provider: 'local',
      jupyterUrl: null,
      jupyterToken: null,
      startTimeoutMs: 60_000,
      jupyterPath: [],
      jupyterDataDir: path.join(home, '.local', 'share', 'jupyter'),
    },
    execution: { cellTimeoutMs: null, totalTimeoutMs: null, autosaveCellEverySec: 30 },
    s3: {
      endpoint: null,
      region: 'us-east-1',
      forcePathStyle: false,
      accessKeyId: null,
      secretAccessKey: null,
      sessionToken: null,
      maxAttempts: 5,
      multipartThresholdBytes: 16 * 1024 * 1024,
    },
    sqs: {
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
    },
    log: { level: 'info', format: 'auto' },
    conductor: { serverUrl: 'http://127.0.0.1:8080', keyId: null, keySecret: null },
    engine: { host: '127.0.0.1', port: 8080, dataDir: path.join(root, 'runs', '.engine') },
    scheduler: { catchUpDefault: false, catchUpMax: 100, historyPerSchedule: 1000, historyMaxAgeDays: 30 },
    worker: {
      concurrency: 2,
      pollIntervalMs: 100,
      workerId: `${os.hostname()}-${process.pid}`,
      domain: null,
      outputRoot: path.join(root, 'runs'),
      outputRoots: [],
      allowedNotebookUrls: [],
      shutdownGraceMs: 30_000,
      kernelPoolSize: 1,
    },
    metrics: { port: null, host: '127.0.0.1', allowedHosts: [], token: null },
    childEnv: {},
    kernelEnv: {},
  };
}

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

function envBool(env: Env, name: string): boolean | undefined {
  const v = nonEmpty(env[name]);
  if (v === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new NbcError(
    'E_CONFIG',
    `environment variable ${name} must be true or false, got ${JSON.stringify(v)}`,
    {
      field: name,
    },
  );
}

function envNumber(env: Env, name: string): number | undefined {
  const v = nonEmpty(env[name]);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) {
    throw new NbcError(
      'E_CONFIG',
      `environment variable ${name} must be a number, got ${JSON.stringify(v)}`,
      {
        field: name,
      },
    );
  }
  return n;
}

/** A list from one environment variable: items separated by commas or white space. */
function envList(env: Env, name: string): string[] | undefined {
  const v = nonEmpty(env[name]);
  return v?.split(/[\s,]+/).filter(Boolean);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The environment's contribution. Standard variables (AWS_*, CONDUCTOR_*, JUPYTER_*) are honoured. */
/** Credentials of nbconductor itself, kept out of kernel environments. */
const KERNEL_ENV_WITHHELD = new Set([
  'CONDUCTOR_AUTH_KEY',
  'CONDUCTOR_AUTH_SECRET',
  'NBCONDUCTOR_JUPYTER_TOKEN',
  'JUPYTER_TOKEN',
  'JPY_API_TOKEN',
  'NBCONDUCTOR_METRICS_TOKEN',
]);

function fromEnv(env: Env): ConfigInput {
  const jupyterPath = nonEmpty(env.JUPYTER_PATH);
  return {
    python: stripUndefined({
      venvDir: nonEmpty(env.NBCONDUCTOR_VENV),
      basePython: nonEmpty(env.NBCONDUCTOR_PYTHON),
      autoSetup: envBool(env, 'NBCONDUCTOR_AUTO_SETUP'),
    }),
    kernel: stripUndefined({
      provider: nonEmpty(env.NBCONDUCTOR_KERNEL_PROVIDER) as KernelProviderKind | undefined,
      jupyterUrl: nonEmpty(env.NBCONDUCTOR_JUPYTER_URL) ?? nonEmpty(env.JUPYTER_URL),
      jupyterToken: nonEmpty(env.NBCONDUCTOR_JUPYTER_TOKEN) ?? nonEmpty(env.JUPYTER_TOKEN),
      jupyterPath: jupyterPath?.split(path.delimiter).filter(Boolean),
      jupyterDataDir: nonEmpty(env.JUPYTER_DATA_DIR),
    }),
    s3: stripUndefined({
      endpoint:
        nonEmpty(env.NBCONDUCTOR_S3_ENDPOINT) ??
        nonEmpty(env.AWS_ENDPOINT_URL_S3) ??
        nonEmpty(env.AWS_ENDPOINT_URL),
      region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
      forcePathStyle: envBool(env, 'NBCONDUCTOR_S3_FORCE_PATH_STYLE'),
      accessKeyId: nonEmpty(env.AWS_ACCESS_KEY_ID),
      secretAccessKey: nonEmpty(env.AWS_SECRET_ACCESS_KEY),
      sessionToken: nonEmpty(env.AWS_SESSION_TOKEN),
      maxAttempts: envNumber(env, 'NBCONDUCTOR_S3_MAX_ATTEMPTS'),
    }),
    sqs: stripUndefined({
      enabled: envBool(env, 'NBCONDUCTOR_SQS_ENABLED'),
      endpoint:
        nonEmpty(env.NBCONDUCTOR_SQS_ENDPOINT) ??
        nonEmpty(env.AWS_ENDPOINT_URL_SQS) ??
        nonEmpty(env.AWS_ENDPOINT_URL),
      region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
      accessKeyId: nonEmpty(env.AWS_ACCESS_KEY_ID),
      secretAccessKey: nonEmpty(env.AWS_SECRET_ACCESS_KEY),
      sessionToken: nonEmpty(env.AWS_SESSION_TOKEN),
    }),
    log: stripUndefined({
      level: nonEmpty(env.NBCONDUCTOR_LOG_LEVEL) as LogLevel | undefined,
      format: nonEmpty(env.NBCONDUCTOR_LOG_FORMAT) as LogFormat | undefined,
    }),
    conductor: stripUndefined({
      serverUrl: nonEmpty(env.CONDUCTOR_SERVER_URL),
      keyId: nonEmpty(env.CONDUCTOR_AUTH_KEY),
      keySecret: nonEmpty(env.CONDUCTOR_AUTH_SECRET),
    }),
    engine: stripUndefined({
      dataDir: nonEmpty(env.NBCONDUCTOR_ENGINE_DATA),
      port: envNumber(env, 'NBCONDUCTOR_ENGINE_PORT'),
    }),
    scheduler: stripUndefined({
      catchUpDefault: envBool(env, 'NBCONDUCTOR_SCHEDULER_CATCH_UP'),
      catchUpMax: envNumber(env, 'NBCONDUCTOR_SCHEDULER_CATCH_UP_MAX'),
      historyPerSchedule: envNumber(env, 'NBCONDUCTOR_SCHEDULER_HISTORY_PER_SCHEDULE'),
      historyMaxAgeDays: envNumber(env, 'NBCONDUCTOR_SCHEDULER_HISTORY_MAX_AGE_DAYS'),
    }),
    worker: stripUndefined({
      concurrency: envNumber(env, 'NBCONDUCTOR_WORKER_CONCURRENCY'),
      workerId: nonEmpty(env.NBCONDUCTOR_WORKER_ID),
      domain: nonEmpty(env.NBCONDUCTOR_WORKER_DOMAIN),
      outputRoot: nonEmpty(env.NBCONDUCTOR_OUTPUT_ROOT),
      outputRoots: envList(env, 'NBCONDUCTOR_OUTPUT_ROOTS'),
      allowedNotebookUrls: envList(env, 'NBCONDUCTOR_ALLOWED_NOTEBOOK_URLS'),
      kernelPoolSize: envNumber(env, 'NBCONDUCTOR_KERNEL_POOL_SIZE'),
    }),
    metrics: stripUndefined({
      port: envNumber(env, 'NBCONDUCTOR_METRICS_PORT'),
      host: nonEmpty(env.NBCONDUCTOR_METRICS_HOST),
      allowedHosts: nonEmpty(env.NBCONDUCTOR_METRICS_ALLOWED_HOSTS)
        ?.split(',')
        .map((h) => h.trim())
        .filter(Boolean),
      token: nonEmpty(env.NBCONDUCTOR_METRICS_TOKEN),
    }),
  };
}

/**
 * childEnv without nbconductor's own credentials, plus the S3 settings nbconductor uses as the standard
 * AWS variables (boto3, s3fs and the AWS CLI read them), so a notebook reads its data from the same
 * store with the same identity even when the settings came from a config file or flags. A session
 * token only goes with the keys it belongs to.
 */
function kernelEnvOf(childEnv: Record<string, string>, s3: S3Config): Record<string, string> {
  const out = Object.fromEntries(Object.entries(childEnv).filter(([k]) => !KERNEL_ENV_WITHHELD.has(k)));
  out.AWS_REGION = s3.region;
  out.AWS_DEFAULT_REGION = s3.region;
  if (s3.endpoint !== null) out.AWS_ENDPOINT_URL_S3 = s3.endpoint;
  if (s3.accessKeyId !== null && s3.secretAccessKey !== null) {
    out.AWS_ACCESS_KEY_ID = s3.accessKeyId;
    out.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey;
    if (s3.sessionToken !== null) out.AWS_SESSION_TOKEN = s3.sessionToken;
    else delete out.AWS_SESSION_TOKEN;
  }
  return out;
}

function readConfigFile(file: string): ConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new NbcError('E_CONFIG', `cannot read config file ${file}: ${(err as Error).message}`, {
      uri: file,
    });
  }
  let parsed: unknown;
  try {
    // yaml is loaded only for a YAML config file (it costs ~40 ms of CLI start-up)
    parsed = file.endsWith('.json')
      ? JSON.parse(text)
      : (require('yaml') as typeof import('yaml')).parse(text);
  } catch (err) {
    throw new NbcError(
      'E_CONFIG',
      `config file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      { uri: file },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new NbcError('E_CONFIG', `config file ${file} must hold an object`, { uri: file });
  }
  return parsed as ConfigInput;
}

function merge(base: Config, layer: ConfigInput, origin: string): Config {
  const out: Record<string, unknown> = { ...base };
  for (const [section, values] of Object.entries(layer)) {
    if (values === undefined) continue;
    const current = (base as unknown as Record<string, unknown>)[section];
    if (current === undefined || section === 'childEnv' || section === 'kernelEnv') {
      throw new NbcError('E_CONFIG', `unknown configuration section "${section}" (from ${origin})`, {
        field: section,
      });
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new NbcError(
        'E_CONFIG',
        `configuration section "${section}" must be an object (from ${origin})`,
        { field: section },
      );
    }
    const known = current as Record<string, unknown>;
    for (const key of Object.keys(values)) {
      if (!(key in known)) {
        throw new NbcError('E_CONFIG', `unknown configuration key "${section}.${key}" (from ${origin})`, {
          field: `${section}.${key}`,
        });
      }
    }
    out[section] = { ...known, ...stripUndefined(values as Record<string, unknown>) };
  }
  return out as unknown as Config;
}

function check(cond: boolean, field: string, message: string): void {
  if (!cond) throw new NbcError('E_CONFIG', `invalid configuration ${field}: ${message}`, { field });
}

function isPositiveOrNull(v: unknown): boolean {
  return v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0);
}

function isIntegerIn(v: unknown, min: number, max: number): boolean {
  return Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
}

function validateSqs(q: SqsConfig): void {
  check(typeof q.enabled === 'boolean', 'sqs.enabled', 'must be true or false');
  check(
    q.endpoint === null || /^https?:\/\//.test(q.endpoint),
    'sqs.endpoint',
    `must be an http(s) URL, got ${JSON.stringify(q.endpoint)}`,
  );
  check(isIntegerIn(q.waitTimeSeconds, 0, 20), 'sqs.waitTimeSeconds', 'must be an integer 0-20 (SQS limit)');
  check(isIntegerIn(q.batchSize, 1, 10), 'sqs.batchSize', 'must be an integer 1-10 (SQS limit)');
  check(
    isIntegerIn(q.visibilityTimeoutSeconds, 1, 43_200),
    'sqs.visibilityTimeoutSeconds',
    'must be an integer 1-43200 (SQS limit: 12 hours)',
  );
  check(isIntegerIn(q.maxReceives, 1, 1000), 'sqs.maxReceives', 'must be an integer 1-1000');
  check(isIntegerIn(q.maxAttempts, 1, 100), 'sqs.maxAttempts', 'must be an integer 1-100');
}

function validate(c: Config): void {
  check(
    c.kernel.provider === 'local' || c.kernel.provider === 'jupyter-server',
    'kernel.provider',
    `must be "local" or "jupyter-server", got ${JSON.stringify(c.kernel.provider)}`,
  );
  check(
    typeof c.kernel.startTimeoutMs === 'number' && c.kernel.startTimeoutMs > 0,
    'kernel.startTimeoutMs',
    'must be a positive number',
  );
  check(
    isPositiveOrNull(c.execution.cellTimeoutMs),
    'execution.cellTimeoutMs',
    'must be a positive number or null',
  );
  check(
    isPositiveOrNull(c.execution.totalTimeoutMs),
    'execution.totalTimeoutMs',
    'must be a positive number or null',
  );
  check(
    typeof c.execution.autosaveCellEverySec === 'number' && c.execution.autosaveCellEverySec >= 0,
    'execution.autosaveCellEverySec',
    'must be >= 0 (0 disables)',
  );
  check(LOG_LEVELS.includes(c.log.level), 'log.level', `must be one of ${LOG_LEVELS.join(', ')}`);
  check(LOG_FORMATS.includes(c.log.format), 'log.format', `must be one of ${LOG_FORMATS.join(', ')}`);
  check(
    Number.isInteger(c.s3.maxAttempts) && c.s3.maxAttempts >= 1,
    's3.maxAttempts',
    'must be an integer >= 1',
  );
  check(
    c.s3.multipartThresholdBytes >= 5 * 1024 * 1024,
    's3.multipartThresholdBytes',
    'must be at least 5 MiB (the S3 minimum part size)',
  );
  validateSqs(c.sqs);
  check(
    /^https?:\/\//.test(c.conductor.serverUrl),
    'conductor.serverUrl',
    `must be an http(s) URL, got ${JSON.stringify(c.conductor.serverUrl)}`,
  );
  check(
    c.kernel.jupyterUrl === null || /^https?:\/\//.test(c.kernel.jupyterUrl),
    'kernel.jupyterUrl',
    'must be an http(s) URL',
  );
  check(
    Number.isInteger(c.engine.port) && c.engine.port >= 0 && c.engine.port < 65536,
    'engine.port',
    'must be 0-65535',
  );
  check(
    Number.isInteger(c.worker.concurrency) && c.worker.concurrency >= 1,
    'worker.concurrency',
    'must be an integer >= 1',
  );
  check(
    Number.isInteger(c.worker.kernelPoolSize) && c.worker.kernelPoolSize >= 0,
    'worker.kernelPoolSize',
    'must be an integer >= 0',
  );
  check(c.worker.pollIntervalMs > 0, 'worker.pollIntervalMs', 'must be > 0');
  check(
    c.metrics.port === null ||
      (Number.isInteger(c.metrics.port) && c.metrics.port >= 0 && c.metrics.port < 65536),
    'metrics.port',
    'must be 0-65535, or null for no metrics endpoint',
  );
  check(
    typeof c.metrics.host === 'string' && c.metrics.host !== '',
    'metrics.host',
    'must be an interface address',
  );
  check(
    Array.isArray(c.metrics.allowedHosts) &&
      c.metrics.allowedHosts.every((h) => typeof h === 'string' && /^[A-Za-z0-9.-]+$/.test(h)),
    'metrics.allowedHosts',
    'must be a list of host names',
  );
  check(
    c.metrics.token === null || (typeof c.metrics.token === 'string' && c.metrics.token !== ''),
    'metrics.token',
    'must be a non-empty string or null',
  );
  check(typeof c.scheduler.catchUpDefault === 'boolean', 'scheduler.catchUpDefault', 'must be true or false');
  check(
    Number.isInteger(c.scheduler.catchUpMax) && c.scheduler.catchUpMax >= 0,
    'scheduler.catchUpMax',
    'must be an integer >= 0',
  );
  check(
    Number.isInteger(c.scheduler.historyPerSchedule) && c.scheduler.historyPerSchedule >= 1,
    'scheduler.historyPerSchedule',
    'must be an integer >= 1',
  );
  check(
    typeof c.scheduler.historyMaxAgeDays === 'number' && c.scheduler.historyMaxAgeDays >= 0,
    'scheduler.historyMaxAgeDays',
    'must be >= 0 (0 keeps records by count only)',
  );
  check(
    isStringList(c.worker.outputRoots),
    'worker.outputRoots',
    'must be a list of folders, file:// URIs or s3:// prefixes',
  );
  check(
    isStringList(c.worker.allowedNotebookUrls) &&
      c.worker.allowedNotebookUrls.every((u) => /^https?:\/\/[^/]/i.test(u) && URL.canParse(u)),
    'worker.allowedNotebookUrls',
    'must be a list of http(s) URL prefixes, e.g. ["https://notebooks.example.com/team/"]',
  );
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '');
}

function resolveRoot(root: string, cwd: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(root) ? root : path.resolve(cwd, root);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export function compileConfig(options: CompileOptions = {}): Config {
  const env: Env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const root = packageRoot();
  let config = defaults(root, nonEmpty(env.HOME) ?? os.homedir());

  const file = options.configFile ?? nonEmpty(env.NBCONDUCTOR_CONFIG) ?? null;
  if (file !== null) config = merge(config, readConfigFile(path.resolve(cwd, file)), file);
  config = merge(config, fromEnv(env), 'environment');
  if (options.flags) config = merge(config, options.flags, 'command-line flags');

  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  const resolved: Config = {
    ...config,
    python: {
      ...config.python,
      venvDir: path.resolve(cwd, config.python.venvDir),
      requirementsFile: path.resolve(cwd, config.python.requirementsFile),
    },
    engine: { ...config.engine, dataDir: path.resolve(cwd, config.engine.dataDir) },
    worker: {
      ...config.worker,
      outputRoot: resolveRoot(config.worker.outputRoot, cwd),
      outputRoots: isStringList(config.worker.outputRoots)
        ? config.worker.outputRoots.map((r) => resolveRoot(r, cwd))
        : config.worker.outputRoots,
    },
    childEnv,
    kernelEnv: kernelEnvOf(childEnv, config.s3),
  };
  validate(resolved);
  return deepFreeze(resolved);
}
