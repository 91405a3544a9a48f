/**
 * How a run that did not complete is described: the failure record (code, ename/evalue as a kernel error
 * would have them, the failing cell) and the error it maps to (CLI exit code, Conductor status).
 */
import { NbcError, errorMessage, isNbcError, type ErrorCode } from '../errors';
import type { Output } from '../notebook/types';

export interface ExecutionFailure {
  code: ErrorCode;
  message: string;
  ename: string;
  evalue: string;
  traceback: string[];
  /** Index of the failing cell in the output notebook (after the error banner and anchor). */
  cellIndex: number | null;
  executionCount: number | null;
}

/** A failure before it is placed in the output notebook. */
export type CellFailure = Omit<ExecutionFailure, 'cellIndex' | 'executionCount'>;

export type StopReason = 'cell-timeout' | 'total-timeout' | 'stdin' | 'aborted';

export function errorOutput(ename: string, evalue: string): Output {
  return { output_type: 'error', ename, evalue, traceback: [`${ename}: ${evalue}`] };
}

/**
 * An error that cut a run short, as a failure: a dead kernel (E_KERNEL_DIED, nbclient's DeadKernelError),
 * a kernel shut down by someone else (E_ABORTED), anything else (a request that could not be sent, a
 * bug in an event handler) under its own code.
 */
export function failureOf(err: unknown): CellFailure {
  const code: ErrorCode = isNbcError(err) ? err.code : 'E_INTERNAL';
  const ename =
    code === 'E_KERNEL_DIED'
      ? 'DeadKernelError'
      : code === 'E_ABORTED'
        ? 'ExecutionAborted'
        : 'ExecutionError';
  const evalue = errorMessage(err);
  return { code, message: evalue, ename, evalue, traceback: [] };
}

/** Why the executor stopped a cell itself (it interrupted the kernel). */
export function stopFailure(
  reason: StopReason,
  limits: { cellTimeoutMs: number | null; totalTimeoutMs: number | null },
  prompt: string | null,
): CellFailure {
  const seconds = (ms: number | null): string => `${(ms ?? 0) / 1000} s`;
  const spec: Record<StopReason, [ErrorCode, string, string]> = {
    'cell-timeout': [
      'E_CELL_TIMEOUT',
      'CellTimeoutError',
      `cell execution timed out after ${seconds(limits.cellTimeoutMs)} (--execution-timeout); the kernel was interrupted`,
    ],
    'total-timeout': [
      'E_TOTAL_TIMEOUT',
      'NotebookTimeoutError',
      `notebook execution exceeded the total timeout of ${seconds(limits.totalTimeoutMs)}; the kernel was interrupted`,
    ],
    stdin: [
      'E_STDIN',
      'StdinNotImplementedError',
      `the cell asked for input (${JSON.stringify(prompt ?? '')}), but notebooks run non-interactively; pass the value as a parameter instead`,
    ],
    aborted: [
      'E_ABORTED',
      'ExecutionAborted',
      'execution was stopped (shutdown or cancellation); the kernel was interrupted',
    ],
  };
  const [code, ename, evalue] = spec[reason];
  return { code, message: evalue, ename, evalue, traceback: [`${ename}: ${evalue}`] };
}

/** The error a failed execution maps to (CLI exit code, Conductor status). */
export function failureError(failure: ExecutionFailure, where: string): NbcError {
  const at =
    failure.cellIndex !== null
      ? // Counted from 1, as the viewer shows it; `cellIndex` (from 0) stays in the structured error.
        ` at cell ${failure.cellIndex + 1}${failure.executionCount !== null ? ` (In [${failure.executionCount}])` : ''}`
      : '';
  return new NbcError(failure.code, `${where}: ${failure.ename}: ${failure.evalue}${at}`, {
    uri: where,
    cellIndex: failure.cellIndex ?? undefined,
    ename: failure.ename,
    evalue: failure.evalue,
  });
}
