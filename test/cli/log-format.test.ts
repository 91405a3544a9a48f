/**
 * Log lines as people and machines get them: readable on a terminal, pino JSON when the output is not a
 * terminal, and either one when asked (`--log-format`, NBCONDUCTOR_LOG_FORMAT, `log.format` in the config
 * file). A terminal is simulated by giving the CLI streams that say isTTY.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { formatLogLine } from '../../src/log-pretty';
import { runCli, type CliResult } from '../helpers/cli';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'nbc-logfmt-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A command that fails fast and logs one error line (no kernel needed): the input does not exist. */
function failingRun(
  extra: string[],
  options: { tty: boolean; env?: Record<string, string> },
): Promise<CliResult> {
  return runCli([...extra, 'run', path.join(dir, 'missing.ipynb'), path.join(dir, 'out.ipynb')], {
    cwd: dir,
    tty: options.tty,
    env: { NBCONDUCTOR_LOG_LEVEL: 'info', ...options.env },
  });
}

const PRETTY_ERROR = /^\d\d:\d\d:\d\d ERROR .*missing\.ipynb.* code=E_STORAGE_NOT_FOUND$/m;
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[\\d;]*m`, 'g');

/** The text without colour codes. */
function plain(s: string): string {
  return s.replace(ANSI, '');
}

function jsonLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('log format', () => {
  test('on a terminal: readable lines with time, level, message and fields, in colour; no JSON', async () => {
    const r = await failingRun([], { tty: true });
    expect(r.code).toBe(2);
    expect(plain(r.stderr)).toMatch(PRETTY_ERROR);
    expect(r.stderr).toContain('\x1b[31mERROR');
    expect(r.stderr).not.toContain('{"level"');
  });

  test('not a terminal: pino JSON lines, one object per line', async () => {
    const r = await failingRun([], { tty: false });
    expect(r.code).toBe(2);
    const [line] = jsonLines(r.stderr);
    expect(line).toMatchObject({ level: 50, code: 'E_STORAGE_NOT_FOUND', name: 'nbconductor' });
    expect(String(line?.msg)).toContain('missing.ipynb');
  });

  test('--log-format json on a terminal, and pretty when piped, win over the default', async () => {
    const json = await failingRun(['--log-format', 'json'], { tty: true });
    expect(jsonLines(json.stderr)[0]).toMatchObject({ level: 50, code: 'E_STORAGE_NOT_FOUND' });
    const pretty = await failingRun(['--log-format', 'pretty'], { tty: false });
    expect(pretty.stderr).toMatch(PRETTY_ERROR);
    // Not a terminal: no colour codes even when pretty.
    expect(pretty.stderr).not.toContain('\x1b[');
  });

  test('the config file key log.format and NBCONDUCTOR_LOG_FORMAT set it too (the flag wins over both)', async () => {
    const configFile = path.join(dir, 'config.json');
    await writeFile(configFile, JSON.stringify({ log: { format: 'json' } }));
    const fromFile = await failingRun(['--config', configFile], { tty: true });
    expect(jsonLines(fromFile.stderr)[0]).toMatchObject({ level: 50 });
    const fromEnv = await failingRun([], { tty: false, env: { NBCONDUCTOR_LOG_FORMAT: 'pretty' } });
    expect(fromEnv.stderr).toMatch(PRETTY_ERROR);
    const flagWins = await failingRun(['--config', configFile, '--log-format', 'pretty'], { tty: false });
    expect(flagWins.stderr).toMatch(PRETTY_ERROR);
  });

  test('an unknown format is a usage error naming the key and the accepted values', async () => {
    const r = await failingRun(['--log-format', 'xml'], { tty: false });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('log.format');
    expect(r.stderr).toContain('must be one of "auto", "json", "pretty"');
  });
});

describe('formatLogLine', () => {
  const time = new Date(2026, 0, 2, 3, 4, 5).toISOString();

  test('fields as key=value, quoted when they hold spaces, objects as JSON; the time in local hh:mm:ss', () => {
    const line = JSON.stringify({
      level: 40,
      time,
      name: 'nbconductor',
      msg: 'kernel heartbeat lost',
      kernelPid: 42,
      notebook: 'notebooks/my report.ipynb',
      ids: { a: 1 },
    });
    expect(formatLogLine(line, false)).toBe(
      '03:04:05 WARN  kernel heartbeat lost  kernelPid=42 notebook="notebooks/my report.ipynb" ids={"a":1}\n',
    );
  });

  test("an error's message is a field and its stack follows, indented", () => {
    const line = JSON.stringify({
      level: 50,
      time,
      msg: 'worker failed',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' },
    });
    expect(formatLogLine(line, false)).toBe(
      '03:04:05 ERROR worker failed  err=boom\n    Error: boom\n        at f (x.js:1:1)\n',
    );
  });

  test('a line that is not JSON passes through unchanged', () => {
    expect(formatLogLine('plain text\n', true)).toBe('plain text\n');
  });
});
