/**
 * `npm run bench -- <name> [options]`: runs one benchmark and prints a table. Names: notebook (issue 2:
 * nbconductor run vs nbclient), engine (the embedded Conductor engine), worker (notebooks per minute),
 * viewer (render time, first paint, S3 folder listing).
 */
async function main(): Promise<void> {
  const [name = 'notebook', ...rest] = process.argv.slice(2);
  switch (name) {
    case 'notebook': {
      const { benchNotebook } = await import('./notebook.js');
      return benchNotebook(rest);
    }
    case 'worker': {
      const { benchWorker } = await import('./worker.js');
      return benchWorker(rest);
    }
    case 'viewer': {
      const { benchViewer } = await import('./viewer.js');
      return benchViewer(rest);
    }
    case 'engine': {
      await import('./engine.js');
      return;
    }
    default:
      process.stderr.write(`unknown benchmark "${name}"; try: notebook, worker, engine, viewer\n`);
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
