/**
 * deploy/kubernetes/, checked structurally (no cluster here): well-formed objects that kustomize lists,
 * a worker Deployment with resources, a readiness probe on the metrics port, config from a ConfigMap and
 * credentials only from a Secret, and the config our worker compiles from that environment.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { parseAllDocuments } from 'yaml';

import { compileConfig } from '../../src/config';
import { packageRoot } from '../../src/paths';
import { imageProblem, isSecretName } from '../helpers/compose';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: Record<string, unknown>;
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  resources?: string[];
  spec?: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> };
    template?: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        securityContext?: Record<string, unknown>;
        containers: Container[];
      };
    };
  };
}

const dir = path.join(packageRoot(), 'deploy', 'kubernetes');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const objects = new Map<string, K8sObject>();
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const obj = doc.toJS() as K8sObject | null;
    if (obj) objects.set(`${obj.kind}/${obj.metadata?.name ?? file}`, obj);
  }
}

function get(key: string): K8sObject {
  const o = objects.get(key);
  if (!o) throw new Error(`no ${key} in deploy/kubernetes (have ${[...objects.keys()].join(', ')})`);
  return o;
}

const deployment = get('Deployment/nbconductor-worker');
const podSpec = deployment.spec?.template?.spec;
const worker = podSpec?.containers.find((c) => c.name === 'worker') as Container;

it('holds well-formed objects, all listed in the kustomization', () => {
  for (const [key, o] of objects) {
    expect({ key, apiVersion: typeof o.apiVersion, kind: typeof o.kind }).toEqual({
      key,
      apiVersion: 'string',
      kind: 'string',
    });
    if (o.kind !== 'Kustomization') expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  }
  const kustomization = [...objects.values()].find((o) => o.kind === 'Kustomization');
  expect(kustomization?.resources?.sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  expect(deployment.apiVersion).toBe('apps/v1');
  expect(get('ConfigMap/nbconductor-worker').apiVersion).toBe('v1');
});

it('runs the worker Deployment with resources, a pinned image, non-root, and time to drain', () => {
  expect(deployment.spec?.selector?.matchLabels).toEqual(
    expect.objectContaining(deployment.spec?.template?.metadata.labels ?? { missing: 'labels' }),
  );
  expect(worker.args).toEqual(['worker']);
  expect(imageProblem(worker.image)).toBeNull();
  for (const kind of ['requests', 'limits'] as const)
    expect(Object.keys(worker.resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
  expect(podSpec?.securityContext).toMatchObject({ runAsNonRoot: true });
  expect(worker.securityContext).toMatchObject({ allowPrivilegeEscalation: false });
  const config = workerConfig();
  expect((podSpec?.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(
    config.worker.shutdownGraceMs,
  );
});

/** The environment the container gets: the ConfigMap, literal values, and placeholders for refs. */
function containerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of worker.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, get(`ConfigMap/${from.configMapRef.name}`).data ?? {});
  }
  for (const v of worker.env ?? []) {
    const ref = v.valueFrom;
    env[v.name] = v.value ?? (ref?.secretKeyRef ? `secret:${ref.secretKeyRef.key}` : `ref:${v.name}`);
  }
  return env;
}

function workerConfig(): ReturnType<typeof compileConfig> {
  return compileConfig({ env: containerEnv() });
}

it('takes its configuration from the environment: ConfigMap settings, Secret credentials, pod name as id', () => {
  const config = workerConfig();
  expect(config.conductor.serverUrl).toMatch(/^http:\/\/conductor-server\./);
  expect(config.kernel.jupyterUrl).toMatch(/enterprise-gateway/);
  expect(config.kernel.jupyterToken).toBe('secret:jupyter-token');
  expect(config.s3).toMatchObject({
    accessKeyId: 'secret:aws-access-key-id',
    secretAccessKey: 'secret:aws-secret-access-key',
  });
  expect(config.conductor).toMatchObject({
    keyId: 'secret:conductor-auth-key',
    keySecret: 'secret:conductor-auth-secret',
  });
  expect(config.worker).toMatchObject({
    outputRoot: 's3://notebooks/runs',
    concurrency: 2,
    kernelPoolSize: 1,
  });
  const id = worker.env?.find((v) => v.name === 'NBCONDUCTOR_WORKER_ID');
  expect(id?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  // no credential is written into a manifest
  const configMap = get('ConfigMap/nbconductor-worker').data ?? {};
  for (const name of Object.keys(configMap))
    expect({ name, secret: isSecretName(name) }).toEqual({ name, secret: false });
  for (const v of worker.env ?? [])
    if (isSecretName(v.name))
      expect({ name: v.name, fromSecret: v.valueFrom?.secretKeyRef !== undefined }).toEqual({
        name: v.name,
        fromSecret: true,
      });
});

it('is ready when its metrics answer, on the port the worker serves and Prometheus scrapes', () => {
  const config = workerConfig();
  const port = worker.ports?.find((p) => p.name === worker.readinessProbe?.httpGet?.port);
  expect(worker.readinessProbe?.httpGet?.path).toBe('/metrics');
  expect(port?.containerPort).toBe(config.metrics.port);
  // kubelet and Prometheus reach the pod IP (an IP literal as Host, which the listener accepts)
  expect(config.metrics.host).toBe('0.0.0.0');
  expect(deployment.spec?.template?.metadata.annotations).toMatchObject({
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(config.metrics.port),
    'prometheus.io/path': '/metrics',
  });
});
