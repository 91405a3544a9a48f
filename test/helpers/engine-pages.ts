/**
 * `nbconductor server` with the viewer's pages, as the CLI runs it (runServerCommand): the engine on a
 * random 127.0.0.1 port over a fresh data directory (its credentials.json is made there), the viewer at `/`
 * over `root`. Gives the URL, the login link it printed and its log; `stop()` ends it and removes the data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type pino from 'pino';

import { runServerCommand } from '../../src/cli/server-command';
import { compileConfig } from '../../src/config';
import { createHttpSecurity, readCredentials, type Credentials } from '../../src/security';
import { authenticate, raw } from '../engine/support';
import { captureLogger, type CapturedLine } from './logger';

export interface EnginePages {
  url: string;
  /** The login link `server` printed (null with auth 'none'). */
  printedLink: string | null;
  /** The engine's key (null with auth 'none'). */
  credentials: Credentials | null;
  /**
   * Another one-time login link, made as any holder of the key can make one (links are signed, not
   * stored); the printed one is good once only.
   */
  loginLink(next?: string): string;
  lines: CapturedLine[];
  /** The first log line (logged already or to come) that `match` accepts. */
  waitForLog(match: (line: CapturedLine) => boolean): Promise<CapturedLine>;
  stop(): Promise<void>;
}

export async function startEnginePages(o: {
  root: string;
  auth: 'token' | 'none';
  logLevel?: pino.LevelWithSilent;
}): Promise<EnginePages> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'nbc-engine-pages-'));
  const printed: string[] = [];
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (listening = resolve));
  const waiters: { match: (l: CapturedLine) => boolean; resolve: (l: CapturedLine) => void }[] = [];
  const { logger, lines } = captureLogger(o.logLevel ?? 'info', (l) => {
    if (typeof l.url === 'string' && l.msg?.startsWith('nbconductor engine listening')) listening(l.url);
    for (const w of waiters.filter((x) => x.match(l))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  const controller = new AbortController();
  const running = runServerCommand({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    memory: true,
    security: { auth: { mode: o.auth }, allowedHosts: [], allowedOrigins: [] },
    logger,
    print: (line) => printed.push(line),
    signal: controller.signal,
    pages: { config: compileConfig({ env: { NBCONDUCTOR_OUTPUT_ROOT: o.root }, cwd: o.root }), cwd: o.root },
  });
  const stop = async (): Promise<void> => {
    controller.abort();
    await running;
    rmSync(dataDir, { recursive: true, force: true });
  };
  const ended = running.then(() => {
    throw new Error('the server ended before it listened');
  });
  // The link is printed right after the URL is logged, before the command awaits anything.
  const started = await Promise.race([url, ended]).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  const link = printed.map((l) => /^browser login link \(works once\): (\S+)$/.exec(l)?.[1]).find(Boolean);
  const credentials = o.auth === 'none' ? null : readCredentials(dataDir);
  const minter = credentials
    ? createHttpSecurity({ auth: { mode: 'token', credentials }, allowedHosts: [], allowedOrigins: [] })
    : null;
  return {
    url: started,
    printedLink: link ?? null,
    credentials,
    loginLink: (next) => minter?.loginLink(started, next) ?? `${started}/login`,
    lines,
    waitForLog: (match) => {
      const seen = lines.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    stop,
  };
}

/** Starts an inline workflow of one WAIT task (ref `w`) on the engine at `url`, with its key if it has one. */
export async function startWaitWorkflow(url: string, credentials: Credentials | null): Promise<string> {
  await authenticate(url, credentials);
  const r = await raw(url, 'POST', '/api/workflow', {
    name: 'adhoc',
    workflowDef: { name: 'adhoc', version: 1, tasks: [{ name: 'w', taskReferenceName: 'w', type: 'WAIT' }] },
  });
  if (r.status !== 200) throw new Error(`POST /api/workflow answered ${r.status}: ${r.text}`);
  return r.text;
}
