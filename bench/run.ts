/**
 * `npm run bench -- <name> [options]`: runs one benchmark and prints a table. Names: notebook (issue 2:
 * nbconductor run vs nbclient), cli (the installed `nbconductor run` vs `jupyter execute`, with a breakdown),
 * engine (the embedded Conductor engine), worker (notebooks per minute), scheduler (1,000 schedules firing
 * every second), scheduler-fire (the cost of firing a second's slots, under a clock the bench moves), trigger (S3 object landing → first notebook cell, through SQS and an event handler),
 * viewer (render time, first paint, S3 folder listing),
 * json (exact JSON for ints beyond 2^53 versus native JSON).
 */
async function main(): Promise<void> {
  const [name = 'notebook', ...rest] = process.argv.slice(2);
  switch (name) {
    case 'notebook': {
      const { benchNotebook } = await import('./notebook.js');
      return benchNotebook(rest);
    }
    case 'cli': {
      const { benchCli } = await import('./cli.js');
      return benchCli(rest);
    }
    case 'worker': {
      const { benchWorker } = await import('./worker.js');
      return benchWorker(rest);
    }
    case 'scheduler': {
      const { benchScheduler } = await import('./scheduler.js');
      return benchScheduler(rest);
    }
    case 'scheduler-fire': {
      const { benchSchedulerFire } = await import('./scheduler-fire.js');
      return benchSchedulerFire(rest);
    }
    case 'trigger': {
      // The AWS SDK's Node >= 22 notice, silenced as bin/nbconductor.js does.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const { benchTrigger } = await import('./trigger.js');
      return benchTrigger(rest);
    }
    case 'viewer': {
      const { benchViewer } = await import('./viewer.js');
      return benchViewer(rest);
    }
    case 'engine': {
      await import('./engine.js');
      return;
    }
    case 'json': {
      const { benchJson } = await import('./json.js');
      return benchJson();
    }
    default:
      process.stderr.write(
        `unknown benchmark "${name}"; try: notebook, cli, worker, engine, scheduler, scheduler-fire, trigger, viewer, json\n`,
      );
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
