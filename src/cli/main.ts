/** `nbconductor <command>`: parses flags, compiles config, calls the modules. No business logic here. */
import { Command, CommanderError } from 'commander';

import { compileConfig } from '../config';
import { EXIT_BAD_INPUT, exitCodeFor, isNbcError, errorMessage } from '../errors';
import { createLogger } from '../log';
import { packageVersion } from '../paths';
import { processIO, type CliIO } from './io';
import { ensurePython } from './setup';

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = new Command('nbconductor')
    .description('Notebook pipelines on Conductor: papermill-compatible runs, a worker, an embedded engine.')
    .version(packageVersion())
    .option('--config <file>', 'configuration file (YAML or JSON)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  program
    .command('setup')
    .description('create or refresh the Python environment (.venv) from requirements.txt')
    .action(async () => {
      const g = program.opts<{ config?: string; logLevel?: string }>();
      const config = compileConfig({ env: io.env, cwd: io.cwd, configFile: g.config ?? null, flags: g.logLevel ? { log: { level: g.logLevel as never } } : undefined });
      const logger = createLogger({ level: config.log.level });
      const env = await ensurePython(config, logger);
      io.stdout.write(`Python environment ready: ${env.python}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    io.stderr.write(`nbconductor: ${isNbcError(err) ? `${err.message} [${err.code}]` : errorMessage(err)}\n`);
    exitCode = exitCodeFor(err);
  }
  return exitCode;
}

export function runFromProcess(): void {
  main(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`nbconductor: internal error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
