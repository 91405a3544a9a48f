/**
 * docker-compose.conductor.yml and the Dockerfile, checked statically (no Docker engine runs here):
 * valid YAML, every service wired to the others by name and port, the worker configured by env the way
 * our config reads it, and the image built from files that exist.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { compileConfig } from '../../src/config';
import { packageRoot } from '../../src/paths';

const root = packageRoot();
const composeText = readFileSync(path.join(root, 'docker-compose.conductor.yml'), 'utf8');

interface Service {
  image?: string;
  build?: string | { context: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
}

const compose = parse(composeText, { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;

/** Compose's ${VAR:-default} interpolation, with defaults (what `docker compose config` would produce). */
function interpolate(s: string): string {
  return s.replace(/\$\{([A-Z_]+):-([^}]*)\}/g, (_m, _name: string, def: string) => def);
}

it('is valid YAML with the services the README describes', () => {
  expect(Object.keys(services).sort()).toEqual([
    'conductor-server',
    'jupyter',
    'minio',
    'minio-setup',
    'nbconductor',
    'register',
    'worker',
  ]);
  expect(interpolate(services['conductor-server']?.image ?? '')).toMatch(/^conductoross\/conductor:/);
  for (const [name, svc] of Object.entries(services)) {
    expect(svc.image !== undefined || svc.build !== undefined).toBe(true);
    for (const dep of Object.keys(svc.depends_on ?? {})) {
      expect({ service: name, dependsOn: dep, exists: dep in services }).toMatchObject({ exists: true });
      if (svc.depends_on?.[dep]?.condition === 'service_healthy')
        expect(services[dep]?.healthcheck).toBeDefined();
    }
    for (const p of svc.ports ?? []) expect(p).toMatch(/^\d+:\d+$/);
  }
  expect(Object.keys(compose.volumes ?? {})).toContain('minio-data');
});

it('wires the worker to Conductor, Jupyter and MinIO by service name, through the env our config reads', () => {
  const worker = services.worker as Service;
  const env = Object.fromEntries(
    Object.entries(worker.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
  );
  const config = compileConfig({ env });
  expect(new URL(config.conductor.serverUrl).host).toBe('conductor-server:8080');
  expect(new URL(config.kernel.jupyterUrl ?? '').host).toBe('jupyter:8888');
  expect(config.kernel.jupyterToken).toBe(interpolate('${JUPYTER_TOKEN:-nbconductor-token}'));
  expect(config.s3.endpoint).toBe('http://minio:9000');
  expect(config.s3.forcePathStyle).toBe(true);
  expect(config.worker.outputRoot).toBe('s3://notebooks/runs');
  expect(config.s3.accessKeyId).toBe(interpolate(String(services.minio?.environment?.MINIO_ROOT_USER)));
  expect(config.s3.secretAccessKey).toBe(
    interpolate(String(services.minio?.environment?.MINIO_ROOT_PASSWORD)),
  );
  // the bucket the worker writes to is the one minio-setup creates
  expect(String(services['minio-setup']?.command)).toContain('local/notebooks');
  // the jupyter server keeps all output (no IOPub rate limits) and exposes the port the worker uses
  expect(services.jupyter?.command).toEqual(
    expect.arrayContaining(['--port=8888', '--ZMQChannelsWebsocketConnection.iopub_data_rate_limit=0']),
  );
  expect(services.jupyter?.ports).toContain('8888:8888');
  expect(services['conductor-server']?.ports).toEqual(expect.arrayContaining(['8080:8080', '5000:5000']));
  expect(worker.command).toEqual(['worker']);
  expect(services.register?.command).toEqual(['register', 'workflows']);
});

it('builds the worker image from files in this repository', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const src of (m[1] ?? '').split(/\s+/))
      expect({ src, exists: existsSync(path.join(root, src)) }).toMatchObject({ exists: true });
  }
  expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/nbconductor\.js"\]/);
  expect(dockerfile).toMatch(/^FROM node:20/m);
});
