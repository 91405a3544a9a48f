/** `nbconductor inspect INPUT`: the parameters a notebook declares. */
import type { Config } from '../config';
import type { Logger } from '../log';
import { parseNotebook } from '../notebook/io';
import { formatInspection, inspectNotebook } from '../notebook/inspect';
import { createStorage } from '../storage/registry';
import type { CliIO } from './io';

export interface InspectOptions {
  json?: boolean;
  kernel?: string;
  language?: string;
}

export async function inspectCommand(
  input: string,
  o: InspectOptions,
  io: CliIO,
  config: Config,
  logger: Logger,
  signal: AbortSignal,
): Promise<number> {
  const storage = createStorage({ cwd: io.cwd, s3: config.s3, logger });
  try {
    const nb = parseNotebook(await storage.read(input, { signal }), input);
    const result = inspectNotebook(nb, { kernel: o.kernel, language: o.language });
    for (const w of result.warnings) logger.warn(w);
    if (o.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            notebook: input,
            language: result.language,
            hasParametersCell: result.hasParametersCell,
            supported: result.supported,
            parameters: result.parameters,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      io.stdout.write(`${formatInspection(result, input)}\n`);
    }
    return 0;
  } finally {
    await storage.close();
  }
}
