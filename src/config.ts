/**
 * Configuration, compiled once: defaults → config file → environment → flags; validated; deep-frozen;
 * passed down. This is the only module that reads the environment (`env` is injected for tests).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { NbcError } from './errors';
import { LOG_LEVELS, type LogLevel } from './log';
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
  readonly log: { readonly level: LogLevel };
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
    readonly shutdownGraceMs: number;
    readonly kernelPoolSize: number;
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
    log: { level: 'info' },
    conductor: { serverUrl: 'http://127.0.0.1:8080', keyId: null, keySecret: null },
    engine: { host: '127.0.0.1', port: 8080, dataDir: path.join(root, 'runs', '.engine') },
    viewer: { root: null, host: '127.0.0.1', port: 8888, baseUrl: '/', allowedHosts: [], conductorUrl: null },
    worker: {
      concurrency: 2,
      pollIntervalMs: 100,
      workerId: `${os.hostname()}-${process.pid}`,
      domain: null,
      outputRoot: path.join(root, 'runs'),
      shutdownGraceMs: 30_000,
      kernelPoolSize: 1,
    },
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
    log: stripUndefined({ level: nonEmpty(env.NBCONDUCTOR_LOG_LEVEL) as LogLevel | undefined }),
    conductor: stripUndefined({
      serverUrl: nonEmpty(env.CONDUCTOR_SERVER_URL),
      keyId: nonEmpty(env.CONDUCTOR_AUTH_KEY),
      keySecret: nonEmpty(env.CONDUCTOR_AUTH_SECRET),
    }),
    engine: stripUndefined({
      dataDir: nonEmpty(env.NBCONDUCTOR_ENGINE_DATA),
      port: envNumber(env, 'NBCONDUCTOR_ENGINE_PORT'),
    }),
    viewer: stripUndefined({
      host: nonEmpty(env.NBCONDUCTOR_VIEWER_HOST),
      port: envNumber(env, 'NBCONDUCTOR_VIEWER_PORT'),
      baseUrl: nonEmpty(env.NBCONDUCTOR_VIEWER_BASE_URL),
    }),
    worker: stripUndefined({
      concurrency: envNumber(env, 'NBCONDUCTOR_WORKER_CONCURRENCY'),
      workerId: nonEmpty(env.NBCONDUCTOR_WORKER_ID),
      domain: nonEmpty(env.NBCONDUCTOR_WORKER_DOMAIN),
      outputRoot: nonEmpty(env.NBCONDUCTOR_OUTPUT_ROOT),
    }),
  };
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
    Number.isInteger(c.viewer.port) && c.viewer.port >= 0 && c.viewer.port < 65536,
    'viewer.port',
    'must be 0-65535',
  );
  check(
    typeof c.viewer.baseUrl === 'string' &&
      /^\/?[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$|^\/$/.test(c.viewer.baseUrl),
    'viewer.baseUrl',
    `must be a URL path like /nbviewer/, got ${JSON.stringify(c.viewer.baseUrl)}`,
  );
  check(
    Array.isArray(c.viewer.allowedHosts) && c.viewer.allowedHosts.every((h) => typeof h === 'string'),
    'viewer.allowedHosts',
    'must be a list of host names',
  );
  check(
    c.viewer.conductorUrl === null || /^https?:\/\//.test(c.viewer.conductorUrl),
    'viewer.conductorUrl',
    'must be an http(s) URL',
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
      outputRoot: /^[a-z][a-z0-9+.-]*:\/\//i.test(config.worker.outputRoot)
        ? config.worker.outputRoot
        : path.resolve(cwd, config.worker.outputRoot),
    },
    childEnv,
    kernelEnv: Object.fromEntries(Object.entries(childEnv).filter(([k]) => !KERNEL_ENV_WITHHELD.has(k))),
  };
  validate(resolved);
  return deepFreeze(resolved);
}
