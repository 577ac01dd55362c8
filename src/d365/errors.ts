/**
 * D365 answers → the app's error family. D365 puts the useful text (the Infolog) in
 * `error.innererror.message`; business rejections arrive as 400 or as 500 with an AxODataWriteException
 * ("Write failed for table row of type ... Infolog: ..."), and those must not be retried: the same write fails
 * the same way.
 */
import {
  AppError,
  ConcurrencyError,
  ConflictError,
  NotFoundError,
  ThrottledError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from "../platform/errors";

export interface D365ErrorBody {
  error?: { code?: string; message?: string; innererror?: { message?: string; type?: string } };
}

export interface D365ErrorInfo {
  status: number;
  method: string;
  entity: string;
  /** The most specific message D365 gave (innererror.message, else error.message). */
  message: string;
  /** The Infolog part of the message, when there is one. */
  infolog?: string;
  /** The field D365 named, when the message names one (e.g. "Item number", "Site"). */
  field?: string;
}

export function parseErrorBody(text: unknown): D365ErrorBody | undefined {
  if (typeof text !== "string" || !text.trim().startsWith("{"))
    return typeof text === "object" && text ? (text as D365ErrorBody) : undefined;
  try {
    return JSON.parse(text) as D365ErrorBody;
  } catch {
    return undefined;
  }
}

export function describeD365Error(status: number, method: string, entity: string, body: unknown): D365ErrorInfo {
  const parsed = parseErrorBody(body);
  const inner = parsed?.error?.innererror?.message;
  const outer = parsed?.error?.message;
  const message =
    inner?.trim() || outer?.trim() || (typeof body === "string" && body.trim() ? body.trim().slice(0, 500) : `HTTP ${status}`);
  const infolog = /Infolog:\s*([\s\S]*)$/.exec(message)?.[1]?.trim();
  const field =
    /field '([^']+)'/i.exec(message)?.[1] ??
    /Inventory dimension (\w+) is mandatory/i.exec(message)?.[1] ??
    /property (?:named )?'([^']+)'/i.exec(message)?.[1];
  return { status, method, entity, message, ...(infolog ? { infolog } : {}), ...(field ? { field } : {}) };
}

/** True when a 5xx answer is D365 rejecting the data (Infolog / write exception), not D365 being unwell. */
export function isBusinessRejection(body: unknown): boolean {
  const parsed = parseErrorBody(body);
  const inner = parsed?.error?.innererror;
  // A deadlock or SQL timeout inside a write is D365 being busy, not the data being wrong: retry helps.
  if (/deadlock|timeout expired|try again|connection.*(lost|broken)/i.test(inner?.message ?? "")) return false;
  return Boolean(inner && (/AxODataWriteException/.test(inner.type ?? "") || /Infolog:|Write failed/.test(inner.message ?? "")));
}

export function toAppError(status: number, method: string, entity: string, body: unknown, retryAfterMs?: number): AppError {
  const info = describeD365Error(status, method, entity, body);
  const text = `D365 ${method} ${entity} failed (${status}): ${info.message}`;
  const options = { where: info.field, details: { d365: info } as Record<string, unknown> };
  if (status === 429) return new ThrottledError("d365.throttled", text, retryAfterMs ?? 10_000, options);
  if (status === 401 || status === 403)
    return new UnauthorizedError(status === 401 ? "d365.unauthorized" : "d365.forbidden", text, options);
  if (status === 404) return new NotFoundError("d365.not-found", text, options);
  if (status === 412) return new ConcurrencyError("d365.etag-mismatch", text, options);
  if (/already exists/i.test(info.message)) return new ConflictError("d365.duplicate", text, options);
  if (status === 409) return new ConflictError("d365.conflict", text, options);
  if (status >= 500 && !isBusinessRejection(body)) return new UnavailableError("d365.unavailable", text, options);
  if (/ODataException|query specified in the URI is not valid|Could not find a property/i.test(JSON.stringify(body ?? ""))) {
    return new ValidationError("d365.bad-request", text, options);
  }
  return new ValidationError("d365.rejected", text, options);
}

/** The D365 facts carried by an error this module made, if any. */
export function d365ErrorInfo(err: unknown): D365ErrorInfo | undefined {
  return err instanceof AppError ? (err.details?.d365 as D365ErrorInfo | undefined) : undefined;
}
