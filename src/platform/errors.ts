/**
 * The app's error family. Every error says what happened (a stable `code` and a message a person can act
 * on) and whether trying again can help. Trigger adapters map them: HTTP status, message abandon vs
 * dead-letter, orchestration failure.
 */
export type ErrorKind =
  | "validation"
  | "not-found"
  | "conflict"
  | "concurrency"
  | "throttled"
  | "unavailable"
  | "mapping-gap"
  | "configuration"
  | "unauthorized"
  | "internal";

export interface AppErrorOptions {
  /** Where the problem is: a setting name, a JSON path, a file and line. */
  where?: string;
  /** Extra facts for logs and parked messages. Never secrets or buyer PII. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;
  /** True when the same call may succeed later without anyone changing anything. */
  abstract readonly retryable: boolean;
  abstract readonly httpStatus: number;
  readonly code: string;
  readonly where?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.where = options.where;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.code,
      kind: this.kind,
      message: this.message,
      where: this.where,
      retryable: this.retryable,
      details: this.details,
    };
  }
}

/** Bad input: a 400, a dead-letter, never retried. */
export class ValidationError extends AppError {
  readonly kind = "validation" as const;
  readonly retryable = false;
  readonly httpStatus = 400;
}

/** A request body larger than the endpoint reads: 413, never retried as it is. */
export class PayloadTooLargeError extends AppError {
  readonly kind = "validation" as const;
  readonly retryable = false;
  readonly httpStatus = 413;
}

export class NotFoundError extends AppError {
  readonly kind = "not-found" as const;
  readonly retryable = false;
  readonly httpStatus = 404;
}

/** The thing exists already or is in a state that forbids the change. */
export class ConflictError extends AppError {
  readonly kind = "conflict" as const;
  readonly retryable = false;
  readonly httpStatus = 409;
}

/** An optimistic-concurrency (ETag) race was lost: read again and retry. */
export class ConcurrencyError extends AppError {
  readonly kind = "concurrency" as const;
  readonly retryable = true;
  readonly httpStatus = 409;
}

/** The other side asked us to slow down; `retryAfterMs` is what it said (or our estimate). */
export class ThrottledError extends AppError {
  readonly kind = "throttled" as const;
  readonly retryable = true;
  readonly httpStatus = 429;
  readonly retryAfterMs: number;
  constructor(code: string, message: string, retryAfterMs: number, options: AppErrorOptions = {}) {
    super(code, message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The other side is down, timed out or reset the connection: retry with backoff. */
export class UnavailableError extends AppError {
  readonly kind = "unavailable" as const;
  readonly retryable = true;
  readonly httpStatus = 503;
}

/** Data we cannot map (unknown SKU, unknown settlement line type): needs a person to fix a mapping. */
export class MappingGapError extends AppError {
  readonly kind = "mapping-gap" as const;
  readonly retryable = false;
  readonly httpStatus = 422;
  /** A rule the admin could add to the mapping file to close the gap. */
  readonly suggestion?: unknown;
  constructor(code: string, message: string, options: AppErrorOptions & { suggestion?: unknown } = {}) {
    super(code, message, options);
    this.suggestion = options.suggestion;
  }
}

/** A missing or invalid setting: stops startup with the setting's name. */
export class ConfigurationError extends AppError {
  readonly kind = "configuration" as const;
  readonly retryable = false;
  readonly httpStatus = 500;
}

export class UnauthorizedError extends AppError {
  readonly kind = "unauthorized" as const;
  readonly retryable = false;
  readonly httpStatus = 401;
}

export class InternalError extends AppError {
  readonly kind = "internal" as const;
  readonly retryable = false;
  readonly httpStatus = 500;
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** True when retrying the same operation may help (unknown errors count as transient). */
export function isRetryable(err: unknown): boolean {
  return isAppError(err) ? err.retryable : true;
}

/** A message safe for logs: the error's message without stack or nested request data. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
