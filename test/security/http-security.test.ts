/**
 * The security module as another server (the viewer, a metrics endpoint) uses it: `guard(req, res,
 * access)` in front of a plain node:http handler, the login link for pages, tokens for the API, and the
 * Host/Origin/content-type rules in their corner cases.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  createHttpSecurity,
  generateCredentials,
  parseJsonBody,
  sendLoginResponse,
  type Access,
  type HttpSecurity,
  type RequestLike,
} from '../../src/security';
import { httpRequest } from '../helpers/http';

const policy = { allowedHosts: ['nb.internal', 'LAN-Box:9000'], allowedOrigins: ['http://localhost:5000'] };

function req(headers: Record<string, string>, method = 'GET'): RequestLike {
  return { method, headers };
}

describe('browser checks', () => {
  const security = createHttpSecurity({ ...policy, auth: { mode: 'none' } });
  const admit = (r: RequestLike): number | null => security.admit(r, 'open')?.status ?? null;

  it('accepts loopback and configured Host names only', () => {
    for (const host of [
      'localhost',
      'localhost:1',
      '127.0.0.1:8080',
      '[::1]:8080',
      '[::ffff:127.0.0.1]:80',
      'nb.internal:8080',
      'lan-box',
      'NB.INTERNAL',
    ])
      expect([host, admit(req({ host }))]).toEqual([host, null]);
    for (const host of [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      '10.0.0.1',
      'localhost.',
      'user@localhost',
      '',
    ])
      expect([host, admit(req({ host }))]).toEqual([host, 403]);
    expect(admit(req({}))).toBe(403);
  });

  it('accepts our own origin and configured ones; refuses others, null, and cross-site loads without one', () => {
    const host = '127.0.0.1:8080';
    expect(admit(req({ host, origin: 'http://127.0.0.1:8080' }, 'POST'))).toBeNull();
    expect(admit(req({ host, origin: 'http://localhost:5000' }, 'POST'))).toBeNull();
    for (const origin of [
      'http://localhost:8080',
      'https://127.0.0.1:8081',
      'http://127.0.0.1:8081',
      'null',
      'file://',
    ])
      expect([origin, admit(req({ host, origin }, 'POST'))]).toEqual([origin, 403]);
    expect(admit(req({ host, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }))).toBe(403);
    // a clicked link (top-level navigation) is no attack: pages need it
    expect(admit(req({ host, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }))).toBeNull();
    expect(admit(req({ host, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, 'POST'))).toBe(
      403,
    );
    // ...but another site framing us is a navigation too, and no link a person clicked
    const nav = { host, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' };
    expect(admit(req({ ...nav, 'sec-fetch-dest': 'document' }))).toBeNull();
    for (const dest of ['iframe', 'frame', 'embed', 'object'])
      expect([dest, admit(req({ ...nav, 'sec-fetch-dest': dest }))]).toEqual([dest, 403]);
  });

  it("'host' access checks the Host alone: public files a sandboxed document (Origin null) loads", () => {
    const secured = createHttpSecurity({
      ...policy,
      auth: { mode: 'token', credentials: generateCredentials() },
    });
    const font = { host: '127.0.0.1:8080', origin: 'null', 'sec-fetch-site': 'cross-site' };
    expect(secured.admit(req(font), 'host')).toBeNull();
    expect(secured.admit(req(font), 'page')?.status).toBe(403);
    expect(secured.admit(req({ ...font, host: 'evil.example' }), 'host')?.status).toBe(403);
  });

  it('takes JSON bodies only; a bare body only with an X-Authorization header (no page can add one)', () => {
    const host = 'localhost';
    const body = { 'content-length': '2' };
    expect(
      admit(req({ host, ...body, 'content-type': 'application/json; charset=utf-8' }, 'POST')),
    ).toBeNull();
    expect(admit(req({ host, ...body, 'content-type': 'Application/JSON' }, 'PUT'))).toBeNull();
    for (const type of [
      'text/plain',
      'application/json-patch+json',
      'text/json',
      'application/x-www-form-urlencoded',
    ])
      expect([type, admit(req({ host, ...body, 'content-type': type }, 'POST'))]).toEqual([type, 415]);
    expect(admit(req({ host, ...body }, 'POST'))).toBe(415);
    expect(admit(req({ host, 'transfer-encoding': 'chunked' }, 'POST'))).toBe(415);
    expect(admit(req({ host, ...body, 'x-authorization': 't' }, 'POST'))).toBeNull();
    expect(admit(req({ host, ...body, 'x-authorization': 't', 'content-type': 'text/plain' }, 'POST'))).toBe(
      415,
    );
    expect(admit(req({ host, 'content-length': '0' }, 'POST'))).toBeNull();
  });
});

describe('parseJsonBody', () => {
  it('refuses nesting past the limit before parsing; brackets inside strings do not count', () => {
    expect(parseJsonBody('[[[]]]', 3)).toEqual({ ok: true, value: [[[]]] });
    expect(parseJsonBody('[[[[]]]]', 3)).toMatchObject({ ok: false, rejection: { status: 400 } });
    expect(parseJsonBody(`{"s":"${'['.repeat(50)}\\"["}`, 3)).toMatchObject({ ok: true });
    expect(parseJsonBody('{"a":', 3)).toMatchObject({
      ok: false,
      rejection: { status: 400, message: expect.stringContaining('Malformed JSON') },
    });
  });
});

describe('guard() in front of a plain node:http server', () => {
  let server: http.Server;
  let url: string;
  let security: HttpSecurity;
  const credentials = generateCredentials();

  beforeAll(async () => {
    security = createHttpSecurity({
      allowedHosts: [],
      allowedOrigins: [],
      auth: { mode: 'token', credentials },
    });
    server = http.createServer((rq, rs) => {
      const u = new URL(rq.url ?? '/', 'http://x');
      const access: Access = u.pathname.startsWith('/api/')
        ? 'api'
        : u.pathname === '/login'
          ? 'open'
          : 'page';
      if (!security.guard(rq, rs, access)) return;
      if (u.pathname === '/login') {
        sendLoginResponse(rs, security.redeemLogin(rq, u.searchParams));
        return;
      }
      rs.end(`ok ${u.pathname}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('makes login links for the path a server answers them at (a viewer under a base URL)', () => {
    const under = createHttpSecurity({
      allowedHosts: [],
      allowedOrigins: [],
      auth: { mode: 'token', credentials },
      loginPath: '/records/login',
    });
    expect(under.loginLink('http://127.0.0.1:8888', '/records/')).toMatch(
      /^http:\/\/127\.0\.0\.1:8888\/records\/login\?code=nbc\.\S+&next=%2Frecords%2F$/,
    );
  });

  it('opens pages to the login cookie and the API to tokens, never one for the other', async () => {
    const page = await httpRequest(url, { path: '/runs/' });
    expect(page.status).toBe(401);
    expect(page.json).toMatchObject({ status: 401, message: expect.stringContaining('login link') });
    const login = await httpRequest(url, { path: security.loginLink(url, '/runs/') as string });
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    expect((await httpRequest(url, { path: '/runs/', headers: { cookie } })).text).toBe('ok /runs/');
    // a cookie of another port's server is not ours
    const foreign = cookie.replace(/^nbconductor-session-\d+/, 'nbconductor-session-1');
    expect((await httpRequest(url, { path: '/runs/', headers: { cookie: foreign } })).status).toBe(401);
    expect((await httpRequest(url, { path: '/api/x', headers: { cookie } })).status).toBe(401);

    const issued = security.issueToken(credentials) as { token: string };
    const api = await httpRequest(url, { path: '/api/x', headers: { 'x-authorization': issued.token } });
    expect(api.text).toBe('ok /api/x');
    expect(
      (await httpRequest(url, { path: '/runs/', headers: { 'x-authorization': issued.token } })).status,
    ).toBe(401);
    // and the browser checks come first, whatever the credentials
    const rebound = await httpRequest(url, {
      path: '/runs/',
      headers: { cookie, host: 'evil.example' },
    });
    expect(rebound.status).toBe(403);
  });
});
