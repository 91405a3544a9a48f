/**
 * @jupyterlab/services talks through `console`: `console.debug("Starting WebSocket: ws://…")` and
 * `"Kernel: dead (…)"` (which Node prints on stdout, where `run … -` writes the notebook) and a
 * `console.warn("Connection lost, reconnecting in N seconds.")` while a websocket reconnects (our session
 * handles and logs that itself).
 *
 * Nothing here patches `console` for the process. The library's lines come from three methods of a
 * `KernelConnection` (opening the websocket, reconnecting, changing status), all synchronous; each is
 * wrapped, on that one connection, so that `console` is swapped only for the duration of that synchronous
 * call. No other code can run in that window (JavaScript runs one thing at a time), so a `console.warn`
 * from anywhere else, at any time, reaches the real console. What the library prints in the window goes
 * to the session's logger at debug level.
 *
 * The REST side's console output (a server error's traceback, an error body that is not JSON) is avoided
 * by the fetch in services.ts instead.
 */
import type { Logger } from '../../log';

type ConsoleMethod = 'debug' | 'log' | 'info' | 'warn' | 'error';
const METHODS: readonly ConsoleMethod[] = ['debug', 'log', 'info', 'warn', 'error'];

/** The KernelConnection methods that print (private in the library's typings; checked at run time). */
export const CONNECTION_METHODS_THAT_PRINT = ['_createSocket', '_reconnect', '_updateStatus'] as const;

function text(args: unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : String(a))).join(' ');
}

let depth = 0;

/**
 * Run `fn` (synchronous) with the console's output sent to `logger` at debug level, and put the console
 * back before returning, whatever happens.
 */
export function withLibraryConsole<T>(logger: Logger, fn: () => T): T {
  /* eslint-disable no-console -- this is the one place that lends the library a console */
  if (depth > 0) return fn(); // nested: the outer call has already swapped it
  const saved = METHODS.map((m) => [m, console[m]] as const);
  for (const m of METHODS) {
    console[m] = (...args: unknown[]): void => logger.debug({ source: `console.${m}` }, text(args));
  }
  depth += 1;
  try {
    return fn();
  } finally {
    depth -= 1;
    for (const [m, original] of saved) console[m] = original;
  }
  /* eslint-enable no-console */
}

/**
 * Route one connection's printing methods through `withLibraryConsole`. Returns the names it could not
 * find (an @jupyterlab/services upgrade renamed them: test/kernel/jupyter-server-console.test.ts fails
 * loudly then; the lines would merely reach the console).
 */
export function routeConnectionConsole(connection: object, logger: Logger): string[] {
  const target = connection as Record<string, unknown>;
  const missing: string[] = [];
  for (const name of CONNECTION_METHODS_THAT_PRINT) {
    const original = target[name];
    if (typeof original !== 'function') {
      missing.push(name);
      continue;
    }
    const fn = original as (...args: unknown[]) => unknown;
    // An own property shadows the prototype method; `_createSocket` is already an own arrow function.
    target[name] = (...args: unknown[]): unknown =>
      withLibraryConsole(logger, () => fn.apply(connection, args));
  }
  return missing;
}
