/**
 * Configuration, compiled once: defaults → environment → config file → flags (what the user wrote wins;
 * the environment only fills in defaults); every layer checked against the schema (src/config/, one
 * fragment per section), each error naming the key and where it came from; deep-frozen; passed down.
 * This is the only module that reads the environment (`env` is injected for tests).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { checkLayer, type LayerSource } from './config/validate';
import { NbcError } from './errors';
import type { LogFormat, LogLevel } from './log';
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
    /** Local kernels' sockets: `auto` = Unix sockets for ipykernel, TCP for other kernels. */
    readonly transport: 'auto' | 'tcp' | 'ipc';
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
    /** How long to wait for a Conductor to answer before saying it is unreachable. */
    readonly connectTimeoutMs: number;
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
  /** Every HTTP server nbconductor starts (engine; viewer and metrics later) applies these. */
  readonly security: {
    /** 'token': the API needs a token (Orkes-style key exchange); 'none': no authentication. */
    readonly auth: 'token' | 'none';
    /** Host names accepted besides loopback addresses and the listen address (DNS-rebinding guard). */
    readonly allowedHosts: readonly string[];
    /** Origins accepted besides a server's own (e.g. a UI that proxies to the API). */
    readonly allowedOrigins: readonly string[];
    readonly tokenTtlSeconds: number;
    /** Mode of output notebooks written to local files: owner-only, or group-readable. */
    readonly outputFileMode: '0600' | '0640';
  };
  readonly viewer: {
    /** What `nbconductor view` serves; null: the worker's output root. */
    readonly root: string | null;
    readonly host: string;
    readonly port: number;
    /** URL prefix of every page (behind a proxy), "/" by default. */
    readonly baseUrl: string;
    /** Host names accepted besides loopback ones (a proxy's name). */
    readonly allowedHosts: readonly string[];
    /** Conductor API for `view`'s run pages; null: run pages off (server/up use their own engine). */
    readonly conductorUrl: string | null;
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
  /** Where each `section.key` came from: "default", "config file F", "environment variable V", "flag --f". */
  readonly sources: Readonly<Record<string, string>>;
}

/** A partial config as found in a file or built from flags (same shape, every key optional). */
export type ConfigInput = {
  [K in keyof Config]?: K extends 'childEnv' | 'kernelEnv' | 'sources'
    ? never
    : Partial<{ -readonly [P in keyof Config[K]]: Config[K][P] }>;
};

export interface CompileOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Explicit config file (else NBCONDUCTOR_CONFIG, else none). */
  configFile?: string | null;
  flags?: ConfigInput;
  /** The flag each `section.key` of `flags` was given with (for messages), e.g. `--conductor-url`. */
  flagNames?: Readonly<Record<string, string>>;
  /** Unknown keys and other things worth a warning (the logger does not exist yet). */
  onWarning?: (message: string) => void;
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
      transport: 'auto',
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
    conductor: { serverUrl: 'http://127.0.0.1:8080', keyId: null, keySecret: null, connectTimeoutMs: 5_000 },
    engine: { host: '127.0.0.1', port: 8080, dataDir: path.join(root, 'runs', '.engine') },
    scheduler: { catchUpDefault: false, catchUpMax: 100, historyPerSchedule: 1000, historyMaxAgeDays: 30 },
    security: {
      auth: 'token',
      allowedHosts: [],
      allowedOrigins: [],
      tokenTtlSeconds: 3600,
      outputFileMode: '0600',
    },
    viewer: { root: null, host: '127.0.0.1', port: 8888, baseUrl: '/', allowedHosts: [], conductorUrl: null },
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
    sources: {},
  };
}

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

type EnvParser = (value: string, name: string) => unknown;

