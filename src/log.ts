/**
 * The pino logger factory. Library code never creates loggers or writes to the console: it receives a
 * `Logger` and makes children with structured fields (taskId, workflowId, notebook, cell).
 */
import pino from 'pino';

import { prettyDestination } from './log-pretty';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `json`: pino's lines (for machines); `pretty`: readable lines (for people); `auto`: pretty on a terminal. */
export type LogFormat = 'auto' | 'json' | 'pretty';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'pretty'];

/** The format `auto` stands for, given whether the log's destination is a terminal. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTTY ? 'pretty' : 'json') : format;
}

/** Keys whose values never reach a log line. */
const REDACT_PATHS = [
  'token',
  'jupyterToken',
  'keySecret',
  'secretAccessKey',
  'sessionToken',
  'password',
  '*.token',
  '*.jupyterToken',
  '*.keySecret',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.password',
  'headers.authorization',
  'headers["x-authorization"]',
];

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to stderr so stdout stays free for command output. */
  destination?: pino.DestinationStream;
  name?: string;
  /** `pretty` turns each line into readable text (colour when `color`); default `json`. */
  format?: 'json' | 'pretty';
  color?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const raw = options.destination ?? pino.destination({ fd: 2, sync: true });
  const destination = options.format === 'pretty' ? prettyDestination(raw, options.color === true) : raw;
  return pino(
    {
      name: options.name ?? 'nbconductor',
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A logger that drops everything (tests, embedding). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
