/** Loggers for tests: silent, or capturing structured lines for assertions. */
import { Writable } from 'node:stream';

import pino from 'pino';

import type { Logger } from '../../src/log';

export interface CapturedLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

export function captureLogger(
  level: pino.LevelWithSilent = 'debug',
  /** Called with each line as it is logged (to wait for one). */
  onLine?: (line: CapturedLine) => void,
): {
  logger: Logger;
  lines: CapturedLine[];
} {
  const lines: CapturedLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l.trim()) {
          const line = JSON.parse(l) as CapturedLine;
          lines.push(line);
          onLine?.(line);
        }
      cb();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

export function quietLogger(): Logger {
  return pino({ level: 'silent' });
}
