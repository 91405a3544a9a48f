/**
 * The read-only contents API and /files over a local directory: Jupyter Server's contents model, complete
 * listings, no way to write, no way out of the root (encodings, symlinks, hidden files), and the standalone
 * server's Host/Origin checks.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { notebookJson, codeCell, rawRequest, startTestViewer, type TestViewer } from '../helpers/viewer';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8AARAwQCgQAAP//Ax4B/6DtBw0AAAAASUVORK5CYII=',
  'base64',
);
const SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT';

let tmp: string;
let root: string;
let v: TestViewer;

function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory() && !name.startsWith('link')) walk(p);
      else if (st) lines.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return lines.join('\n');
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'nbc-viewer-'));
  root = path.join(tmp, 'root');
  const outside = path.join(tmp, 'outside');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  mkdirSync(path.join(root, 'big'));
  mkdirSync(path.join(root, '.engine'));
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  writeFileSync(path.join(root, '.engine', 'engine.db'), SECRET);
  writeFileSync(path.join(root, '.hidden'), SECRET);
  const nb = notebookJson([
    codeCell(['x = 1\n', 'print(x)'] as unknown as string, [
      { output_type: 'stream', name: 'stdout', text: ['1\n'] },
    ]),
  ]);
  writeFileSync(path.join(root, 'a.ipynb'), JSON.stringify(nb));
  writeFileSync(path.join(root, 'sub', 'b.txt'), 'hello\n');
  writeFileSync(path.join(root, 'img.png'), PNG);
  writeFileSync(path.join(root, 'page.html'), '<script>alert(1)</script>');
  for (let i = 0; i < 2500; i++)
    writeFileSync(path.join(root, 'big', `k${String(i).padStart(4, '0')}.txt`), String(i));
  symlinkSync(outside, path.join(root, 'link-out'));
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-file-out'));
  symlinkSync(path.join(root, 'sub'), path.join(root, 'link-in'));
  v = await startTestViewer({ root });
});

afterAll(async () => {
  await v?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function getJson(p: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await rawRequest(v.url, 'GET', p);
  return { status: r.status, body: JSON.parse(r.body) as Record<string, unknown> };
}

const MODEL_KEYS = [
  'content',
  'created',
  'format',
  'hash',
  'hash_algorithm',
  'last_modified',
  'mimetype',
  'name',
  'path',
  'size',
  'type',
  'writable',
];

describe("Jupyter Server's contents model", () => {
  it('lists a directory: content-less children, no hidden files, no links leaving the root, writable false', async () => {
    const { status, body } = await getJson('/api/contents/');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(MODEL_KEYS);
    expect(body).toMatchObject({
      name: '',
      path: '',
      type: 'directory',
      format: 'json',
      mimetype: null,
      size: null,
      writable: false,
    });
    const children = body.content as Record<string, unknown>[];
    expect(children.map((c) => c.name)).toEqual(['a.ipynb', 'big', 'img.png', 'link-in', 'page.html', 'sub']);
    const byName = Object.fromEntries(children.map((c) => [c.name, c]));
    expect(byName['a.ipynb']).toMatchObject({
      type: 'notebook',
      path: 'a.ipynb',
      content: null,
      format: null,
      writable: false,
    });
    expect(byName['img.png']).toMatchObject({ type: 'file', mimetype: 'image/png', size: PNG.length });
    expect(byName.sub).toMatchObject({ type: 'directory', size: null });
    for (const c of children) {
      expect(Object.keys(c).sort()).toEqual(MODEL_KEYS);
      expect(Date.parse(c.last_modified as string)).toBeGreaterThan(0);
      expect(Date.parse(c.created as string)).toBeGreaterThan(0);
    }
  });

  it('lists a folder of 2,500 files completely', async () => {
    const { body } = await getJson('/api/contents/big');
    const names = (body.content as { name: string }[]).map((c) => c.name);
    expect(names).toHaveLength(2500);
    expect(names[0]).toBe('k0000.txt');
    expect(names[2499]).toBe('k2499.txt');
  });

  it('returns a notebook as JSON with multi-line fields joined, as Jupyter does; ?content=0 leaves it out', async () => {
    const { body } = await getJson('/api/contents/a.ipynb');
    expect(body).toMatchObject({
      type: 'notebook',
      format: 'json',
      mimetype: null,
      writable: false,
      size: statSync(path.join(root, 'a.ipynb')).size,
    });
    const cell = (body.content as { cells: Record<string, unknown>[] }).cells[0];
    expect(cell?.source).toBe('x = 1\nprint(x)');
    expect((cell?.outputs as { text: string }[])[0]?.text).toBe('1\n');
    const bare = await getJson('/api/contents/a.ipynb?content=0');
    expect(bare.body).toMatchObject({ type: 'notebook', content: null, format: null });
  });

  it('returns text files as text and binary files as base64, with hashes on request', async () => {
    expect((await getJson('/api/contents/sub/b.txt')).body).toMatchObject({
      type: 'file',
      format: 'text',
      mimetype: 'text/plain',
      content: 'hello\n',
    });
    const png = (await getJson('/api/contents/img.png?hash=1')).body;
    expect(png).toMatchObject({
      format: 'base64',
      mimetype: 'image/png',
      content: PNG.toString('base64'),
      hash_algorithm: 'sha256',
    });
    expect(png.hash).toBe(createHash('sha256').update(PNG).digest('hex'));
    expect((await getJson('/api/contents/sub/b.txt?format=base64')).body.content).toBe(
      Buffer.from('hello\n').toString('base64'),
    );
    expect((await getJson('/api/contents/a.ipynb?type=file')).body).toMatchObject({
      type: 'file',
      format: 'text',
    });
  });

  it('answers bad requests the way Jupyter does', async () => {
    expect(await getJson('/api/contents/img.png?format=text')).toMatchObject({
      status: 400,
      body: { reason: 'bad format' },
    });
    expect(await getJson('/api/contents/sub/b.txt?type=directory')).toMatchObject({
      status: 400,
      body: { reason: 'bad type' },
    });
    expect(await getJson('/api/contents/sub?type=notebook')).toMatchObject({
      status: 400,
      body: { message: 'sub is a directory, not a notebook' },
    });
    expect((await getJson('/api/contents/a.ipynb?format=zip')).status).toBe(400);
    expect((await getJson('/api/contents/a.ipynb?content=2')).status).toBe(400);
    expect(await getJson('/api/contents/nope.ipynb')).toMatchObject({
      status: 404,
      body: { message: "file or directory 'nope.ipynb' does not exist" },
    });
  });

  it('follows links that stay inside the root', async () => {
    expect((await getJson('/api/contents/link-in/b.txt')).body).toMatchObject({ content: 'hello\n' });
  });
});

describe('/files', () => {
  it('serves raw bytes with the right type, sandboxed, and as an attachment on ?download=1', async () => {
    const r = await fetch(`${v.url}/files/img.png`);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await r.arrayBuffer())).toEqual(PNG);
    const html = await fetch(`${v.url}/files/page.html`);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox; default-src 'none'/);
    const dl = await fetch(`${v.url}/files/a.ipynb?download=1`);
    expect(dl.headers.get('content-type')).toBe('application/x-ipynb+json');
    expect(dl.headers.get('content-disposition')).toBe(
      `attachment; filename="a.ipynb"; filename*=UTF-8''a.ipynb`,
    );
    const again = await fetch(`${v.url}/files/img.png`, {
      headers: { 'if-none-match': r.headers.get('etag') ?? '' },
    });
    expect(again.status).toBe(304);
  });
});

describe('read-only', () => {
  const METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'MKCOL', 'COPY', 'MOVE', 'LOCK'];
  const PATHS = [
    '/api/contents/a.ipynb',
    '/api/contents/new.ipynb',
    '/api/contents/sub',
    '/api/contents',
    '/files/a.ipynb',
    '/view/a.ipynb',
    '/render/a.ipynb',
    '/summary/',
    '/static/viewer.css',
  ];

  it('refuses every other method with 405 and changes nothing on disk', async () => {
    const before = snapshot(root);
    const body = JSON.stringify({ type: 'notebook', content: { cells: [] }, format: 'json' });
    for (const method of METHODS) {
      for (const p of PATHS) {
        const r = await rawRequest(
          v.url,
          method,
          p,
          { 'content-type': 'application/json', destination: '/api/contents/copy.ipynb' },
          body,
        );
        expect([method, p, r.status, r.headers.allow]).toEqual([method, p, 405, 'GET, HEAD']);
      }
    }
    expect(snapshot(root)).toBe(before);
    expect(readFileSync(path.join(root, 'sub', 'b.txt'), 'utf8')).toBe('hello\n');
  });
});

describe('paths stay inside the root', () => {
  const ATTACKS = [
    '/api/contents/../outside/secret.txt',
    '/api/contents/%2e%2e/outside/secret.txt',
    '/api/contents/%2E%2E%2Foutside%2Fsecret.txt',
    '/api/contents/sub/..%2F..%2Foutside/secret.txt',
    '/api/contents/sub/../../outside/secret.txt',
    '/api/contents/./a.ipynb',
    '/api/contents//etc/passwd',
    '/api/contents/%2Fetc%2Fpasswd',
    '/api/contents/a.ipynb%00.txt',
    '/api/contents/link-out',
    '/api/contents/link-out/secret.txt',
    '/api/contents/link-file-out',
    '/api/contents/.engine',
    '/api/contents/.engine/engine.db',
    '/api/contents/.hidden',
    '/files/..%5c..%5coutside%5csecret.txt',
    '/files/%2e%2e%2f%2e%2e%2foutside/secret.txt',
    '/files/%252e%252e/outside/secret.txt',
    '/files/link-out/secret.txt',
    '/files/link-file-out',
    '/files/.engine/engine.db',
    '/files/.hidden',
    '/files/sub%00/b.txt',
    '/view/%2e%2e/',
    '/view/link-out/',
    '/render/../outside/x.ipynb',
    '/render/%2e%2e%2foutside%2fx.ipynb',
    '/summary/..%2f',
    '/summary/link-out/',
  ];

  it.each(ATTACKS)('%s is refused', async (attack) => {
    const r = await rawRequest(v.url, 'GET', attack);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toContain(SECRET);
  });
});

describe('the standalone server answers only to its own pages', () => {
  it('refuses a foreign Host (DNS rebinding), a foreign Origin and cross-site requests', async () => {
    expect((await rawRequest(v.url, 'GET', '/api/contents/', { host: 'evil.example' })).status).toBe(403);
    expect((await rawRequest(v.url, 'GET', '/files/a.ipynb', { origin: 'http://evil.example' })).status).toBe(
      403,
    );
    expect((await rawRequest(v.url, 'GET', '/view/', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const embedded = {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'iframe',
    };
    expect((await rawRequest(v.url, 'GET', '/render/a.ipynb', embedded)).status).toBe(403);
    expect(
      (
        await rawRequest(v.url, 'GET', '/files/a.ipynb', {
          'sec-fetch-site': 'cross-site',
          'sec-fetch-mode': 'no-cors',
        })
      ).status,
    ).toBe(403);
    expect((await rawRequest(v.url, 'GET', '/render/a.ipynb', { origin: 'null' })).status).toBe(403);
    expect((await rawRequest(v.url, 'GET', '/api/contents/', { host: 'localhost:1' })).status).toBe(200);
    // a link to a notebook shared elsewhere opens (the linking site reads nothing)
    const shared = {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    };
    expect((await rawRequest(v.url, 'GET', '/view/a.ipynb', shared)).status).toBe(200);
  });

  it('serves static fonts to the sandboxed document (opaque origin) with CORS, and nothing else that way', async () => {
    const font = await rawRequest(v.url, 'GET', '/static/katex/fonts/KaTeX_Main-Regular.woff2', {
      origin: 'null',
      'sec-fetch-site': 'cross-site',
    });
    expect(font.status).toBe(200);
    expect(font.headers['access-control-allow-origin']).toBe('*');
    expect(font.headers['content-type']).toBe('font/woff2');
    const api = await rawRequest(v.url, 'GET', '/api/contents/', {
      origin: 'null',
      'sec-fetch-site': 'cross-site',
    });
    expect(api.status).toBe(403);
    expect(api.headers['access-control-allow-origin']).toBeUndefined();
    expect((await rawRequest(v.url, 'GET', '/static/katex/fonts/../../../package.json')).status).toBe(404);
  });
});
