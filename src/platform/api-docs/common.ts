/**
 * Schemas several routes share: the error body every HTTP function answers with (httpError in
 * platform/trigger-adapters.ts), and small building blocks of route descriptions.
 */
import { z } from "zod";

/** The body of every 4xx/5xx answer (httpError). */
export const ErrorBody = z
  .object({
    error: z.string().meta({ title: "Error Code", description: "A stable code, e.g. validation.invalid, settlement.not-found" }),
    message: z.string().meta({ description: "What is wrong, in words a person can act on" }),
    where: z.string().optional().meta({ description: "The field or parameter at fault" }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "Every validation issue, with its path" }),
    suggestion: z.unknown().optional().meta({ description: "For a mapping gap: the mapping rule that would fix it" }),
    retryable: z.boolean().meta({ description: "Whether the same call can succeed later" }),
  })
  .meta({ description: "An error" });

export const ERROR_EXAMPLE = {
  error: "validation.invalid",
  message: "Invalid request body: from: Invalid ISO datetime",
  where: "from",
  issues: [{ path: "from", message: "Invalid ISO datetime" }],
  retryable: false,
} satisfies z.input<typeof ErrorBody>;

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "The request is invalid (the body says which field and why)",
  401: "Missing or wrong key",
  403: "Not allowed",
  404: "Not found",
  409: "Conflict with the current state (e.g. a settlement that is not waiting for approval)",
  422: "The request is well-formed but cannot be processed",
  429: "Throttled; Retry-After says when to try again",
  500: "Unexpected error; the details are in the app's logs",
  502: "Every part of the work failed (see the body)",
  503: "A dependency is unavailable; try again later",
};
