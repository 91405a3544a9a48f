/**
 * A `notebook_run`-style worker pool in its own process for the engine bench: the SDK's TaskManager polling
 * one task type and completing every task at once, counting how often each (workflow, task) ran. Workers run
 * apart from the engine in production; here it also keeps their CPU out of the engine's measure.
 *
 * Started by the bench with an IPC channel and its settings as JSON in argv[2]. It reports
 * `{ ran }` (tasks run so far) whenever that changes (at most every 50 ms), and answers `stop` with
 * `{ stopped, ran, duplicates }` after its TaskManager has stopped.
 */
import {
  noopLogger,
  orkesConductorClient,
  TaskManager,
  type ConductorWorker,
} from '@io-orkes/conductor-javascript';

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
  const runs = new Map<string, number>();
  const worker: ConductorWorker = {
    taskDefName: s.taskType,
    concurrency: 1,
    execute: async (task) => {
      const key = `${task.workflowInstanceId}/${task.referenceTaskName}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
      return { status: 'COMPLETED', outputData: { n: (task.inputData?.n as number | undefined) ?? 0 } };
    },
  };
  const client = await orkesConductorClient({
    serverUrl: s.url,
    keyId: s.keyId,
    keySecret: s.keySecret,
    logger: noopLogger,
  });
  const tm = new TaskManager(client, [worker], {
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
    if (runs.size !== reported) send({ ran: (reported = runs.size) });
  }, 50);
  process.on('message', (m) => {
    if (m !== 'stop') return;
    void (async () => {
      clearInterval(report);
      await tm.stopPolling();
      client.stopBackgroundRefresh?.();
      const duplicates = [...runs.values()].filter((n) => n !== 1).length;
      send({ stopped: true, ran: runs.size, duplicates });
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
