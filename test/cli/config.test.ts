/**
 * Configuration as users meet it: defaults → environment → config file → flags (what the user wrote
 * wins), every key's type and range checked with errors naming the key and where it came from, unknown
 * keys warned about, and `nbconductor config` showing the effective values with secrets redacted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { compileConfig } from '../../src/config';
import { SECTIONS } from '../../src/config/schema';
import { isNbcError, type NbcError } from '../../src/errors';
import { packageRoot } from '../../src/paths';
import { runCli } from '../helpers/cli';
import { closedPort } from '../helpers/net';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const p = path.join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

function configError(f: () => unknown): NbcError {
  try {
    f();
  } catch (err) {
    if (isNbcError(err, 'E_CONFIG')) return err;
    throw err;
  }
  throw new Error('expected E_CONFIG');
}

describe('precedence', () => {
  it('lets the config file beat the environment, and flags beat both', () => {
    const env = { NBCONDUCTOR_WORKER_CONCURRENCY: '3', CONDUCTOR_SERVER_URL: 'http://env.example:1' };
    const configFile = file('p.json', {
      worker: { concurrency: 4 },
      conductor: { serverUrl: 'http://file.example:2' },
    });
    expect(compileConfig({ env }).worker.concurrency).toBe(3);
    const c = compileConfig({ env, configFile });
    expect([c.worker.concurrency, c.conductor.serverUrl]).toEqual([4, 'http://file.example:2']);
    expect(c.sources['worker.concurrency']).toBe(`config file ${configFile}`);
    const f = compileConfig({
      env,
      configFile,
      flags: { worker: { concurrency: 5 } },
      flagNames: { 'worker.concurrency': '--concurrency' },
    });
    expect([f.worker.concurrency, f.sources['worker.concurrency']]).toEqual([5, 'flag --concurrency']);
    expect(f.sources['worker.pollIntervalMs']).toBe('default');
  });
});

describe('validation', () => {
  it('checks the type of every key of every section, naming the key and the file', () => {
    for (const [section, schema] of Object.entries(SECTIONS)) {
      for (const key of Object.keys(schema.properties)) {
        const configFile = file(`bad-${section}-${key}.json`, { [section]: { [key]: { wrong: true } } });
        const err = configError(() => compileConfig({ env: {}, configFile }));
        expect(err.message).toContain(`${section}.${key} must be`);
        expect(err.message).toContain(`(config file ${configFile})`);
      }
    }
  });

  it('refuses a string where a number is expected, and values out of range, all at once', () => {
    const configFile = file(
      'range.yaml',
      'worker:\n  concurrency: "5"\n  kernelPoolSize: -1\nengine:\n  port: 70000\n',
    );
    const err = configError(() => compileConfig({ env: {}, configFile }));
    expect(err.message).toMatch(/^invalid configuration: /);
    for (const part of [
      `worker.concurrency must be integer, got "5" (config file ${configFile})`,
      `worker.kernelPoolSize must be >= 0, got -1 (config file ${configFile})`,
      `engine.port must be <= 65535, got 70000 (config file ${configFile})`,
    ])
      expect(err.message).toContain(part);
  });

  it('names the environment variable or the flag a bad value came from', () => {
    expect(configError(() => compileConfig({ env: { NBCONDUCTOR_AUTH: 'maybe' } })).message).toBe(
      'invalid configuration: security.auth must be one of "token", "none", got "maybe" (environment variable NBCONDUCTOR_AUTH)',
    );
    expect(
      configError(() =>
        compileConfig({
          env: {},
          flags: { conductor: { serverUrl: 'localhost:8080' } },
          flagNames: { 'conductor.serverUrl': '--conductor-url' },
        }),
      ).message,
    ).toBe(
      'invalid configuration: conductor.serverUrl must be an http(s) URL, got "localhost:8080" (flag --conductor-url)',
    );
  });

  it('warns about unknown sections and keys and ignores them', async () => {
    const configFile = file('unknown.yaml', 'worker:\n  concurency: 4\nschedular:\n  on: true\n');
    const warnings: string[] = [];
    const c = compileConfig({ env: {}, configFile, onWarning: (w) => warnings.push(w) });
    expect(c.worker.concurrency).toBe(2);
    expect(warnings.sort()).toEqual([
      `unknown configuration key "worker.concurency" in config file ${configFile}; ignored`,
      `unknown configuration section "schedular" in config file ${configFile}; ignored`,
    ]);
    const r = await runCli(['--config', configFile, 'config'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('unknown configuration key \\"worker.concurency\\"');
  });
});

describe('nbconductor config', () => {
  it('prints the effective configuration with every secret redacted, and where each value came from', async () => {
    const secrets = [
      'jupyter-t0ken',
      'aws-s3cret',
      'aws-sess10n',
      'orkes-s3cret',
      'url-passw0rd',
      'qu3ry-token',
    ];
    const configFile = file(
      'secrets.yaml',
      `kernel:\n  jupyterToken: ${secrets[0]}\ns3:\n  secretAccessKey: ${secrets[1]}\n`,
    );
    const env = {
      AWS_SESSION_TOKEN: secrets[2],
      CONDUCTOR_AUTH_KEY: 'orkes-id',
      CONDUCTOR_AUTH_SECRET: secrets[3],
      CONDUCTOR_SERVER_URL: `https://user:${secrets[4]}@orkes.example/?token=${secrets[5]}`,
    };
    const json = await runCli(['--config', configFile, 'config'], { cwd: dir, env });
    expect(json.code).toBe(0);
    const shown = JSON.parse(json.stdout) as Record<string, Record<string, unknown>>;
    expect(shown.kernel?.jupyterToken).toBe('[redacted]');
    expect(shown.conductor).toMatchObject({ keyId: 'orkes-id', keySecret: '[redacted]' });
    expect(shown.conductor?.serverUrl).toBe('https://***@orkes.example/?token=***');
    expect(shown.s3).toMatchObject({ secretAccessKey: '[redacted]', sessionToken: '[redacted]' });
    expect(shown).not.toHaveProperty('childEnv');
    const origin = await runCli(['--config', configFile, '--auth', 'none', 'config', '--show-origin'], {
      cwd: dir,
      env,
    });
    expect(origin.stdout).toContain(`kernel.jupyterToken = "[redacted]"  (config file ${configFile})`);
    expect(origin.stdout).toContain(
      'conductor.keyId = "orkes-id"  (environment variable CONDUCTOR_AUTH_KEY)',
    );
    expect(origin.stdout).toContain('security.auth = "none"  (flag --auth)');
    expect(origin.stdout).toContain('worker.concurrency = 2  (default)');
    for (const out of [json, origin])
      for (const s of secrets) expect(out.stdout + out.stderr).not.toContain(s);
  });
});

describe('a Conductor that cannot be reached', () => {
  it('fails register within seconds, naming the URL and where it came from', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const t0 = Date.now();
    const workflows = path.join(packageRoot(), 'workflows');
    const fromEnv = await runCli(['register', workflows], { cwd: dir, env: { CONDUCTOR_SERVER_URL: url } });
    expect(fromEnv.code).not.toBe(0);
    expect(fromEnv.stderr).toContain(
      `cannot reach Conductor at ${url} (from environment variable CONDUCTOR_SERVER_URL): ECONNREFUSED`,
    );
    const fromFlag = await runCli(['start', 'nb_linear', '--conductor-url', url], { cwd: dir });
    expect(fromFlag.stderr).toContain(`cannot reach Conductor at ${url} (from flag --conductor-url)`);
    const configFile = file('unreachable.json', { conductor: { serverUrl: url } });
    const fromFile = await runCli(['--config', configFile, 'worker'], { cwd: dir });
    expect(fromFile.code).not.toBe(0);
    expect(fromFile.stderr).toContain(`cannot reach Conductor at ${url} (from config file ${configFile})`);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
