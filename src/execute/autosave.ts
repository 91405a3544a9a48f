/**
 * Saving the output notebook while it runs. papermill rewrites the whole file on every cell start and end
 * (≈ 2·cells + 3 full writes); we save at cell ends and every `intervalMs` during long cells, never two
 * saves at once, and throttled by a time budget: after a save that took d ms, the next one waits at least
 * d·(1/budget − 1) ms, so saving costs at most `budget` of the run's wall time however slow storage is.
 * Skipped saves are not lost: the latest state is saved when the budget allows, and `flush` always saves.
 */
import { errorMessage } from '../errors';
import type { Logger } from '../log';
import type { NotebookSerializer } from '../notebook/io';
import type { Notebook } from '../notebook/types';

/** Passes chunks through, counting their bytes as they are written (no second serialisation). */
function counted(parts: Iterable<string>, total: { bytes: number }): Iterable<string> {
  return {
    *[Symbol.iterator]() {
      total.bytes = 0;
      for (const p of parts) {
        total.bytes += Buffer.byteLength(p);
        yield p;
      }
    },
  };
}

export interface AutosaverOptions {
  notebook: Notebook;
  serializer: NotebookSerializer;
  /** Stores the serialized notebook, given as chunks in order. */
  write(parts: Iterable<string>): Promise<void>;
  /** Mid-cell save interval (papermill's --autosave-cell-every), ms; 0 disables mid-cell saves. */
  intervalMs: number;
  /** Largest fraction of wall time spent saving (default 0.05). */
  budget?: number;
  logger: Logger;
  now?: () => number;
}

export interface AutosaveStats {
  saves: number;
  totalSaveMs: number;
  lastSaveMs: number;
  bytes: number;
}

export class Autosaver {
  private readonly budget: number;
  private readonly now: () => number;
  private inFlight: Promise<void> | null = null;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private nextAllowedAt = 0;
  private lastSaveStartedAt: number;
  private firstError: unknown = null;
  readonly stats: AutosaveStats = { saves: 0, totalSaveMs: 0, lastSaveMs: 0, bytes: 0 };

  constructor(private readonly options: AutosaverOptions) {
    this.budget = options.budget ?? 0.05;
    this.now = options.now ?? Date.now;
    this.lastSaveStartedAt = this.now();
  }

  /** A cell finished: save soon (now if the budget allows). */
  cellEnded(): void {
    this.request();
  }

  /** Output arrived mid-cell: save if the interval has passed since the last save. */
  outputChanged(): void {
    this.dirty = true;
    if (this.options.intervalMs <= 0) return;
    if (this.now() - this.lastSaveStartedAt >= this.options.intervalMs) this.request();
  }

  /** The first autosave failure, if any (the final flush decides whether the run fails). */
  get error(): unknown {
    return this.firstError;
  }

  private request(): void {
    this.dirty = true;
    if (this.inFlight || this.timer) return; // the running save or the scheduled one will pick it up
    const wait = this.nextAllowedAt - this.now();
    if (wait <= 0) {
      void this.saveNow();
    } else {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.dirty) void this.saveNow();
      }, wait);
      this.timer.unref();
    }
  }

  private saveNow(): Promise<void> {
    this.dirty = false;
    const started = this.now();
    this.lastSaveStartedAt = started;
    const run = (async () => {
      const total = { bytes: 0 };
      await this.options.write(counted(this.options.serializer.parts(this.options.notebook), total));
      this.stats.bytes = total.bytes;
    })();
    this.inFlight = run
      .then(
        () => {
          const took = this.now() - started;
          this.stats.saves += 1;
          this.stats.totalSaveMs += took;
          this.stats.lastSaveMs = took;
          this.nextAllowedAt = this.now() + took * (1 / this.budget - 1);
        },
        (err: unknown) => {
          this.firstError ??= err;
          this.options.logger.warn({ err: errorMessage(err) }, 'autosave of the output notebook failed');
          this.nextAllowedAt = this.now() + 1000;
        },
      )
      .finally(() => {
        this.inFlight = null;
        if (this.dirty) this.request();
      });
    return this.inFlight;
  }

  /** Wait for any save in flight, then save the current state unconditionally. Throws if that fails. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.inFlight) await this.inFlight;
    const started = this.now();
    const total = { bytes: 0 };
    await this.options.write(counted(this.options.serializer.parts(this.options.notebook), total));
    this.stats.saves += 1;
    this.stats.bytes = total.bytes;
    this.stats.totalSaveMs += this.now() - started;
    this.dirty = false;
  }

  /** Stop scheduled saves without saving (e.g. when the run is abandoned). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
