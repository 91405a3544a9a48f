/** The scheduler's settings (from the `scheduler` config section), kept apart so the engine context can hold them. */
export interface SchedulerOptions {
  /** `runCatchupScheduleInstances` for a schedule that leaves it out (Conductor: false). */
  catchUpDefault: boolean;
  /** Most missed slots one catch-up runs; later missed slots are recorded SKIPPED. */
  catchUpMax: number;
  /** Execution records kept per schedule (newest first). */
  historyPerSchedule: number;
  /** Execution records older than this are dropped; 0 keeps them by count only. */
  historyMaxAgeMs: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  catchUpDefault: false,
  catchUpMax: 100,
  historyPerSchedule: 1000,
  historyMaxAgeMs: 30 * 86_400_000,
};
