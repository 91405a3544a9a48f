/**
 * A `notebook_run`-style worker pool in its own process for the engine bench: the SDK's TaskManager polling
 * one task type and completing every task at once, counting how often each (workflow, task) ran. Workers run
 * apart from the engine in production; here it also keeps their CPU out of the engine's measure.
 *
 * Started by the bench with an IPC channel and its settings as JSON in argv[2]. It reports
 * `{ ran }` (tasks run so far) whenever that changes (at most every 50 ms), and answers `stop` with
 * `{ stopped, ran, duplicates }` after its TaskManager has stopped.
 */
import { noopLogger, orkesConductorClient, TaskManager } from '@io-orkes/conductor-javascript';

import { counter } from './engine-support';

interface Settings {
  url: string;
  keyId?: string;
  keySecret?: string;
  taskType: string;
  concurrency: number;
}

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2] ?? '{}') as Settings;
  const send = (m: unknown): void => {
    process.send?.(m);
  };
  const c = counter();
  const client = await orkesConductorClient({
    serverUrl: s.url,
    keyId: s.keyId,
    keySecret: s.keySecret,
    logger: noopLogger,
  });
  const tm = new TaskManager(client, [c.worker(s.taskType)], {
    logger: noopLogger,
    options: {
      pollInterval: 10,
      batchPollingTimeout: 100,
      concurrency: s.concurrency,
      workerID: 'bench-proc',
    },
  });
  let reported = -1;
  const report = setInterval(() => {
    if (c.runs.size !== reported) send({ ran: (reported = c.runs.size) });
  }, 50);
  process.on('message', (m) => {
    if (m !== 'stop') return;
    void (async () => {
      clearInterval(report);
      await tm.stopPolling();
      client.stopBackgroundRefresh?.();
      send({ stopped: true, ran: c.runs.size, duplicates: c.duplicates() });
      process.disconnect?.();
    })();
  });
  tm.startPolling();
  send({ ready: true });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
