/**
 * The viewer's commands: `nbconductor view` (standalone, with --base-url and --conductor-url), the same
 * pages on the engine's port (`nbconductor server`), and `nbconductor summarize`.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

import { main } from '../../src/cli/main';
import { runServerCommand } from '../../src/cli/server-command';
import { compileConfig } from '../../src/config';
import { captureLogger } from '../helpers/logger';
import { Lines, runCli } from '../helpers/cli';
import { startTestEngine } from '../helpers/engine';
import { startWaitWorkflow } from '../helpers/engine-pages';
import { codeCell, notebookJson, rawRequest, signIn } from '../helpers/viewer';

let dir: string;

const glue = (name: string, data: unknown): Record<string, unknown> => ({
  output_type: 'display_data',
  metadata: { scrapbook: { name, data: true, display: false } },
  data: { 'application/scrapbook.scrap.json+json': { name, data, encoder: 'json', version: 1 } },
});

function run(parameters: Record<string, unknown>, scraps: Record<string, unknown>, failed = false): string {
  return JSON.stringify(
    notebookJson(
      [
        codeCell(
          'x',
          Object.entries(scraps).map(([k, v]) => glue(k, v)),
        ),
      ],
      {
        papermill: {
          parameters,
          start_time: '2026-05-01T10:00:00Z',
          end_time: '2026-05-01T10:00:04Z',
          duration: 4,
          exception: failed,
        },
      },
    ),
  );
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-view-cmd-'));
  mkdirSync(path.join(dir, 'runs', 'daily', 'a'), { recursive: true });
  mkdirSync(path.join(dir, 'runs', 'daily', 'b'), { recursive: true });
  writeFileSync(
    path.join(dir, 'runs', 'daily', 'a', 'attempt-0.ipynb'),
    run({ region: 'us' }, { total: 120 }),
  );
  writeFileSync(
    path.join(dir, 'runs', 'daily', 'b', 'attempt-0.ipynb'),
    run({ region: '=cmd()' }, { total: 7, note: 'a, "b"' }, true),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nbconductor view', () => {
  it('serves ROOT on 127.0.0.1 under --base-url until interrupted', async () => {
    const stdout = new Lines();
    const stderr = new Lines();
    const controller = new AbortController();
    const done = main(
      ['view', path.join(dir, 'runs'), '--port', '0', '--base-url', '/records'],
      { stdout, stderr, env: { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'warn' }, cwd: dir },
      { signal: controller.signal },
    );
    const m = await stdout.waitFor(/nbconductor viewer: (http:\/\/127\.0\.0\.1:\d+)\/records\/ /);
    const url = m[1] as string;
    // its own login link, under the base URL, landing on the root folder
    const link = (await stdout.waitFor(/^browser login link \(works once\): (\S+)$/m))[1] as string;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/records\/login\?code=nbc\.\S+&next=%2Frecords%2F$/);
    expect((await fetch(`${url}/records/view/daily/`)).status).toBe(401);
    const headers = { cookie: await signIn(link) };
    const folder = await fetch(`${url}/records/view/daily/`, { headers });
    expect(folder.status).toBe(200);
    const html = await folder.text();
    expect(html).toContain('href="/records/view/daily/a/"');
    expect(html).toContain('href="/records/static/viewer.css"');
    expect((await fetch(`${url}/view/daily/`, { headers })).status).toBe(404); // everything lives under the base URL
    expect((await fetch(`${url}/login?code=x`)).status).toBe(404);
    const model = (await (
      await fetch(`${url}/records/api/contents/daily/a/attempt-0.ipynb?content=0`, { headers })
    ).json()) as Record<string, unknown>;
    expect(model).toMatchObject({ type: 'notebook', writable: false });
    expect((await fetch(`${url}/records/runs`, { headers })).status).toBe(404); // no --conductor-url: no run pages
    controller.abort();
    expect(await done).toBe(0);
    await expect(fetch(`${url}/records/view/`)).rejects.toThrow();
  });

  it('says clearly when ROOT is not a folder', async () => {
    const r = await runCli(['view', path.join(dir, 'nope'), '--port', '0'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/viewer root .*nope is not a readable directory/);
  });
});

describe('the pages on the engine (nbconductor server)', () => {
  it('serves the viewer at / and the Conductor API under /api on one port', async () => {
    const { logger, lines } = captureLogger('info');
    const controller = new AbortController();
    const config = compileConfig({ env: { NBCONDUCTOR_OUTPUT_ROOT: path.join(dir, 'runs') }, cwd: dir });
    const running = runServerCommand({
      host: '127.0.0.1',
      port: 0,
      dataDir: '',
      memory: true,
      security: { auth: { mode: 'none' } },
      logger,
      print: () => undefined,
      signal: controller.signal,
      pages: { config, cwd: dir },
    });
    let url: string | undefined;
    while (url === undefined) {
      url = lines.find((l) => typeof l.url === 'string')?.url as string | undefined;
      if (url === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    try {
      // --auth none: the pages are open to anyone who reaches the port, and the log says so
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 40, msg: expect.stringContaining('viewer: authentication is OFF') }),
      );
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect(await (await fetch(`${url}/view/daily/a/`)).text()).toContain('attempt-0.ipynb');
      expect(
        (await (await fetch(`${url}/api/contents/daily`)).json()) as Record<string, unknown>,
      ).toMatchObject({ type: 'directory' });
      // the engine's API is untouched, and the run pages read it
      const id = await startWaitWorkflow(url, null);
      expect(await (await fetch(`${url}/runs`)).text()).toContain(`href="/runs/${id}"`);
      expect(await (await fetch(`${url}/runs/${id}`)).text()).toContain('data-ref="w"');
      expect((await fetch(`${url}/no/such/thing`)).status).toBe(404);
      // read-only, and only for its own pages
      expect((await rawRequest(url, 'DELETE', '/api/contents/daily/a/attempt-0.ipynb')).status).toBe(405);
      expect((await rawRequest(url, 'GET', '/view/', { host: 'attacker.example' })).status).toBe(403);
    } finally {
      controller.abort();
      await running;
    }
  });

  it('run pages work against any Conductor API (view --conductor-url), with the key given by flags', async () => {
    const engine = await startTestEngine({ memory: true });
    const stdout = new Lines();
    const controller = new AbortController();
    const { keyId, keySecret } = engine.credentials as { keyId: string; keySecret: string };
    const done = main(
      [
        'view',
        path.join(dir, 'runs'),
        '--port',
        '0',
        '--conductor-url',
        engine.url,
        '--key-id',
        keyId,
        '--key-secret',
        keySecret,
      ],
      { stdout, stderr: new Lines(), env: { ...process.env, NBCONDUCTOR_LOG_LEVEL: 'warn' }, cwd: dir },
      { signal: controller.signal },
    );
    try {
      const url = (await stdout.waitFor(/nbconductor viewer: (http:\/\/[^ ]+)\/ /))[1] as string;
      expect(stdout.text).toContain(`Conductor at ${engine.url}`);
      const link = (await stdout.waitFor(/^browser login link \(works once\): (\S+)$/m))[1] as string;
      const page = await (await fetch(`${url}/runs`, { headers: { cookie: await signIn(link) } })).text();
      expect(page).toContain('0 runs');
    } finally {
      controller.abort();
      await done;
      await engine.stop();
    }
  });
});

describe('nbconductor summarize', () => {
  it('prints one row per output notebook as a table, CSV or JSON', async () => {
    const table = await runCli(['summarize', 'runs/daily'], { cwd: dir });
    expect(table.code).toBe(0);
    const [head, a, b] = table.stdout.trimEnd().split('\n');
    expect(head).toMatch(
      /^notebook\s+status\s+duration\s+start_time\s+end_time\s+parameters\.region\s+scraps\.total\s+scraps\.note$/,
    );
    expect(a).toMatch(
      /^a\/attempt-0\.ipynb\s+completed\s+4\s+2026-05-01T10:00:00Z\s+2026-05-01T10:00:04Z\s+us\s+120$/,
    );
    expect(b).toMatch(/^b\/attempt-0\.ipynb\s+failed/);

    const csv = await runCli(['summarize', 'runs/daily', '--format', 'csv'], { cwd: dir });
    const rows = csv.stdout.split('\r\n');
    expect(rows[0]).toBe(
      'notebook,status,duration,start_time,end_time,parameters.region,scraps.total,scraps.note',
    );
    expect(rows[2]).toBe(
      `${path.join(dir, 'runs', 'daily', 'b', 'attempt-0.ipynb')},failed,4,2026-05-01T10:00:00Z,2026-05-01T10:00:04Z,'=cmd(),7,"a, ""b"""`,
    );

    const json = JSON.parse(
      (await runCli(['summarize', 'runs/daily', '--format', 'json'], { cwd: dir })).stdout,
    ) as Record<string, unknown>[];
    expect(json).toHaveLength(2);
    expect(json[0]).toMatchObject({
      status: 'completed',
      parameters: { region: 'us' },
      scraps: { total: 120 },
      duration: 4,
    });
  });

  it('refuses an unknown format', async () => {
    const r = await runCli(['summarize', 'runs', '--format', 'xml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--format must be one of table, csv, json');
  });
});

describe('run pages through a Conductor that wants credentials', () => {
  // A stand-in for an authenticating Conductor (Orkes' key/secret → token exchange), in front of the real
  // embedded engine: the engine's own token auth is built elsewhere, and no Orkes server runs here.
  it('exchange the key id and secret for a token and send it with every API call', async () => {
    const engine = await startTestEngine({ memory: true, auth: 'none' }); // the gate does the checking
    const seen: string[] = [];
    const gate = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/api/token') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const { keyId, keySecret } = JSON.parse(body) as Record<string, string>;
          const ok = keyId === 'id' && keySecret === 'secret';
          res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
          res.end(JSON.stringify(ok ? { token: 'T0K3N' } : { message: 'bad key' }));
        });
        return;
      }
      seen.push(`${req.url} ${String(req.headers['x-authorization'])}`);
      if (req.headers['x-authorization'] !== 'T0K3N') {
        res.writeHead(401).end();
        return;
      }
      void fetch(`${engine.url}${req.url}`).then(async (r) => {
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(await r.text());
      });
    });
    await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
    const gateUrl = `http://127.0.0.1:${(gate.address() as { port: number }).port}`;
    const stdout = new Lines();
    const controller = new AbortController();
    const env = {
      ...process.env,
      NBCONDUCTOR_LOG_LEVEL: 'warn',
      CONDUCTOR_AUTH_KEY: 'id',
      CONDUCTOR_AUTH_SECRET: 'secret',
    };
    const done = main(
      ['view', path.join(dir, 'runs'), '--port', '0', '--conductor-url', gateUrl],
      { stdout, stderr: new Lines(), env, cwd: dir },
      { signal: controller.signal },
    );
    try {
      const url = (await stdout.waitFor(/nbconductor viewer: (http:\/\/[^ ]+)\/ /))[1] as string;
      const link = (await stdout.waitFor(/^browser login link \(works once\): (\S+)$/m))[1] as string;
      const page = await fetch(`${url}/runs`, { headers: { cookie: await signIn(link) } });
      expect(page.status).toBe(200);
      expect(seen).toEqual([expect.stringMatching(/^\/api\/workflow\/search\?.* T0K3N$/)]);
    } finally {
      controller.abort();
      await done;
      gate.closeAllConnections();
      await new Promise((r) => gate.close(r));
      await engine.stop();
    }
  });
});
