/** SP-API answers → the app's error family (src/platform/errors.ts). */
import {
  type AppError,
  ConflictError,
  InternalError,
  NotFoundError,
  ThrottledError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from "../platform/errors";

export interface SpApiErrorDetail {
  code: string;
  message: string;
  details?: string;
}

export function amazonErrors(body: unknown): SpApiErrorDetail[] {
  const errs = (body as { errors?: unknown })?.errors;
  if (!Array.isArray(errs)) return [];
  return errs
    .filter((e): e is Record<string, unknown> => !!e && typeof e === "object")
    .map((e) => ({ code: String(e.code ?? ""), message: String(e.message ?? ""), ...(e.details ? { details: String(e.details) } : {}) }));
}

/**
 * Maps a non-2xx answer: 429 → ThrottledError (retry after the time one token takes), 5xx → UnavailableError,
 * 400 (and 413 too large, 415 unsupported format) → ValidationError with Amazon's error details, 401/403 → UnauthorizedError, 404 → NotFoundError,
 * 409 → ConflictError.
 */
export function errorFromResponse(operation: string, status: number, body: unknown, retryAfterMs: number): AppError {
  const errs = amazonErrors(body);
  const summary = errs.length
    ? errs.map((e) => `${e.code}: ${e.message}${e.details ? ` (${e.details})` : ""}`).join("; ")
    : `HTTP ${status}`;
  const options = { where: `SP-API ${operation}`, details: { status, errors: errs } };
  if (status === 429) return new ThrottledError("spapi.throttled", `SP-API ${operation} is throttled (${summary})`, retryAfterMs, options);
  if (status >= 500) return new UnavailableError("spapi.unavailable", `SP-API ${operation} is unavailable (${summary})`, options);
  if (status === 400 || status === 413 || status === 415)
    return new ValidationError("spapi.invalidInput", `SP-API ${operation} refused the request: ${summary}`, options);
  if (status === 401 || status === 403)
    return new UnauthorizedError("spapi.unauthorized", `SP-API ${operation} denied access: ${summary}`, options);
  if (status === 404) return new NotFoundError("spapi.notFound", `SP-API ${operation}: ${summary}`, options);
  if (status === 409) return new ConflictError("spapi.conflict", `SP-API ${operation}: ${summary}`, options);
  return new InternalError("spapi.unexpectedStatus", `SP-API ${operation} answered ${status}: ${summary}`, options);
}

/** Network failures (reset, refused, timeout) are transient. */
export function errorFromNetwork(operation: string, err: unknown): AppError {
  const e = err as { code?: string; message?: string };
  return new UnavailableError(
    "spapi.network",
    `SP-API ${operation} could not be reached: ${e?.code ?? ""} ${e?.message ?? String(err)}`.trim(),
    {
      where: `SP-API ${operation}`,
      cause: err,
    },
  );
}
