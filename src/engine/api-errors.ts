/**
 * Errors that map to Conductor's HTTP answers (`ApplicationExceptionMapper`): NotFoundException → 404,
 * ConflictException → 409, IllegalArgumentException / validation → 400, IllegalStateException and
 * everything else → 500.
 */
export interface ValidationError {
  path: string;
  message: string;
  invalidValue?: unknown;
}

export class ApiError extends Error {
  override readonly name: string = 'ApiError';

  constructor(
    readonly status: number,
    message: string,
    readonly validationErrors?: ValidationError[],
  ) {
    super(message);
  }
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  constructor(message: string) {
    super(404, message);
  }
}

export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super(409, message);
  }
}

export class BadRequestError extends ApiError {
  override readonly name = 'BadRequestError';
  constructor(message: string, validationErrors?: ValidationError[]) {
    super(400, message, validationErrors);
  }
}

/** Conductor's IllegalStateException, which its REST layer answers with 500. */
export class IllegalStateError extends ApiError {
  override readonly name = 'IllegalStateError';
  constructor(message: string) {
    super(500, message);
  }
}

export const VALIDATION_FAILED = 'Validation failed, check below errors for detail.';
