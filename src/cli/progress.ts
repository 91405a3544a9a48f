/** The CLI's views of a run: a progress bar on a TTY, and papermill-style --log-output streaming. */
import type { SingleBar } from 'cli-progress';

import type { ExecutionEvents } from '../execute/executor';
import type { Logger } from '../log';
import type { Cell } from '../notebook/types';

const DESCRIPTION = /papermill_description=(\S+)/;

function describe(cell: Cell): string | null {
  const m = DESCRIPTION.exec(cell.source);
  return m?.[1] ?? null;
}

/** A tqdm-like bar ("Executing: 40%|████ | 2/5 cells") on stderr. */
export function progressBarEvents(
  stream: NodeJS.WritableStream,
  totalCells: number,
): ExecutionEvents & { stop(): void } {
  const { SingleBar: Bar, Presets } = require('cli-progress') as typeof import('cli-progress');
  const bar: SingleBar = new Bar(
    {
      stream,
      format: '{desc}: {percentage}%|{bar}| {value}/{total} cells [{duration_formatted}]',
      hideCursor: false,
      clearOnComplete: false,
      etaBuffer: 5,
    },
    Presets.shades_classic,
  );
  bar.start(totalCells, 0, { desc: 'Executing' });
  return {
    cellStart(_index, cell) {
      const d = describe(cell);
      bar.update({ desc: d ? `Executing ${d}` : 'Executing' });
    },
    cellEnd() {
      bar.increment();
    },
    stop() {
      bar.stop();
    },
  };
}

/** --log-output: cell boundaries and outputs go to the log as they arrive (stderr → warn, like papermill). */
export function logOutputEvents(logger: Logger): ExecutionEvents {
  return {
    cellStart(index, cell) {
      if (cell.cell_type === 'code')
        logger.info({ cell: index }, `Executing Cell ${String(index + 1).padEnd(40, '-')}`);
    },
    cellEnd(index, cell) {
      if (cell.cell_type === 'code')
        logger.info({ cell: index }, `Ending Cell ${String(index + 1).padEnd(43, '-')}`);
    },
    output(index, _cell, change) {
      if (change.kind === 'stream') {
        if (change.output.name === 'stderr') logger.warn({ cell: index, stream: 'stderr' }, change.text);
        else logger.info({ cell: index, stream: 'stdout' }, change.text);
      } else if (change.kind === 'append') {
        const o = change.output;
        if (o.output_type === 'error') logger.error({ cell: index }, `${o.ename}: ${o.evalue}`);
        else if (o.output_type !== 'stream' && typeof o.data['text/plain'] === 'string') {
          logger.info({ cell: index }, o.data['text/plain']);
        }
      }
    },
  };
}

/**
 * Fan one event stream out to several listeners. An event no listener takes is left out, so the executor
 * does nothing for it (no call per iopub message when neither --log-output nor anything else wants them).
 */
export function combineEvents(...all: (ExecutionEvents | undefined)[]): ExecutionEvents {
  const list = all.filter((e): e is ExecutionEvents => e !== undefined);
  const starts = list.filter((e) => e.cellStart);
  const ends = list.filter((e) => e.cellEnd);
  const outputs = list.filter((e) => e.output);
  return {
    ...(starts.length ? { cellStart: (i, c) => starts.forEach((e) => e.cellStart?.(i, c)) } : {}),
    ...(ends.length ? { cellEnd: (i, c, o) => ends.forEach((e) => e.cellEnd?.(i, c, o)) } : {}),
    ...(outputs.length ? { output: (i, c, ch) => outputs.forEach((e) => e.output?.(i, c, ch)) } : {}),
  };
}
