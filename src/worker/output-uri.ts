/** Where a notebook_run attempt writes its output notebook: one immutable object per attempt. */
import { joinUri, pathSegment as segment } from '../storage';

export interface AttemptFacts {
  workflowType: string;
  workflowId: string;
  taskRef: string;
  retryCount: number;
}

/** `<outputRoot>/<workflowType>/<workflowId>/<taskRef>/attempt-<retryCount>.ipynb` */
export function defaultAttemptOutput(outputRoot: string, f: AttemptFacts): string {
  return joinUri(
    outputRoot,
    segment(f.workflowType),
    segment(f.workflowId),
    segment(f.taskRef),
    `attempt-${f.retryCount}.ipynb`,
  );
}

/**
 * A user-chosen output stays as given for the first attempt; a retry gets `.attempt-N` before the
 * extension, so retries never collide with (or overwrite) an earlier attempt's record.
 */
export function attemptOutput(output: string, retryCount: number): string {
  if (retryCount <= 0) return output;
  const m = /^(.*?)(\.ipynb)?$/i.exec(output);
  return `${m?.[1] ?? output}.attempt-${retryCount}${m?.[2] ?? ''}`;
}
