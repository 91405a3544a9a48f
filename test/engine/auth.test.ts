/**
 * Token authentication the way Orkes Conductor does it, through the official SDK: the key from the
 * engine's credentials.json buys a token; every API call needs it; an expired token gets a 401 on which
 * the SDK fetches a new one and repeats the call. `/health` stays open; the data stays owner-only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { MetadataClient } from '@io-orkes/conductor-javascript';

import { readCredentials, USED_LOGINS_DIR } from '../../src/security';
import { captureLogger } from '../helpers/logger';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { httpRequest } from '../helpers/http';
import { sdkClient } from './support';

async function token(engine: TestEngine, body: unknown = engine.credentials): Promise<Response> {
  return fetch(`${engine.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('an engine with token auth', () => {
  let engine: TestEngine;
  let now = Date.now();
  const { logger, lines } = captureLogger('debug');

  beforeAll(async () => {
    engine = await startTestEngine({ memory: true, clock: () => now, tokenTtlMs: 60_000, logger });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('answers 401 INVALID_TOKEN to API calls without a token or with a wrong one; /health is open', async () => {
    const none = await fetch(`${engine.url}/api/metadata/workflow`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ status: 401, error: 'INVALID_TOKEN' });
    const forged = await fetch(`${engine.url}/api/metadata/workflow`, {
      headers: { 'x-authorization': 'nbc.eyJraWQiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5OTk5LCJuIjoiYSJ9.AAAA' },
    });
    expect(forged.status).toBe(401);
    for (const p of ['/api/health', '/api/nope', '/api/tasks/poll/batch/notebook_run']) {
      expect((await fetch(`${engine.url}${p}`)).status).toBe(401);
    }
    expect((await fetch(`${engine.url}/health`)).status).toBe(200);
  });

  it('exchanges only the right key for a token, as POST /api/token does in Orkes', async () => {
    expect((await token(engine, { ...engine.credentials, keySecret: 'guess' })).status).toBe(401);
    expect((await token(engine, { keyId: 'other', keySecret: engine.credentials?.keySecret })).status).toBe(
      401,
    );
    expect((await token(engine, { key: 1 })).status).toBe(400);
    const ok = await token(engine);
    expect(ok.status).toBe(200);
    const { token: t } = (await ok.json()) as { token: string };
    const res = await fetch(`${engine.url}/api/metadata/workflow`, { headers: { 'x-authorization': t } });
    expect(res.status).toBe(200);
  });

  it('refuses a token issued by another engine', async () => {
    const other = await startTestEngine({ memory: true });
    try {
      const { token: foreign } = (await (await token(other)).json()) as { token: string };
      const res = await fetch(`${engine.url}/api/metadata/workflow`, {
        headers: { 'x-authorization': foreign },
      });
      expect(res.status).toBe(401);
    } finally {
      await other.stop();
    }
  });

  it('answers an expired token with 401 EXPIRED_TOKEN, and the SDK renews it and carries on', async () => {
    const client = await sdkClient(engine.url, engine.credentials);
    try {
      const metadata = new MetadataClient(client);
      await metadata.registerTask({ name: 'before_expiry', retryCount: 0 } as never);
      const tokensBefore = lines.filter((l) => l.url === '/api/token' && l.status === 200).length;
      now += 61_000; // past the token's lifetime
      await metadata.registerTask({ name: 'after_expiry', retryCount: 0 } as never);
      expect((await metadata.getTask('after_expiry')) as { name: string }).toMatchObject({
        name: 'after_expiry',
      });
      const requests = lines.filter((l) => l.msg === 'engine: request');
      expect(requests.some((l) => l.url === '/api/metadata/taskdefs' && l.status === 401)).toBe(true);
      expect(lines.filter((l) => l.url === '/api/token' && l.status === 200).length).toBe(tokensBefore + 1);
    } finally {
      client.stopBackgroundRefresh?.();
    }
  });

  it('lets a browser in through a one-time login link, for pages only: the cookie is no API token', async () => {
    const link = engine.loginLink('/runs/') as string;
    expect(link).toMatch(/\/login\?code=nbc\..+&next=%2Fruns%2F$/);
    const host = new URL(engine.url).host;
    const first = await httpRequest(engine.url, { path: link, headers: { host } });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/runs/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^nbconductor-session-\d+=nbc\.[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const again = await httpRequest(engine.url, { path: link, headers: { host } });
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
    const withCookie = await httpRequest(engine.url, {
      path: '/api/metadata/workflow',
      headers: { host, cookie: cookie.split(';')[0] as string },
    });
    expect(withCookie.status).toBe(401);
    // a cookie value is not an API token either
    const asToken = await httpRequest(engine.url, {
      path: '/api/metadata/workflow',
      headers: { host, 'x-authorization': (cookie.split(';')[0] as string).split('=')[1] as string },
    });
    expect(asToken.status).toBe(401);
    // the link only ever redirects to a page of this server
    const offsite = await httpRequest(engine.url, {
      path: (engine.loginLink() as string) + '&next=//evil.example/',
      headers: { host },
    });
    expect(offsite.status).toBe(200);
    expect(offsite.headers.location).toBeUndefined();
  });
});

describe('an engine with auth none', () => {
  it('logs a warning, serves the API without a token, and answers /api/token 404 as Conductor OSS', async () => {
    const { logger, lines } = captureLogger('info');
    const engine = await startTestEngine({ memory: true, auth: 'none', logger });
    try {
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 40, msg: expect.stringContaining('authentication is OFF') }),
      );
      expect((await fetch(`${engine.url}/api/metadata/workflow`)).status).toBe(200);
      expect((await token(engine, { keyId: 'k', keySecret: 's' })).status).toBe(404);
      // the SDK with a key configured detects "OSS" and goes on without a token
      const client = await sdkClient(engine.url, { keyId: 'k', keySecret: 's' });
      await new MetadataClient(client).registerTask({ name: 'open', retryCount: 0 } as never);
      client.stopBackgroundRefresh?.();
      expect(engine.loginLink()).toBeNull();
    } finally {
      await engine.stop();
    }
  });
});

describe('the data directory', () => {
  it('is owner-only, with the database and credentials 0600; a restart keeps the key and its tokens', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-perms-'));
    fs.chmodSync(dataDir, 0o755); // an existing, too open directory is tightened
    let engine = await startTestEngine({ dataDir });
    try {
      const mode = (p: string): number => fs.statSync(p).mode & 0o777;
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(path.join(dataDir, 'engine.db'))).toBe(0o600);
      expect(mode(path.join(dataDir, 'engine.db-wal'))).toBe(0o600);
      expect(mode(path.join(dataDir, 'credentials.json'))).toBe(0o600);
      const credentials = readCredentials(dataDir);
      expect(credentials).toEqual(engine.credentials);
      const { token: t } = (await (await token(engine)).json()) as { token: string };
      await engine.stop();
      engine = await startTestEngine({ dataDir });
      expect(engine.credentials).toEqual(credentials);
      const res = await fetch(`${engine.url}/api/metadata/workflow`, { headers: { 'x-authorization': t } });
      expect(res.status).toBe(200);
    } finally {
      await engine.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('remembers used login links across a restart: a link works once per data directory', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nbc-logins-'));
    let now = Date.now();
    const clock = (): number => now;
    // A link names the engine it was printed by; opened here on whichever engine runs on the directory.
    const open = (e: TestEngine, link: string) => {
      const u = new URL(link);
      return httpRequest(e.url, { path: u.pathname + u.search });
    };
    const used = path.join(dataDir, USED_LOGINS_DIR);
    let engine = await startTestEngine({ dataDir, clock });
    try {
      const first = engine.loginLink('/runs/') as string; // opened under this engine (`up`)
      const second = engine.loginLink() as string; // printed, not opened before the restart
      expect((await open(engine, first)).status).toBe(303);
      await engine.stop();
      engine = await startTestEngine({ dataDir, clock }); // `server` on the same data directory
      const again = await open(engine, first);
      expect(again.status).toBe(403);
      expect(again.headers['set-cookie']).toBeUndefined();
      expect((await open(engine, second)).status).toBe(200);
      expect((await open(engine, second)).status).toBe(403);
      const mode = (p: string): number => fs.statSync(p).mode & 0o777;
      expect(mode(used)).toBe(0o700);
      const marks = fs.readdirSync(used);
      expect(marks).toHaveLength(2);
      for (const m of marks) expect(mode(path.join(used, m))).toBe(0o600);
      // Kept only while the links could be used: once they have expired, the next sign-in forgets them.
      now += 24 * 3600_000 + 1;
      expect((await open(engine, first)).status).toBe(403);
      expect((await open(engine, engine.loginLink() as string)).status).toBe(200);
      expect(fs.readdirSync(used)).toHaveLength(1);
    } finally {
      await engine.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
