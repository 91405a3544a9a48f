/**
 * Who may read the records. On the engine's port (`server`, `up`): the engine's one-time login link and
 * its session cookie open the pages, documents, files and contents API; the engine's token opens the
 * contents API too; the cookie never opens the engine's API. `nbconductor view` has a key of its own.
 * `--auth none` opens the pages, with a warning. The browser rules (Host, Origin, framing, other sites'
 * reads) hold on every viewer route, signed in or not.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { conductorAuth, createHttpRunsApi } from '../../src/viewer';
import { startCli } from '../helpers/cli';
import { startTestEngine } from '../helpers/engine';
import type { Credentials } from '../../src/security';
import { apiToken } from '../engine/support';
import { startEnginePages, startWaitWorkflow, type EnginePages } from '../helpers/engine-pages';
import { httpRequest, type HttpAnswer } from '../helpers/http';
import { captureLogger } from '../helpers/logger';
import { codeCell, notebookJson, signIn } from '../helpers/viewer';

const SECRET = 'RECORD-CONTENT-7f3a';

let root: string;
let engine: EnginePages;
let workflowId: string;
let token: string;

/** Every kind of viewer route: pages, a sandboxed document, raw files, the contents API. */
const routes = (): string[] => [
  '/',
  '/view/',
  '/view/daily/a.ipynb',
  '/render/daily/a.ipynb',
  '/render/daily/a.ipynb?download=1',
  '/files/notes.txt',
  '/files/daily/a.ipynb?download=1',
  '/api/contents/',
  '/api/contents/daily/a.ipynb',
  '/api/contents/notes.txt?content=1',
  '/summary/daily/',
  '/summary/daily/?format=csv',
  '/runs',
  `/runs/${workflowId}`,
];

const get = (p: string, headers: Record<string, string> = {}): Promise<HttpAnswer> =>
  httpRequest(engine.url, { path: p, headers });

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'nbc-viewer-auth-'));
  mkdirSync(path.join(root, 'daily'));
  const nb = notebookJson([codeCell('x', [{ output_type: 'stream', name: 'stdout', text: `${SECRET}\n` }])]);
  writeFileSync(path.join(root, 'daily', 'a.ipynb'), JSON.stringify(nb));
  writeFileSync(path.join(root, 'notes.txt'), `${SECRET}\n`);
  engine = await startEnginePages({ root, auth: 'token' });
  token = await apiToken(engine.url, engine.credentials as Credentials);
  workflowId = await startWaitWorkflow(engine.url, engine.credentials);
});

