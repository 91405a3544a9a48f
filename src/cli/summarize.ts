/** `nbconductor summarize PREFIX [--format table|csv|json]`: one row per output notebook under PREFIX. */
import path from 'node:path';

import type { Config } from '../config';
import { NbcError } from '../errors';
import type { Logger } from '../log';
import { formatSummaries, type SummaryFormat } from '../results';
import { summarizeRuns } from '../results';
import { createStorage, uriScheme } from '../storage';
import type { CliIO } from './io';

const FORMATS: readonly SummaryFormat[] = ['table', 'csv', 'json'];

export async function summarizeCommand(
  prefix: string,
  format: string,
  o: { config: Config; logger: Logger; io: CliIO; signal: AbortSignal },
): Promise<number> {
  if (!FORMATS.includes(format as SummaryFormat)) {
    throw new NbcError(
      'E_USAGE',
      `--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`,
      {
        field: '--format',
      },
    );
  }
  const local = uriScheme(prefix) === 'file';
  const uri = local ? path.resolve(o.io.cwd, prefix.replace(/^file:\/\//, '')) : prefix;
  const storage = createStorage({ cwd: o.io.cwd, s3: o.config.s3, logger: o.logger });
  try {
    let rows = await summarizeRuns(storage, uri, { signal: o.signal, logger: o.logger });
    // The table is for reading: notebook paths relative to the prefix. CSV and JSON keep full URIs.
    if (format === 'table') {
      const base = uri.replace(/\/+$/, '');
      rows = rows.map((r) => ({
        ...r,
        uri: r.uri.startsWith(`${base}/`) ? r.uri.slice(base.length + 1) : r.uri,
      }));
    }
    if (rows.length === 0 && format === 'table') {
      o.io.stderr.write(`no output notebooks under ${uri}\n`);
      return 0;
    }
    o.io.stdout.write(formatSummaries(rows, format as SummaryFormat));
    return 0;
  } finally {
    await storage.close();
  }
}
