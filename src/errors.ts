/**
 * One error taxonomy for the whole project. Every failure a user can see carries a stable `code`;
 * the tables at the bottom map codes to CLI exit codes and to Conductor task statuses, in one place.
 */

export type ErrorCode =
  // usage and configuration
  | 'E_USAGE' // bad command-line usage
  | 'E_CONFIG' // invalid configuration value (file, env or flag)
  // input notebooks and parameters
  | 'E_NOTEBOOK_INVALID' // not JSON, not nbformat v4, schema violation
  | 'E_PARAMETER' // a parameter value cannot be rendered or parsed
  | 'E_TRANSLATOR' // no translator for the kernel/language
  | 'E_TEMPLATE' // a nunjucks template failed to render
  // kernels
  | 'E_KERNEL_NOT_FOUND' // no such kernelspec
  | 'E_KERNEL_START' // kernel failed to start or to become ready in time
  | 'E_KERNEL_DIED' // kernel process died (or restarted) during execution
  | 'E_KERNEL_PROTOCOL' // malformed or unexpected message from a kernel/server
  // execution
  | 'E_CELL_ERROR' // a cell raised an exception
  | 'E_CELL_TIMEOUT' // a cell exceeded the per-cell execution timeout
  | 'E_TOTAL_TIMEOUT' // the notebook exceeded the total timeout
  | 'E_STDIN' // the kernel asked for input
  | 'E_ABORTED' // cancelled by the caller (signal, shutdown)
  // storage
  | 'E_STORAGE_NOT_FOUND' // input object/file does not exist
  | 'E_STORAGE_EXISTS' // write-once target already exists
  | 'E_STORAGE_AUTH' // credentials rejected / access denied
  | 'E_STORAGE_UNSUPPORTED' // scheme unknown or operation not supported (e.g. write to http)
  | 'E_STORAGE' // transient or unknown storage fault
  | 'E_NOT_ALLOWED' // outside what the configuration allows (output roots, notebook URL sources)
  // orchestration
  | 'E_CONDUCTOR' // the Conductor API answered with an error
  | 'E_INTERNAL'; // a bug

export interface ErrorDetails {
  /** Where the problem is: a file/URI, a cell index, a field path. */
  readonly uri?: string;
  readonly cellIndex?: number;
  readonly field?: string;
  readonly [key: string]: unknown;
}

export class NbcError extends Error {
  override readonly name = 'NbcError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isNbcError(err: unknown, code?: ErrorCode): err is NbcError {
  return err instanceof NbcError && (code === undefined || err.code === code);
}

/** Normalise anything thrown into an Error (non-Errors become E_INTERNAL with the value as cause). */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new NbcError('E_INTERNAL', `non-error thrown: ${String(err)}`, {}, { cause: err });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** CLI exit codes, as papermill's CLI uses them: 0 ok, 1 execution failure, 2 bad usage/input, 138 dead kernel. */
export const EXIT_OK = 0;
export const EXIT_EXECUTION_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_KERNEL_DIED = 138;
export const EXIT_INTERRUPTED = 130;

const EXIT_CODES: Record<ErrorCode, number> = {
  E_USAGE: EXIT_BAD_INPUT,
  E_CONFIG: EXIT_BAD_INPUT,
  E_NOTEBOOK_INVALID: EXIT_BAD_INPUT,
  E_PARAMETER: EXIT_BAD_INPUT,
  E_TRANSLATOR: EXIT_BAD_INPUT,
  E_TEMPLATE: EXIT_BAD_INPUT,
  E_KERNEL_NOT_FOUND: EXIT_BAD_INPUT,
  E_STORAGE_NOT_FOUND: EXIT_BAD_INPUT,
  E_STORAGE_EXISTS: EXIT_BAD_INPUT,
  E_STORAGE_UNSUPPORTED: EXIT_BAD_INPUT,
  E_NOT_ALLOWED: EXIT_BAD_INPUT,
  E_KERNEL_START: EXIT_EXECUTION_FAILED,
  E_KERNEL_DIED: EXIT_KERNEL_DIED,
  E_KERNEL_PROTOCOL: EXIT_EXECUTION_FAILED,
  E_CELL_ERROR: EXIT_EXECUTION_FAILED,
  E_CELL_TIMEOUT: EXIT_EXECUTION_FAILED,
  E_TOTAL_TIMEOUT: EXIT_EXECUTION_FAILED,
  E_STDIN: EXIT_EXECUTION_FAILED,
  E_ABORTED: EXIT_INTERRUPTED,
  E_STORAGE_AUTH: EXIT_EXECUTION_FAILED,
  E_STORAGE: EXIT_EXECUTION_FAILED,
  E_CONDUCTOR: EXIT_EXECUTION_FAILED,
  E_INTERNAL: EXIT_EXECUTION_FAILED,
};

export function exitCodeFor(err: unknown): number {
  return err instanceof NbcError ? EXIT_CODES[err.code] : EXIT_EXECUTION_FAILED;
}

/**
 * Conductor task status for a failure. Bad input is terminal (retrying cannot help); cell errors and
 * timeouts are plain FAILED so the task definition's retry policy decides; infrastructure faults are
 * FAILED and therefore retryable.
 */
export type FailureStatus = 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR';

const TASK_STATUSES: Record<ErrorCode, FailureStatus> = {
  E_USAGE: 'FAILED_WITH_TERMINAL_ERROR',
  E_CONFIG: 'FAILED_WITH_TERMINAL_ERROR',
  E_NOTEBOOK_INVALID: 'FAILED_WITH_TERMINAL_ERROR',
  E_PARAMETER: 'FAILED_WITH_TERMINAL_ERROR',
  E_TRANSLATOR: 'FAILED_WITH_TERMINAL_ERROR',
  E_TEMPLATE: 'FAILED_WITH_TERMINAL_ERROR',
  E_KERNEL_NOT_FOUND: 'FAILED_WITH_TERMINAL_ERROR',
  E_STORAGE_NOT_FOUND: 'FAILED_WITH_TERMINAL_ERROR',
  E_STORAGE_UNSUPPORTED: 'FAILED_WITH_TERMINAL_ERROR',
  E_NOT_ALLOWED: 'FAILED_WITH_TERMINAL_ERROR',
  E_STORAGE_EXISTS: 'FAILED',
  E_STORAGE_AUTH: 'FAILED',
  E_STORAGE: 'FAILED',
  E_KERNEL_START: 'FAILED',
  E_KERNEL_DIED: 'FAILED',
  E_KERNEL_PROTOCOL: 'FAILED',
  E_CELL_ERROR: 'FAILED',
  E_CELL_TIMEOUT: 'FAILED',
  E_TOTAL_TIMEOUT: 'FAILED',
  E_STDIN: 'FAILED',
  E_ABORTED: 'FAILED',
  E_CONDUCTOR: 'FAILED',
  E_INTERNAL: 'FAILED',
};

export function taskStatusFor(err: unknown): FailureStatus {
  return err instanceof NbcError ? TASK_STATUSES[err.code] : 'FAILED';
}
