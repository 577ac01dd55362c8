/** Maps @azure/core-rest-pipeline RestErrors (Tables, Blobs, Key Vault) to the app's error family. */
import {
  AppError,
  ConcurrencyError,
  ConflictError,
  ConfigurationError,
  NotFoundError,
  ThrottledError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from "../errors";

export interface RestErrorLike {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string } | unknown;
  response?: { headers?: { get(name: string): string | undefined } };
  message?: string;
}

export function statusOf(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as RestErrorLike).statusCode : undefined;
}

export function errorCodeOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as RestErrorLike;
  const details = e.details as { errorCode?: string } | undefined;
  return details?.errorCode ?? e.code;
}

/** A first line of the service's message (the rest is request ids and XML). */
function shortMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0]!.slice(0, 300);
}

/**
 * `what` names the thing being accessed ("table amzruns", "secret d365-client-secret"); the message never
 * includes entity values.
 */
export function mapRestError(err: unknown, codePrefix: string, what: string): AppError {
  if (err instanceof AppError) return err;
  const status = statusOf(err);
  const code = errorCodeOf(err);
  const msg = `${what}: ${shortMessage(err)}`;
  const opts = { where: what, cause: err, details: { status, code } };
  switch (status) {
    case 400:
      return new ValidationError(`${codePrefix}.invalid`, msg, opts);
    case 401:
    case 403:
      return new UnauthorizedError(
        `${codePrefix}.forbidden`,
        `${msg} (does the app's identity have the data role on this resource? See the README's role list)`,
        opts,
      );
    case 404:
      return new NotFoundError(`${codePrefix}.notFound`, msg, opts);
    case 409:
      return new ConflictError(`${codePrefix}.exists`, msg, opts);
    case 412:
      return new ConcurrencyError(`${codePrefix}.etagMismatch`, `${what} was changed by someone else`, opts);
    case 429: {
      const retryAfter = Number((err as RestErrorLike).response?.headers?.get("retry-after"));
      return new ThrottledError(
        `${codePrefix}.throttled`,
        msg,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000,
        opts,
      );
    }
    default:
      if (status === undefined && (code === "ENOTFOUND" || code === "EAI_AGAIN")) {
        return new ConfigurationError(`${codePrefix}.hostUnknown`, `${msg} (check the account name / endpoint setting)`, opts);
      }
      return new UnavailableError(`${codePrefix}.unavailable`, msg, opts);
  }
}
