/**
 * How `up` shows a running workflow: one line when a task starts and one when it ends (status, how long it
 * took, its output notebook, why it failed). On a terminal the lines get a status mark and colour.
 */
import path from 'node:path';

import type { TaskLine } from './conductor-commands';

/** Paths under the working directory are shown relative to it; anything else as given. */
export function relativeToCwd(cwd: string, uri: string): string {
  if (!uri.startsWith('/')) return uri;
  const rel = path.relative(cwd, uri);
  return rel && !rel.startsWith('..') ? rel : uri;
}

const MARKS: Record<string, [mark: string, color: string]> = {
  IN_PROGRESS: ['▶', '\x1b[36m'],
  COMPLETED: ['✓', '\x1b[32m'],
  FAILED: ['✗', '\x1b[31m'],
  FAILED_WITH_TERMINAL_ERROR: ['✗', '\x1b[31m'],
  TIMED_OUT: ['✗', '\x1b[31m'],
};

function duration(t: TaskLine): string {
  if (!t.startTime || !t.endTime || t.endTime < t.startTime) return '';
  const ms = t.endTime - t.startTime;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export interface TaskProgressOptions {
  cwd: string;
  /** A terminal: marks and colour. */
  tty: boolean;
}

/** A TaskLine → the line to print, or null for transitions not worth a line (SCHEDULED). */
export function formatTaskLine(t: TaskLine, options: TaskProgressOptions): string | null {
  if (t.status === 'SCHEDULED') return null;
  const ended = t.status !== 'IN_PROGRESS';
  const parts = [t.ref.padEnd(28), t.status.padEnd(12)];
  if (ended) parts.push(duration(t).padStart(8));
  if (ended && t.outputNotebook) parts.push(relativeToCwd(options.cwd, t.outputNotebook));
  if (ended && t.reason && t.status !== 'COMPLETED') parts.push(`(${t.reason})`);
  const text = parts.join(' ').trimEnd();
  if (!options.tty) return `  ${text}`;
  const [mark, color] = MARKS[t.status] ?? ['•', '\x1b[2m'];
  return `  ${color}${mark}\x1b[0m ${text}`;
}

/** The `onTask` callback for startAndFollow: prints each start and end through `out`. */
export function taskProgress(
  out: (line: string) => void,
  options: TaskProgressOptions,
): (t: TaskLine) => void {
  return (t) => {
    const line = formatTaskLine(t, options);
    if (line !== null) out(line);
  };
}
