/**
 * Kernelspec discovery, as jupyter_client's KernelSpecManager does it: `kernels/<name>/kernel.json` under
 * a list of Jupyter data directories, earlier directories winning, names matched case-insensitively.
 * Specs installed inside a Python environment run with that environment's interpreter, and a fresh venv
 * always has `python3` (ipykernel from the first env prefix) even if nothing installed a spec.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { NbcError } from '../errors';
import { isPlainObject, type JsonObject } from '../json';
import type { Logger } from '../log';
import { venvPaths } from '../python/venv';
import type { KernelSpecSummary } from './provider';

export interface KernelSpecSearchOptions {
  /** JUPYTER_PATH-style data directories, searched first. */
  jupyterPath: readonly string[];
  /** The user's Jupyter data directory (~/.local/share/jupyter). */
  userDataDir: string;
  /** Python environment prefixes (e.g. the project's .venv); `<prefix>/share/jupyter` is searched. */
  envPrefixes: readonly string[];
  /** System data directories; default /usr/local/share/jupyter and /usr/share/jupyter. */
  systemDirs?: readonly string[];
  /** Warnings about unreadable specs go here. */
  logger?: Logger;
}

export type InterruptMode = 'signal' | 'message';

export interface KernelSpec {
  /** Lower-case directory name. */
  name: string;
  displayName: string;
  language: string;
  /** Command line with `{connection_file}` (and possibly `{resource_dir}`) still to be substituted. */
  argv: string[];
  env: Record<string, string>;
  interruptMode: InterruptMode;
  metadata: JsonObject;
  /** The spec's directory, or `builtin:<prefix>` for the built-in python3 spec. */
  resourceDir: string;
}

const DEFAULT_SYSTEM_DIRS = ['/usr/local/share/jupyter', '/usr/share/jupyter'];
const PYTHON_ARGV0 = /^python(\d+(\.\d+)?)?$/;

interface SearchDir {
  kernelsDir: string;
  /** Set when the directory belongs to a Python environment. */
  envPrefix?: string;
}

