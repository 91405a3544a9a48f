/**
 * Every route the engine serves under /api, enumerated from its Router (so a route added later is covered
 * without touching this file), refuses: no token (401), the browser login cookie instead of a token (401:
 * the cookie opens pages only), a foreign Host or a foreign Origin even with a valid token (403), and a
 * text/plain body on POST/PUT (415). `/health` stays open.
 */
import type { RouteInfo } from '../../src/engine';
import { httpRequest, type HttpAnswer } from '../helpers/http';
import { startTestEngine, type TestEngine } from '../helpers/engine';

let engine: TestEngine;
let host: string;
let token: string;
let cookie: string;

beforeAll(async () => {
  engine = await startTestEngine({ memory: true });
  host = new URL(engine.url).host;
  const res = await fetch(`${engine.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(engine.credentials),
  });
  token = ((await res.json()) as { token: string }).token;
  const login = await httpRequest(engine.url, { path: engine.loginLink('/') as string });
  cookie = String(login.headers['set-cookie']).split(';')[0] as string;
  expect(cookie).toMatch(/^nbconductor-session-\d+=/);
});

afterAll(async () => {
  await engine?.stop();
});

/** A path that this route (and no other) answers: each `{param}` becomes a plain value. */
function concrete(route: RouteInfo): string {
  return route.pattern.replace(/\{[^}]+\}/g, 'x1');
}

function apiRoutes(): RouteInfo[] {
  return engine.routes.filter((r) => r.pattern.startsWith('/api/'));
}

type Attempt = { name: string; headers: Record<string, string>; body?: string; expected: number };

function attempts(route: RouteInfo): Attempt[] {
  const list: Attempt[] = [];
  if (route.access !== 'open') {
    list.push({ name: 'no token', headers: { host }, expected: 401 });
    list.push({ name: 'login cookie instead of a token', headers: { host, cookie }, expected: 401 });
  }
  const auth = { 'x-authorization': token };
  list.push({
    name: 'foreign Host',
    headers: { ...auth, host: `evil.example:${new URL(engine.url).port}` },
    expected: 403,
  });
  list.push({
    name: 'foreign Origin',
    headers: { ...auth, host, origin: 'https://evil.example' },
    expected: 403,
  });
  if (route.method === 'POST' || route.method === 'PUT') {
    list.push({
      name: 'text/plain body',
      headers: { ...auth, host, 'content-type': 'text/plain;charset=UTF-8' },
      body: '{}',
      expected: 415,
    });
  }
  return list;
}

it('enumerates the API from the Router, new families included', () => {
  const patterns = apiRoutes().map((r) => `${r.method} ${r.pattern}`);
  expect(patterns.length).toBeGreaterThan(60);
  for (const family of [
    /^GET \/api\/scheduler\/schedules$/,
    /^PUT \/api\/scheduler\/bulk\//,
    /^GET \/api\/event\/message\//,
    /^POST \/api\/workflow\/bulk\//,
    /^GET \/api\/workflow\/search$/,
    /^GET \/api\/tasks\/search$/,
    /^POST \/api\/token$/,
  ])
    expect({ family: String(family), found: patterns.some((p) => family.test(p)) }).toEqual({
      family: String(family),
      found: true,
    });
  // Only the token exchange is open under /api (the login link and /health are outside it).
  expect(apiRoutes().filter((r) => r.access !== 'api')).toEqual([
    { method: 'POST', pattern: '/api/token', access: 'open', body: 'json' },
  ]);
});

it('every /api route refuses missing tokens, cookies, foreign Hosts and Origins, and text/plain bodies', async () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const route of apiRoutes()) {
    const path = concrete(route);
    for (const a of attempts(route)) {
      const r: HttpAnswer = await httpRequest(engine.url, {
        method: route.method,
        path,
        headers: a.headers,
        body: a.body,
      });
      checked += 1;
      if (r.status !== a.expected || r.headers['access-control-allow-origin'] !== undefined)
        wrong.push(`${route.method} ${path} with ${a.name}: ${r.status}, expected ${a.expected}`);
    }
  }
  expect(wrong).toEqual([]);
  expect(checked).toBeGreaterThan(250);
});

it('keeps /health open, and the token works where the cookie did not', async () => {
  const health = await httpRequest(engine.url, { path: '/health', headers: { host } });
  expect(health.status).toBe(200);
  expect(health.json).toMatchObject({ healthy: true });
  const api = await httpRequest(engine.url, {
    path: '/api/metadata/workflow',
    headers: { host, 'x-authorization': token },
  });
  expect(api.status).toBe(200);
});