const text: EnvParser = (v) => v;
const list: EnvParser = (v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
/** Items separated by commas or white space (paths and URLs have neither). */
const wordList: EnvParser = (v) => v.split(/[\s,]+/).filter(Boolean);
const pathList: EnvParser = (v) => v.split(path.delimiter).filter(Boolean);
const bool: EnvParser = (v, name) => {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new NbcError(
    'E_CONFIG',
    `environment variable ${name} must be true or false, got ${JSON.stringify(v)}`,
    {
      field: name,
    },
  );
};
const num: EnvParser = (v, name) => {
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new NbcError(
      'E_CONFIG',
      `environment variable ${name} must be a number, got ${JSON.stringify(v)}`,
      {
        field: name,
      },
    );
  return n;
};

/**
 * What the environment may fill in: variable, `section.key`, parser. The first variable set wins for a
 * key. Standard names (AWS_*, CONDUCTOR_*, JUPYTER_*) are honoured; the Conductor SDK's other variables
 * (timeouts, TLS, proxy) are not: the SDK gets everything from here.
 */
const ENV_VARS: readonly (readonly [string, string, EnvParser])[] = [
  ['NBCONDUCTOR_VENV', 'python.venvDir', text],
  ['NBCONDUCTOR_PYTHON', 'python.basePython', text],
  ['NBCONDUCTOR_AUTO_SETUP', 'python.autoSetup', bool],
  ['NBCONDUCTOR_KERNEL_PROVIDER', 'kernel.provider', text],
  ['NBCONDUCTOR_KERNEL_TRANSPORT', 'kernel.transport', text],
  ['NBCONDUCTOR_JUPYTER_URL', 'kernel.jupyterUrl', text],
  ['JUPYTER_URL', 'kernel.jupyterUrl', text],
  ['NBCONDUCTOR_JUPYTER_TOKEN', 'kernel.jupyterToken', text],
  ['JUPYTER_TOKEN', 'kernel.jupyterToken', text],
  ['JUPYTER_PATH', 'kernel.jupyterPath', pathList],
  ['JUPYTER_DATA_DIR', 'kernel.jupyterDataDir', text],
  ['NBCONDUCTOR_S3_ENDPOINT', 's3.endpoint', text],
  ['AWS_ENDPOINT_URL_S3', 's3.endpoint', text],
  ['AWS_ENDPOINT_URL', 's3.endpoint', text],
  ['AWS_REGION', 's3.region', text],
  ['AWS_DEFAULT_REGION', 's3.region', text],
  ['NBCONDUCTOR_S3_FORCE_PATH_STYLE', 's3.forcePathStyle', bool],
  ['AWS_ACCESS_KEY_ID', 's3.accessKeyId', text],
  ['AWS_SECRET_ACCESS_KEY', 's3.secretAccessKey', text],
  ['AWS_SESSION_TOKEN', 's3.sessionToken', text],
  ['NBCONDUCTOR_S3_MAX_ATTEMPTS', 's3.maxAttempts', num],
  ['NBCONDUCTOR_SQS_ENABLED', 'sqs.enabled', bool],
  ['NBCONDUCTOR_SQS_ENDPOINT', 'sqs.endpoint', text],
  ['AWS_ENDPOINT_URL_SQS', 'sqs.endpoint', text],
  ['AWS_ENDPOINT_URL', 'sqs.endpoint', text],
  ['AWS_REGION', 'sqs.region', text],
  ['AWS_DEFAULT_REGION', 'sqs.region', text],
  ['AWS_ACCESS_KEY_ID', 'sqs.accessKeyId', text],
  ['AWS_SECRET_ACCESS_KEY', 'sqs.secretAccessKey', text],
  ['AWS_SESSION_TOKEN', 'sqs.sessionToken', text],
  ['NBCONDUCTOR_LOG_LEVEL', 'log.level', text],
  ['NBCONDUCTOR_LOG_FORMAT', 'log.format', text],
  ['CONDUCTOR_SERVER_URL', 'conductor.serverUrl', text],
  ['CONDUCTOR_AUTH_KEY', 'conductor.keyId', text],
  ['CONDUCTOR_AUTH_SECRET', 'conductor.keySecret', text],
  ['NBCONDUCTOR_ENGINE_DATA', 'engine.dataDir', text],
  ['NBCONDUCTOR_ENGINE_PORT', 'engine.port', num],
  ['NBCONDUCTOR_SCHEDULER_CATCH_UP', 'scheduler.catchUpDefault', bool],
  ['NBCONDUCTOR_SCHEDULER_CATCH_UP_MAX', 'scheduler.catchUpMax', num],
  ['NBCONDUCTOR_SCHEDULER_HISTORY_PER_SCHEDULE', 'scheduler.historyPerSchedule', num],
  ['NBCONDUCTOR_SCHEDULER_HISTORY_MAX_AGE_DAYS', 'scheduler.historyMaxAgeDays', num],
  ['NBCONDUCTOR_AUTH', 'security.auth', text],
  ['NBCONDUCTOR_ALLOWED_HOSTS', 'security.allowedHosts', list],
  ['NBCONDUCTOR_ALLOWED_ORIGINS', 'security.allowedOrigins', list],
  ['NBCONDUCTOR_VIEWER_HOST', 'viewer.host', text],
  ['NBCONDUCTOR_VIEWER_PORT', 'viewer.port', num],
  ['NBCONDUCTOR_VIEWER_BASE_URL', 'viewer.baseUrl', text],
  ['NBCONDUCTOR_WORKER_CONCURRENCY', 'worker.concurrency', num],
  ['NBCONDUCTOR_WORKER_ID', 'worker.workerId', text],
  ['NBCONDUCTOR_WORKER_DOMAIN', 'worker.domain', text],
  ['NBCONDUCTOR_OUTPUT_ROOT', 'worker.outputRoot', text],
  ['NBCONDUCTOR_OUTPUT_ROOTS', 'worker.outputRoots', wordList],
  ['NBCONDUCTOR_ALLOWED_NOTEBOOK_URLS', 'worker.allowedNotebookUrls', wordList],
  ['NBCONDUCTOR_KERNEL_POOL_SIZE', 'worker.kernelPoolSize', num],
  ['NBCONDUCTOR_METRICS_PORT', 'metrics.port', num],
  ['NBCONDUCTOR_METRICS_HOST', 'metrics.host', text],
  ['NBCONDUCTOR_METRICS_ALLOWED_HOSTS', 'metrics.allowedHosts', list],
  ['NBCONDUCTOR_METRICS_TOKEN', 'metrics.token', text],
];

/** Credentials of nbconductor itself, kept out of kernel environments. */
const KERNEL_ENV_WITHHELD = new Set([
  'CONDUCTOR_AUTH_KEY',
  'CONDUCTOR_AUTH_SECRET',
  'NBCONDUCTOR_JUPYTER_TOKEN',
  'JUPYTER_TOKEN',
  'JPY_API_TOKEN',
  'NBCONDUCTOR_METRICS_TOKEN',
]);

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

function resolveRoot(root: string, cwd: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(root) ? root : path.resolve(cwd, root);
}

/** Config members that are not user-settable sections. */
const NOT_SECTIONS = new Set(['childEnv', 'kernelEnv', 'sources']);

/** The user-settable sections of a configuration, by name. */
export function configSections(config: Config): [string, Readonly<Record<string, unknown>>][] {
  return Object.entries(config).filter(([name]) => !NOT_SECTIONS.has(name)) as [
    string,
    Readonly<Record<string, unknown>>,
  ][];
}

function setKey(layer: Record<string, Record<string, unknown>>, key: string, value: unknown): void {
  const [section, name] = key.split('.') as [string, string];
  (layer[section] ??= {})[name] = value;
}

/** The environment's contribution, and which variable set each key. */
function fromEnv(env: Env): { layer: ConfigInput; names: Record<string, string> } {
  const layer: Record<string, Record<string, unknown>> = {};
  const names: Record<string, string> = {};
  for (const [name, key, parse] of ENV_VARS) {
    const value = nonEmpty(env[name]);
    if (value === undefined || key in names) continue;
    setKey(layer, key, parse(value, name));
    names[key] = name;
  }
  return { layer: layer as ConfigInput, names };
}

function readConfigFile(file: string): unknown {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    throw new NbcError('E_CONFIG', `cannot read config file ${file}: ${(err as Error).message}`, {
      uri: file,
    });
  }
  try {
    // yaml is loaded only for a YAML config file (it costs ~40 ms of CLI start-up)
    const parsed: unknown = file.endsWith('.json')
      ? JSON.parse(content)
      : (require('yaml') as typeof import('yaml')).parse(content);
    return parsed ?? {};
  } catch (err) {
    throw new NbcError(
      'E_CONFIG',
      `config file ${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      { uri: file },
    );
  }
}

/** `base` with `layer`'s keys over it; each key's source recorded in `sources`. */
function merge(
  base: Config,
  layer: ConfigInput,
  sources: Record<string, string>,
  describe: (key: string) => string,
): Config {
  const out: Record<string, unknown> = { ...base };
  for (const [section, values] of Object.entries(layer) as [string, Record<string, unknown>][]) {
    const known = (base as unknown as Record<string, Record<string, unknown>>)[section] as Record<
      string,
      unknown
    >;
    const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    for (const key of Object.keys(set)) sources[`${section}.${key}`] = describe(`${section}.${key}`);
    out[section] = { ...known, ...set };
  }
  return out as unknown as Config;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/** `security.outputFileMode` as a number for fs calls. */
export function outputFileMode(config: Config): number {
  return Number.parseInt(config.security.outputFileMode, 8);
}

export function compileConfig(options: CompileOptions = {}): Config {
  const env: Env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const warn = options.onWarning ?? (() => undefined);
  const root = packageRoot();
  let config = defaults(root, nonEmpty(env.HOME) ?? os.homedir());
  const sources: Record<string, string> = {};
  for (const [section, values] of Object.entries(config))
    if (!NOT_SECTIONS.has(section))
      for (const key of Object.keys(values)) sources[`${section}.${key}`] = 'default';

  const layers: { input: unknown; source: LayerSource }[] = [];
  const fromEnvironment = fromEnv(env);
  layers.push({ input: fromEnvironment.layer, source: { kind: 'env', names: fromEnvironment.names } });
  const file = options.configFile ?? nonEmpty(env.NBCONDUCTOR_CONFIG) ?? null;
  if (file !== null) {
    const resolved = path.resolve(cwd, file);
    layers.push({ input: readConfigFile(resolved), source: { kind: 'file', file: resolved } });
  }
  if (options.flags)
    layers.push({ input: options.flags, source: { kind: 'flags', names: options.flagNames ?? {} } });
  for (const { input, source } of layers) {
    const checked = checkLayer(input, source);
    for (const w of checked.warnings) warn(w);
    config = merge(config, checked.layer as ConfigInput, sources, checked.describe);
  }

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
      outputRoots: config.worker.outputRoots.map((r) => resolveRoot(r, cwd)),
    },
    childEnv,
    kernelEnv: kernelEnvOf(childEnv, config.s3),
    sources,
  };
  return deepFreeze(resolved);
}
