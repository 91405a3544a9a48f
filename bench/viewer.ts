/**
 * The viewer: server render time and first paint in Chromium for a ~20 MB notebook with 2,000 outputs
 * (goal: under 500 ms on the server), and listing a 10,000-key S3 folder (moto's server; goal: under 2 s).
 *
 *   npm run bench -- viewer [--runs 3] [--keys 10000] [--cells 500]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';

import { compileConfig } from '../src/config';
import { silentLogger } from '../src/log';
import { parseNotebookJson } from '../src/notebook/io';
import { createStorage, type Storage } from '../src/storage';
import {
  createViewer,
  createViewerSecurity,
  renderNotebookBytes,
  securityGuard,
  startViewServer,
  type RunningViewServer,
} from '../src/viewer';
import { CHROMIUM, launchBrowser } from '../test/helpers/chromium';
import { startMoto } from '../test/helpers/s3-server';
import { signIn } from '../test/helpers/viewer';
import { median, printTable } from './table';

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A valid w×h RGB PNG of noise (so it neither compresses away nor fails to decode). */
function noisePng(w: number, h: number): Buffer {
  const raw = randomBytes((w * 3 + 1) * h);
  for (let row = 0; row < h; row++) raw[row * (w * 3 + 1)] = 0; // filter type: none
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** `cells` code cells with 4 outputs each: an ANSI stream, a PNG, a pandas-like HTML table, a text result. */
export function bigNotebook(cells: number): string {
  const table = (i: number): string =>
    `<table class="dataframe"><thead><tr><th></th><th>a</th><th>b</th></tr></thead><tbody>${Array.from(
      { length: 60 },
      (_, r) => `<tr><th>${r}</th><td>${i * r}</td><td>${(i + r) / 7}</td></tr>`,
    ).join('')}</tbody></table>`;
  const out = Array.from({ length: cells }, (_, i) => ({
    cell_type: 'code',
    id: `c${i}`,
    execution_count: i + 1,
    metadata: { papermill: { duration: 0.1, status: 'completed', exception: false } },
    source: `# cell ${i}\nimport pandas as pd\nfor k in range(${i}):\n    print(f"\\x1b[32mrow\\x1b[0m {k}")\ndf = make_frame(${i})\ndf`,
    outputs: [
      {
        output_type: 'stream',
        name: 'stdout',
        text: Array.from({ length: 60 }, (_, k) => `\u001b[32mrow\u001b[0m ${k} of cell ${i}\n`).join(''),
      },
      {
        output_type: 'display_data',
        metadata: {},
        data: { 'image/png': noisePng(96, 96).toString('base64'), 'text/plain': '<Figure>' },
      },
      { output_type: 'display_data', metadata: {}, data: { 'text/html': table(i), 'text/plain': 'df' } },
      {
        output_type: 'execute_result',
        execution_count: i + 1,
        metadata: {},
        data: { 'text/plain': `result ${i}: ${'x'.repeat(400)}` },
      },
    ],
  }));
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python' },
      papermill: {
        start_time: '2026-01-01T00:00:00Z',
        end_time: '2026-01-01T00:10:00Z',
        duration: 600,
        exception: false,
        parameters: { n: 1 },
      },
    },
    cells: [
      { cell_type: 'markdown', id: 'm', metadata: {}, source: '# Big\n\nMath $e^{i\\pi}+1=0$.' },
      ...out,
    ],
  });
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [performance.now() - t0, v];
}

const ms = (n: number): string => `${Math.round(n)} ms`;

/**
 * A fresh viewer (nothing cached) over `root` on a free port, behind token auth as users run it, for the
 * time of `fn`; `cookie` is a signed-in session for fetch().
 */
async function withViewer<T>(
  root: string,
  storage: Storage,
  fn: (url: string, cookie: string, server: RunningViewServer) => Promise<T>,
): Promise<T> {
  const settings = { auth: 'token', host: '127.0.0.1', allowedHosts: [], allowedOrigins: [] } as const;
  const security = createViewerSecurity(settings);
  const viewer = await createViewer({
    root,
    storage,
    guard: securityGuard(security),
    logger: silentLogger(),
  });
  const server = await startViewServer({ viewer, security, host: '127.0.0.1', port: 0 });
  try {
    return await fn(server.url, await signIn(server.loginLink() as string), server);
  } finally {
    await server.stop();
  }
}

