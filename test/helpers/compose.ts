/**
 * Static checks of a compose file (no Docker engine runs here): compose's variable interpolation, the
 * compose-spec JSON schema, and the deployment rules the project keeps (pinned images, nothing published
 * beyond loopback, no secret with a default, Conductor's database on a named volume). Each check returns
 * the problems it found, so tests can show that a bad file fails.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

export type Env = Readonly<Record<string, string | undefined>>;

export interface PortMapping {
  host_ip?: string;
  published?: string | number;
  target?: number;
}

export interface ComposeService {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: (string | PortMapping)[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  container_name?: string;
  hostname?: string;
  deploy?: { replicas?: number };
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** A `${...}` (or `$NAME`) reference found in the file, before interpolation. */
export interface VariableUse {
  name: string;
  /** '' for a plain reference, else compose's operator: ':-', '-', ':?', '?', ':+', '+'. */
  op: string;
  /** The default, error message or replacement after the operator. */
  arg: string;
  /** Where it was found, e.g. `services.minio.environment.MINIO_ROOT_PASSWORD`. */
  at: string;
}

const REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))|\$\$/g;

/** Compose's interpolation of one scalar: `$$` is a literal `$`; a `:?`/`?` variable that is missing throws. */
export function interpolate(s: string, env: Env): string {
  return s.replace(REF, (m, braced?: string, op = '', arg = '', bare?: string) => {
    if (m === '$$') return '$';
    const name = (braced ?? bare) as string;
    const value = env[name];
    const unset = value === undefined;
    const empty = unset || value === '';
    switch (op) {
      case ':-':
        return empty ? (arg as string) : (value as string);
      case '-':
        return unset ? (arg as string) : (value as string);
      case ':?':
      case '?':
        if (op === ':?' ? empty : unset) throw new Error(`required variable ${name} is missing: ${arg}`);
        return value as string;
      case ':+':
        return empty ? '' : (arg as string);
      case '+':
        return unset ? '' : (arg as string);
      default:
        return value ?? '';
    }
  });
}

function walk(node: unknown, at: string, visit: (s: string, at: string) => string): unknown {
  if (typeof node === 'string') return visit(node, at);
  if (Array.isArray(node)) return node.map((v, i) => walk(v, `${at}[${i}]`, visit));
  if (node && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, walk(v, at ? `${at}.${k}` : k, visit)]),
    );
  }
  return node;
}

/** The file as YAML (anchors and `<<` merges resolved), before interpolation. */
export function parseComposeText(text: string): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

export function readCompose(file: string): ComposeFile {
  return parseComposeText(readFileSync(file, 'utf8'));
}

/** Every variable reference in the file's values (compose interpolates values, not keys). */
export function variableUses(raw: ComposeFile): VariableUse[] {
  const uses: VariableUse[] = [];
  walk(raw, '', (s, at) => {
    for (const m of s.matchAll(REF)) {
      if (m[0] === '$$') continue;
      uses.push({ name: (m[1] ?? m[4]) as string, op: m[2] ?? '', arg: m[3] ?? '', at });
    }
    return s;
  });
  return uses;
}

/** What `docker compose config` would see with this environment. */
export function interpolateCompose(raw: ComposeFile, env: Env): ComposeFile {
  return walk(raw, '', (s) => interpolate(s, env)) as ComposeFile;
}

// ---- rules ----------------------------------------------------------------------------------------------

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|(^|_)KEY($|_)|ACCESS_KEY/i;

/** Names of variables that hold credentials (by the usual naming). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Secrets are required variables (`${VAR:?…}`) or optional with an empty default; never a literal value. */
export function secretProblems(raw: ComposeFile): string[] {
  const problems: string[] = [];
  for (const use of variableUses(raw)) {
    if (!SECRET_NAME.test(use.name)) continue;
    if ((use.op === ':-' || use.op === '-') && use.arg !== '')
      problems.push(`${use.at}: secret ${use.name} has a default value`);
  }
  for (const [name, svc] of Object.entries(raw.services)) {
    for (const [key, value] of Object.entries(svc.environment ?? {})) {
      if (SECRET_NAME.test(key) && typeof value === 'string' && value !== '' && !value.includes('${'))
        problems.push(`services.${name}.environment.${key}: a literal secret`);
    }
  }
  return problems;
}

