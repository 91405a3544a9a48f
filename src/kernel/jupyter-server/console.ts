/**
 * @jupyterlab/services writes to the console: `console.debug` lines ("Starting WebSocket: ws://…",
 * "Kernel: dead (…)") that would land on stdout, and a `console.warn` "Connection lost, reconnecting in N
 * seconds." while a kernel websocket reconnects (which our session handles and logs itself). The library
 * never patches the console; the CLI (and tests) call this to send those lines to a logger at debug level,
 * and call the returned function to undo it. Other `console.warn` calls pass through unchanged.
 */
import type { Logger } from '../../log';

const LIBRARY_WARNINGS = [/^Connection lost, reconnecting in \d+ seconds\.$/];

function text(args: unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : String(a))).join(' ');
}

export function silenceJupyterConsoleDebug(logger: Logger): () => void {
  /* eslint-disable no-console -- this helper exists to redirect the library's console output */
  const originalDebug = console.debug;
  const originalWarn = console.warn;
  const debug = (...args: unknown[]): void => {
    logger.debug({ source: 'console.debug' }, text(args));
  };
  const warn = (...args: unknown[]): void => {
    const line = text(args);
    if (LIBRARY_WARNINGS.some((re) => re.test(line))) logger.debug({ source: 'console.warn' }, line);
    else originalWarn(...args);
  };
  console.debug = debug;
  console.warn = warn;
  return () => {
    if (console.debug === debug) console.debug = originalDebug;
    if (console.warn === warn) console.warn = originalWarn;
  };
  /* eslint-enable no-console */
}
