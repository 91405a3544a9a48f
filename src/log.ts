/**
 * The pino logger factory. Library code never creates loggers or writes to the console: it receives a
 * `Logger` and makes children with structured fields (taskId, workflowId, notebook, cell).
 */
import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
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
