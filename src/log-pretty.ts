/**
 * Readable log lines for people at a terminal (`--log-format pretty`, the default on a TTY): pino's JSON
 * record becomes `12:45:27 WARN  message  key=value …`, with an error's stack on the lines below.
 * Machines get pino's JSON untouched (`json`, the default when the output is not a terminal).
 */
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, [name: string, color: string]> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[34m'],
  30: ['INFO', '\x1b[32m'],
  40: ['WARN', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[1;31m'],
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
/** Record keys shown in the line's head, or not at all. */
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname']);

function two(n: number): string {
  return String(n).padStart(2, '0');
}

function clock(time: unknown): string {
  const d = new Date(typeof time === 'string' || typeof time === 'number' ? time : Date.now());
  return Number.isNaN(d.getTime())
    ? '--:--:--'
    : `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

interface ErrorRecord {
  message?: unknown;
  stack?: unknown;
}

/** One pino JSON line → one readable line (plus an error's stack). Not JSON: passed through as it is. */
export function formatLogLine(line: string, color: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const paint = (code: string, s: string): string => (color ? `${code}${s}${RESET}` : s);
  const [name, code] = LEVELS[Number(rec.level)] ?? ['LOG', ''];
  let stack = '';
  const fields: string[] = [];
  for (const [k, v] of Object.entries(rec)) {
    if (HIDDEN.has(k) || v === undefined) continue;
    if ((k === 'err' || k === 'error') && v !== null && typeof v === 'object') {
      const e = v as ErrorRecord;
      fields.push(`${paint(DIM, `${k}=`)}${value(e.message ?? v)}`);
      if (typeof e.stack === 'string') stack = `\n${e.stack.replace(/^/gm, '    ')}`;
      continue;
    }
    fields.push(`${paint(DIM, `${k}=`)}${value(v)}`);
  }
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  const tail = fields.length > 0 ? `  ${fields.join(' ')}` : '';
  return `${paint(DIM, clock(rec.time))} ${paint(code, name.padEnd(5))} ${msg}${tail}${stack}\n`;
}

/** A pino destination that writes readable lines to `out`. */
export function prettyDestination(out: DestinationStream, color: boolean): DestinationStream {
  return { write: (line: string) => out.write(formatLogLine(line, color)) };
}