async function renderBench(runs: number, cells: number, rows: string[][]): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nbc-bench-viewer-'));
  const logger = silentLogger();
  const storage = createStorage({ cwd: dir, s3: compileConfig({ env: {} }).s3, logger });
  try {
    const text = bigNotebook(cells);
    writeFileSync(path.join(dir, 'big.ipynb'), text);
    const size = `${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MB, ${cells * 4} outputs`;

    const inProcess: number[] = [];
    let htmlBytes = 0;
    for (let i = 0; i < runs; i++) {
      const [t, html] = await timed(async () =>
        renderNotebookBytes(parseNotebookJson(text, 'big'), { title: 'big' }),
      );
      inProcess.push(t);
      htmlBytes = html.length;
    }
    rows.push([
      `parse + render in process (${size})`,
      ms(median(inProcess)),
      '< 500 ms',
      `${(htmlBytes / 1024 / 1024).toFixed(1)} MB of HTML`,
    ]);

    // Until the response headers arrive the server is reading, parsing and rendering (it sends the page in
    // one piece once rendered); the rest is moving ~22 MB of HTML over loopback.
    const get = async (url: string, cookie: string): Promise<[number, number]> => {
      const t0 = performance.now();
      const res = await fetch(url, { headers: { cookie } });
      const firstByte = performance.now() - t0;
      await res.arrayBuffer();
      return [firstByte, performance.now() - t0];
    };
    const cold: number[] = [];
    const coldTotal: number[] = [];
    const warm: number[] = [];
    const page: number[] = [];
    for (let i = 0; i < runs; i++) {
      await withViewer(dir, storage, async (url, cookie) => {
        const [c, total] = await get(`${url}/render/big.ipynb`, cookie);
        cold.push(c);
        coldTotal.push(total);
        warm.push((await get(`${url}/render/big.ipynb`, cookie))[0]);
        page.push((await get(`${url}/view/big.ipynb`, cookie))[1]);
      });
    }
    rows.push([
      'GET /render/big.ipynb cold: server time (read, parse, render)',
      ms(median(cold)),
      '< 500 ms',
      'to the first byte',
    ]);
    rows.push(['GET /render/big.ipynb cold, with the transfer', ms(median(coldTotal)), '', '']);
    rows.push([
      'GET /render/big.ipynb cached: server time',
      ms(median(warm)),
      '',
      'keyed by (ETag, renderer version)',
    ]);
    rows.push(['GET /view/big.ipynb (the page around it)', ms(median(page)), '', '']);

    if (!CHROMIUM) {
      rows.push(['first paint in Chromium', 'skipped', '', 'no Chromium installed']);
      return;
    }
    const browser = await launchBrowser();
    try {
      const paints: number[] = [];
      const loads: number[] = [];
      await withViewer(dir, storage, async (_url, _cookie, server) => {
        for (let i = 0; i < runs; i++) {
          const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
          // Signed in as a person is: the login link lands on the page.
          await p.goto(server.loginLink(`/view/big.ipynb?run=${i}`) as string);
          const frame = p.frame({ name: 'notebook' });
          await frame?.waitForLoadState('load', { timeout: 120_000 });
          const t = (await frame?.evaluate(() => {
            const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
            const nav = performance.getEntriesByType('navigation')[0] as
              PerformanceNavigationTiming | undefined;
            return [fcp, nav?.loadEventEnd ?? NaN];
          })) ?? [NaN, NaN];
          paints.push(t[0] as number);
          loads.push(t[1] as number);
          await p.close();
        }
      });
      rows.push([
        'first contentful paint of the notebook frame (Chromium)',
        ms(median(paints)),
        '',
        'from the frame request',
      ]);
      rows.push(['notebook frame fully loaded (Chromium)', ms(median(loads)), '', '']);
    } finally {
      await browser.close();
    }
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listingBench(runs: number, keys: number, rows: string[][]): Promise<void> {
  const s3 = await startMoto();
  const logger = silentLogger();
  const storage: Storage = createStorage({ cwd: os.tmpdir(), s3: s3.config(), logger });
  try {
    await s3.createBucket('bench');
    const names = Array.from({ length: keys }, (_, i) => `runs/big/run-${String(i).padStart(5, '0')}.txt`);
    for (let i = 0; i < names.length; i += 32) {
      await Promise.all(names.slice(i, i + 32).map((k) => storage.write(`s3://bench/${k}`, 'x')));
    }
    const api: number[] = [];
    const folder: number[] = [];
    let listed = 0;
    for (let i = 0; i < runs; i++) {
      await withViewer('s3://bench/runs', storage, async (url, cookie) => {
        const [t, body] = await timed(
          async () =>
            (await fetch(`${url}/api/contents/big`, { headers: { cookie } })).json() as Promise<{
              content: unknown[];
            }>,
        );
        api.push(t);
        listed = body.content.length;
        await new Promise((r) => setTimeout(r, 2100)); // past the short listing cache
        folder.push(
          (await timed(async () => (await fetch(`${url}/view/big/`, { headers: { cookie } })).text()))[0],
        );
      });
    }
    rows.push([
      `GET /api/contents of a ${keys.toLocaleString('en-US')}-key S3 folder (moto)`,
      ms(median(api)),
      '< 2 s',
      `${listed.toLocaleString('en-US')} entries`,
    ]);
    rows.push([
      `folder page of that folder (page 1 of ${Math.ceil(keys / 200)})`,
      ms(median(folder)),
      '< 2 s',
      '',
    ]);
  } finally {
    await storage.close();
    await s3.stop();
  }
}

export async function benchViewer(argv: string[]): Promise<void> {
  const runs = Number(arg(argv, '--runs', '3'));
  const keys = Number(arg(argv, '--keys', '10000'));
  const cells = Number(arg(argv, '--cells', '500'));
  const rows: string[][] = [];
  await renderBench(runs, cells, rows);
  await listingBench(runs, keys, rows);
  process.stdout.write(
    `\nviewer (median of ${runs}; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})\n\n`,
  );
  printTable(['what', 'time', 'goal', 'note'], rows);
}