function searchDirs(options: KernelSpecSearchOptions): SearchDir[] {
  const dataDir = (d: string): SearchDir => ({ kernelsDir: path.join(d, 'kernels') });
  const dirs: SearchDir[] = [
    ...options.jupyterPath.map(dataDir),
    dataDir(options.userDataDir),
    ...options.envPrefixes.map((prefix) => ({
      kernelsDir: path.join(prefix, 'share', 'jupyter', 'kernels'),
      envPrefix: prefix,
    })),
    ...(options.systemDirs ?? DEFAULT_SYSTEM_DIRS).map(dataDir),
  ];
  const seen = new Set<string>();
  return dirs.filter((d) => {
    const key = path.resolve(d.kernelsDir);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The `kernels/` directories searched, in priority order. */
export function kernelSearchPaths(options: KernelSpecSearchOptions): string[] {
  return searchDirs(options).map((d) => d.kernelsDir);
}

function stringRecord(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new Error(`"${field}" must be an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`"${field}.${k}" must be a string`);
    out[k] = v;
  }
  return out;
}

/** Parse and validate one kernel.json; throws with the reason. */
export function parseKernelJson(
  text: string,
  name: string,
  resourceDir: string,
  envPrefix?: string,
): KernelSpec {
  const raw: unknown = JSON.parse(text);
  if (!isPlainObject(raw)) throw new Error('not a JSON object');
  const spec = raw;
  const argv = spec.argv;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a): a is string => typeof a === 'string')) {
    throw new Error('"argv" must be a non-empty array of strings');
  }
  if (typeof spec.display_name !== 'string') throw new Error('"display_name" must be a string');
  const language = spec.language ?? '';
  if (typeof language !== 'string') throw new Error('"language" must be a string');
  const interruptMode = spec.interrupt_mode ?? 'signal';
  if (interruptMode !== 'signal' && interruptMode !== 'message') {
    throw new Error(`"interrupt_mode" must be "signal" or "message", got ${JSON.stringify(interruptMode)}`);
  }
  const metadata = spec.metadata ?? {};
  if (!isPlainObject(metadata)) {
    throw new Error('"metadata" must be an object');
  }
  const command = [...argv];
  // As jupyter_client does for the native kernel: a spec installed in an environment means that
  // environment's interpreter, whatever `python` would resolve to on PATH.
  if (envPrefix !== undefined && PYTHON_ARGV0.test(command[0] ?? ''))
    command[0] = venvPaths(envPrefix).python;
  return {
    name,
    displayName: spec.display_name,
    language,
    argv: command,
    env: stringRecord(spec.env, 'env'),
    interruptMode,
    metadata: metadata as JsonObject,
    resourceDir,
  };
}

function builtinPython3(prefix: string): KernelSpec {
  return {
    name: 'python3',
    displayName: 'Python 3 (ipykernel)',
    language: 'python',
    argv: [venvPaths(prefix).python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    env: {},
    interruptMode: 'signal',
    metadata: {},
    resourceDir: `builtin:${prefix}`,
  };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Every kernelspec found, keyed by lower-case name, in search priority order. */
export async function findKernelSpecs(options: KernelSpecSearchOptions): Promise<Map<string, KernelSpec>> {
  const specs = new Map<string, KernelSpec>();
  for (const dir of searchDirs(options)) {
    for (const entry of (await listDir(dir.kernelsDir)).sort()) {
      const name = entry.toLowerCase();
      if (specs.has(name)) continue;
      const resourceDir = path.join(dir.kernelsDir, entry);
      const file = path.join(resourceDir, 'kernel.json');
      if (!existsSync(file)) continue;
      try {
        specs.set(name, parseKernelJson(await readFile(file, 'utf8'), name, resourceDir, dir.envPrefix));
      } catch (err) {
        options.logger?.warn(
          { file, err: err instanceof Error ? err.message : String(err) },
          `skipping kernelspec "${entry}": invalid kernel.json`,
        );
      }
    }
  }
  const firstPrefix = options.envPrefixes[0];
  if (!specs.has('python3') && firstPrefix !== undefined) specs.set('python3', builtinPython3(firstPrefix));
  return specs;
}

/** The spec for `name` (case-insensitive), or E_KERNEL_NOT_FOUND naming what exists and where we looked. */
export async function getKernelSpec(name: string, options: KernelSpecSearchOptions): Promise<KernelSpec> {
  const specs = await findKernelSpecs(options);
  const spec = specs.get(name.toLowerCase());
  if (spec) return spec;
  const available = [...specs.keys()].sort();
  const searched = kernelSearchPaths(options);
  throw new NbcError(
    'E_KERNEL_NOT_FOUND',
    `no kernel named "${name}"; available: ${available.length ? available.join(', ') : '(none)'}; ` +
      `searched: ${searched.join(', ')}`,
    { field: 'kernel', kernelName: name, available, searched },
  );
}

export function summarizeKernelSpec(spec: KernelSpec): KernelSpecSummary {
  return {
    name: spec.name,
    displayName: spec.displayName,
    language: spec.language,
    source: spec.resourceDir,
  };
}

/** Substitute `{connection_file}` and `{resource_dir}` into the spec's argv. */
export function expandArgv(spec: KernelSpec, connectionFile: string): string[] {
  return spec.argv.map((arg) =>
    arg.replaceAll('{connection_file}', connectionFile).replaceAll('{resource_dir}', spec.resourceDir),
  );
}

/**
 * The spec's environment with `${VAR}` / `$VAR` references expanded from `base` (jupyter_client uses
 * string.Template.safe_substitute: unknown references stay as written).
 */
export function expandSpecEnv(
  spec: KernelSpec,
  base: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env)) {
    out[key] = value.replace(
      /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|(\$))/g,
      (m, a, b, dollar) => {
        if (dollar !== undefined) return '$';
        const v = base[(a ?? b) as string];
        return v === undefined ? m : v;
      },
    );
  }
  return out;
}