/** Every `ports:` entry binds loopback and takes its host port from a `${VAR:-default}`. */
export function portProblems(raw: ComposeFile): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(raw.services)) {
    for (const p of svc.ports ?? []) {
      const where = `services.${name}.ports ${JSON.stringify(p)}`;
      if (typeof p === 'object') {
        if (p.host_ip !== '127.0.0.1' && p.host_ip !== '::1')
          problems.push(`${where}: not bound to loopback`);
        if (!/^\$\{[A-Z0-9_]+:-\d+\}$/.test(String(p.published ?? '')))
          problems.push(`${where}: host port is not configurable`);
        continue;
      }
      const m = /^(127\.0\.0\.1|\[::1\]):(\$\{[A-Z0-9_]+:-\d+\}):\d+(\/tcp|\/udp)?$/.exec(String(p));
      if (!m) problems.push(`${where}: not "127.0.0.1:\${VAR:-port}:port" (published on all interfaces?)`);
    }
  }
  return problems;
}

/** A tag (not `latest`) or a digest on every image reference. */
export function imageProblem(ref: string): string | null {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return null;
  const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : null;
  if (tag === null) return `${ref}: no tag (means latest)`;
  if (/^latest$/i.test(tag) || tag === '') return `${ref}: tagged latest`;
  return null;
}

/** `FROM` lines of a Dockerfile with `ARG` defaults substituted. */
export function dockerfileBaseImages(text: string): string[] {
  const args: Record<string, string> = {};
  const images: string[] = [];
  for (const line of text.split('\n')) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)/.exec(line);
    if (arg) args[arg[1] as string] = arg[2] as string;
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(line);
    if (from) images.push(interpolate(from[1] as string, args));
  }
  const stages = new Set([...text.matchAll(/^FROM\s+.*\s+AS\s+(\S+)/gim)].map((m) => m[1]?.toLowerCase()));
  return images.filter((i) => !stages.has(i.toLowerCase()));
}

/**
 * Images with their variables at their defaults (what runs when nobody overrides them): pinned, and for
 * services built here, the Dockerfile's base images pinned too.
 */
export function imageProblems(raw: ComposeFile, root: string): string[] {
  const problems: string[] = [];
  const defaults = Object.fromEntries(
    variableUses(raw)
      .filter((u) => u.op === ':-' || u.op === '-')
      .map((u) => [u.name, u.arg]),
  );
  for (const [name, svc] of Object.entries(raw.services)) {
    if (svc.image === undefined) {
      problems.push(`services.${name}: no image name (give built images a versioned name)`);
    } else {
      const p = imageProblem(interpolate(svc.image, defaults));
      if (p) problems.push(`services.${name}.image ${p}`);
    }
    if (svc.build !== undefined) {
      const ctx = typeof svc.build === 'string' ? svc.build : svc.build.context;
      const dockerfile =
        typeof svc.build === 'string' ? 'Dockerfile' : (svc.build.dockerfile ?? 'Dockerfile');
      const text = readFileSync(path.join(root, ctx, dockerfile), 'utf8');
      for (const base of dockerfileBaseImages(text)) {
        const p = imageProblem(base);
        if (p) problems.push(`services.${name} build ${path.join(ctx, dockerfile)}: FROM ${p}`);
      }
    }
  }
  return problems;
}

/** Where the Conductor service keeps its SQLite database, and whether a named volume holds it. */
export function conductorDataProblems(raw: ComposeFile, service = 'conductor-server'): string[] {
  const svc = raw.services[service];
  if (!svc) return [`no ${service} service`];
  const env = svc.environment ?? {};
  const url = String(env['spring.datasource.url'] ?? env.SPRING_DATASOURCE_URL ?? '');
  const m = /^jdbc:sqlite:([^?]+)/.exec(url);
  if (!m)
    return [
      `${service}: spring.datasource.url is not set to a SQLite file (the image keeps it in /app/libs)`,
    ];
  const dbFile = m[1] as string;
  if (!path.posix.isAbsolute(dbFile))
    return [`${service}: database ${dbFile} is relative to the container's cwd`];
  const named = new Set(Object.keys(raw.volumes ?? {}));
  for (const v of svc.volumes ?? []) {
    const [source, target] =
      typeof v === 'string' ? (v.split(':') as [string, string]) : [v.source ?? '', v.target];
    const inside = dbFile.startsWith(target.endsWith('/') ? target : `${target}/`);
    if (inside && named.has(source)) return [];
    if (inside) return [`${service}: ${target} is mounted from ${source}, not a named volume`];
  }
  return [`${service}: database ${dbFile} is not on a volume (docker compose down would erase it)`];
}
