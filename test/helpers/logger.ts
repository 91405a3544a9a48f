/** Loggers for tests: silent, or capturing structured lines for assertions. */
import { Writable } from 'node:stream';

import pino from 'pino';

import type { Logger } from '../../src/log';

export interface CapturedLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

export function captureLogger(level: pino.LevelWithSilent = 'debug'): {
  logger: Logger;
  lines: CapturedLine[];
} {
  const lines: CapturedLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as CapturedLine);
      cb();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

export function quietLogger(): Logger {
  return pino({ level: 'silent' });
}
