/**
 * The SDK logs through console by default and calls `logger.error("message", err)`, which pino would
 * treat as printf arguments (dropping the Error). This adapter routes SDK logs into our pino logger.
 */
import type { Logger } from '../log';

type Level = 'info' | 'error' | 'debug' | 'warn';

export interface ConductorLoggerLike {
  info(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

export function sdkLogger(logger: Logger): ConductorLoggerLike {
  const child = logger.child({ component: 'conductor-sdk' });
  const emit =
    (level: Level) =>
    (...args: unknown[]): void => {
      const err = args.find((a): a is Error => a instanceof Error);
      const rest = args.slice(1).filter((a) => a !== err);
      const msg = typeof args[0] === 'string' ? args[0] : (err?.message ?? String(args[0]));
      // The SDK is chatty at info (every poll cycle); keep its info at debug.
      const target: Level = level === 'info' ? 'debug' : level;
      child[target](
        {
          ...(err ? { err: { message: err.message, stack: err.stack } } : {}),
          ...(rest.length ? { extra: rest } : {}),
        },
        msg,
      );
    };
  return { info: emit('info'), error: emit('error'), debug: emit('debug'), warn: emit('warn') };
}
