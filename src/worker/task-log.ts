/**
 * Cell progress appended to the task's Conductor log (visible in Conductor's UI), batched so a chatty
 * notebook costs at most one request per `intervalMs`. Log failures are logged, never fatal.
 */
import { coerceError } from '../errors';
import type { Logger } from '../log';

export type AddTaskLog = (taskId: string, message: string) => Promise<void>;

export class TaskLogAppender {
  private lines: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly taskId: string,
    private readonly add: AddTaskLog,
    private readonly logger: Logger,
    private readonly intervalMs = 1000,
  ) {}

  append(line: string): void {
    this.lines.push(line);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.send();
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  private send(): void {
    if (this.lines.length === 0) return;
    const message = this.lines.join('\n');
    this.lines = [];
    this.sending = this.sending.then(() =>
      this.add(this.taskId, message).catch((err: unknown) =>
        this.logger.warn({ err: coerceError(err) }, 'could not append to the Conductor task log'),
      ),
    );
  }

  /** Send what is buffered now and wait for every send. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.send();
    await this.sending;
  }
}