afterAll(async () => {
  await engine?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('the viewer on the engine port (nbconductor server, up)', () => {
  it('gives a person without the login link no page, document, file or contents: 401 and the way in', async () => {
    for (const p of routes()) {
      const r = await get(p);
      expect([p, r.status]).toEqual([p, 401]);
      expect(r.text).not.toContain(SECRET);
      if (p.startsWith('/api/contents')) {
        expect(r.json).toMatchObject({ message: expect.stringContaining('login link') });
      } else {
        // a browser gets a page saying where the way in is, with a link back here (see below)
        expect([p, r.headers['content-type']]).toEqual([p, 'text/html; charset=utf-8']);
        expect(r.text).toContain('one-time login link');
        expect(r.text).toContain(`href="${p.replace(/&/g, '&amp;')}">open this page again</a>`);
      }
    }
  });

  it('serves static assets on a loopback Host alone: the sandboxed document fetches fonts with Origin null', async () => {
    expect((await get('/static/viewer.css')).status).toBe(200);
    const font = await get('/static/katex/fonts/KaTeX_Main-Regular.woff2', {
      origin: 'null',
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'cors',
    });
    expect(font.status).toBe(200);
    const port = new URL(engine.url).port;
    expect((await get('/static/viewer.css', { host: `evil.example:${port}` })).status).toBe(403);
  });

  it('lets a browser in through the printed link, once, with an HttpOnly SameSite=Strict cookie', async () => {
    const link = engine.printedLink as string;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?code=nbc\.\S+&next=%2F$/);
    const first = await get(link);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(/^nbconductor-session-\d+=nbc\.[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const again = await get(link);
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();

    const cookie = setCookie.split(';')[0] as string;
    for (const p of routes()) {
      const r = await get(p, { cookie });
      expect([p, r.status]).toEqual([p, p === '/' ? 302 : 200]);
    }
    expect((await get('/api/contents/daily/a.ipynb', { cookie })).text).toContain(SECRET);
    // the run page read the engine's API with the engine's own token
    expect((await get(`/runs/${workflowId}`, { cookie })).text).toContain('data-ref="w"');
  });

  it("never opens the engine's API with the cookie; the engine's token opens the contents API too", async () => {
    const cookie = await signIn(engine.loginLink('/'));
    const json = { 'content-type': 'application/json', cookie };
    expect((await get('/api/workflow/search?query=', { cookie })).status).toBe(401);
    expect((await get('/api/metadata/workflow', { cookie })).status).toBe(401);
    expect((await get(`/api/workflow/${workflowId}`, { cookie })).status).toBe(401);
    const post = await httpRequest(engine.url, {
      method: 'POST',
      path: '/api/workflow/adhoc',
      headers: json,
      body: '{}',
    });
    expect(post.status).toBe(401);
    // a script holding the key reads the contents API as it reads the rest of /api
    const withToken = await get('/api/contents/daily/a.ipynb', { 'x-authorization': token });
    expect(withToken.status).toBe(200);
    expect(withToken.text).toContain(SECRET);
    const forged = await get('/api/contents/daily/a.ipynb', { 'x-authorization': 'nbc.forged.x', cookie });
    expect(forged.status).toBe(401);
  });

  it('refuses DNS rebinding, other origins, framing and cross-site reads on every viewer route, signed in or not', async () => {
    const cookie = await signIn(engine.loginLink('/'));
    const port = new URL(engine.url).port;
    const hostile: Record<string, Record<string, string>> = {
      rebinding: { host: `evil.example:${port}` },
      'foreign origin': { origin: 'https://evil.example' },
      'sandboxed frame': { origin: 'null', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
      'cross-site img': {
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'no-cors',
        'sec-fetch-dest': 'image',
      },
      'framed by a site': {
        'sec-fetch-site': 'cross-site',
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'iframe',
      },
    };
    for (const p of routes())
      for (const [name, headers] of Object.entries(hostile)) {
        const r = await get(p, { cookie, ...headers });
        expect([p, name, r.status]).toEqual([p, name, 403]);
        expect(r.text).not.toContain(SECRET);
      }
  });

  it('is read-only: with the session every other method is 405; without it 401; nothing changes', async () => {
    const cookie = await signIn(engine.loginLink('/'));
    const before = readFileSync(path.join(root, 'daily', 'a.ipynb'), 'utf8');
    const body = JSON.stringify({ type: 'notebook', content: { cells: [] }, format: 'json' });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
      for (const p of ['/api/contents/daily/a.ipynb', '/files/daily/a.ipynb', '/view/daily/a.ipynb']) {
        const headers = { 'content-type': 'application/json' };
        const signedIn = await httpRequest(engine.url, {
          method,
          path: p,
          headers: { ...headers, cookie },
          body,
        });
        expect([method, p, signedIn.status, signedIn.headers.allow]).toEqual([method, p, 405, 'GET, HEAD']);
        const anonymous = await httpRequest(engine.url, { method, path: p, headers, body });
        expect([method, p, anonymous.status]).toEqual([method, p, 401]);
      }
    expect(readFileSync(path.join(root, 'daily', 'a.ipynb'), 'utf8')).toBe(before);
  });
});

describe("run pages' token for the Conductor API", () => {
  it('is fetched with the key, kept, and renewed when the server refuses it (401)', async () => {
    let now = Date.now();
    const { logger, lines } = captureLogger('debug');
    const conductor = await startTestEngine({ memory: true, tokenTtlMs: 60_000, clock: () => now, logger });
    try {
      const { keyId, keySecret } = conductor.credentials as { keyId: string; keySecret: string };
      const runs = createHttpRunsApi({
        baseUrl: conductor.url,
        auth: conductorAuth({ serverUrl: conductor.url, keyId, keySecret }),
      });
      const calls = (): string[] =>
        lines
          .filter((l) => l.msg === 'engine: request')
          .map((l) => `${String(l.url).split('?')[0]} ${String(l.status)}`);
      await runs.search({ query: '', freeText: '*', start: 0, size: 10, sort: 'startTime:DESC' });
      await runs.search({ query: '', freeText: '*', start: 0, size: 10, sort: 'startTime:DESC' });
      expect(calls()).toEqual(['/api/token 200', '/api/workflow/search 200', '/api/workflow/search 200']);
      now += 120_000; // the engine's token has expired; ours has not yet (we keep it for 30 minutes)
      expect(await runs.workflow('no-such-workflow')).toBeNull();
      expect(calls().slice(3)).toEqual([
        '/api/workflow/no-such-workflow 401',
        '/api/token 200',
        '/api/workflow/no-such-workflow 404',
      ]);
    } finally {
      await conductor.stop();
    }
  });
});

describe('nbconductor view', () => {
  it('signs people in with a key of its own: the engine key, links and cookies do not open it', async () => {
    const view = startCli(['view', root, '--port', '0'], { cwd: root });
    try {
      const url = (await view.stdout.waitFor(/nbconductor viewer: (http:\/\/\S+)\/ /))[1] as string;
      const link = (await view.stdout.waitFor(/^browser login link \(works once\): (\S+)$/m))[1] as string;
      expect(link).toMatch(new RegExp(`^${url}/login\\?code=nbc\\.\\S+&next=%2F$`));
      for (const p of ['/view/', '/render/daily/a.ipynb', '/files/notes.txt', '/api/contents/notes.txt'])
        expect([p, (await httpRequest(url, { path: p })).status]).toEqual([p, 401]);
      // the engine's link and cookie (renamed for this port) are the engine's, not the viewer's
      const theirs = new URL(engine.loginLink('/'));
      expect((await httpRequest(url, { path: theirs.pathname + theirs.search })).status).toBe(403);
      const engineCookie = (await signIn(engine.loginLink('/'))).replace(
        /^nbconductor-session-\d+/,
        `nbconductor-session-${new URL(url).port}`,
      );
      expect((await httpRequest(url, { path: '/view/', headers: { cookie: engineCookie } })).status).toBe(
        401,
      );
      expect(
        (await httpRequest(url, { path: '/api/contents/', headers: { 'x-authorization': token } })).status,
      ).toBe(401);
      const cookie = await signIn(link);
      const page = await httpRequest(url, { path: '/api/contents/notes.txt?content=1', headers: { cookie } });
      expect(page.status).toBe(200);
      expect(page.text).toContain(SECRET);
      expect((await fetch(link, { redirect: 'manual' })).status).toBe(403); // once
    } finally {
      expect(await view.stop()).toBe(0);
    }
  });

  it('--auth none serves without a login link, and warns', async () => {
    const view = startCli(['--auth', 'none', 'view', root, '--port', '0'], { cwd: root });
    try {
      const url = (await view.stdout.waitFor(/nbconductor viewer: (http:\/\/\S+)\/ /))[1] as string;
      await view.stderr.waitFor(/viewer: authentication is OFF \(auth none\)/);
      expect((await httpRequest(url, { path: '/api/contents/notes.txt?content=1' })).text).toContain(SECRET);
      expect(view.stdout.text).not.toContain('login link');
      // the browser rules stay on
      expect((await httpRequest(url, { path: '/view/', headers: { host: 'evil.example' } })).status).toBe(
        403,
      );
    } finally {
      await view.stop();
    }
  });

  it("--conductor-url: the run pages find a local engine's key as every client does (its credentials.json)", async () => {
    const local = await startTestEngine();
    const view = startCli(['view', root, '--port', '0', '--conductor-url', local.url], {
      cwd: root,
      env: { NBCONDUCTOR_ENGINE_DATA: local.dataDir },
    });
    try {
      const link = (await view.stdout.waitFor(/^browser login link \(works once\): (\S+)$/m))[1] as string;
      const cookie = await signIn(link);
      const runs = await httpRequest(new URL(link).origin, { path: '/runs', headers: { cookie } });
      expect(runs.status).toBe(200);
      expect(runs.text).toContain('0 runs');
    } finally {
      await view.stop();
      await local.stop();
    }
  });
});
