/**
 * What function files use to turn outcomes into what their trigger expects.
 *
 * HTTP:   try { const body = await parseJsonBody(request, Schema); ... } catch (err) { return httpError(err); }
 *         or wrap the whole handler: app.http("x", { handler: withHttpErrors(async (req, ctx) => ...) })
 *
 * Queues: handler: (message, context) => handleQueueMessage({ queue: config().QUEUE_ORDER_IMPORT, body: message,
 *                    context, schema: OrderImportMessage, handle: (cmd, delivery) => importOrder(cmd, deps) })
 *
 * DECISION (queue outcomes). The classic Service Bus trigger cannot dead-letter a message itself: success
 * completes it, a thrown error abandons it, and only the queue's maxDeliveryCount moves it to the
 * dead-letter queue (the SDK-type Service Bus binding, whose message actions could dead-letter, is a 0.x
 * preview package for Node.js). And Service Bus redelivers an abandoned message AT ONCE: abandoning is no
 * backoff, and an outage of a few minutes would use up maxDeliveryCount in seconds. So:
 *  - messages that can NEVER succeed as they are (invalid body, ValidationError, MappingGapError,
 *    NotFoundError, ConflictError, a ZodError from the handler) are PARKED as a parked message
 *    (platform/parked-messages.ts) with a reason, a telemetry event `message.parked` is written, and the
 *    handler returns normally so that the message is completed. After the fix, the admin replays it
 *    (POST /api/deadletters/{queue}/{messageId}/replay).
 *  - everything else (throttling, unavailability, lost ETag races, unknown errors; and configuration,
 *    authorisation and internal errors, which a person fixes without changing the message) is RETRIED LATER:
 *    a copy of the message is scheduled (scheduledEnqueueTimeUtc) after a backoff with jitter, or after the
 *    error's `retryAfterMs` (D365's Retry-After, SP-API throttling, another worker's lease), capped by
 *    QUEUE_RETRY_MAX_DELAY_SECONDS, and the message itself is completed. The copy carries the attempt in its
 *    application properties (`retryAttempt`, `retryOf`) and the id `<original>:retry:<attempt>`, so a
 *    redelivered original (a crash after the copy was sent) schedules the same id again and duplicate detection
 *    drops it. After QUEUE_RETRY_MAX_ATTEMPTS attempts the message is parked with reason `retries-exhausted`
 *    and its last error (event `message.retriesExhausted`): a person sees it in /api/deadletters and replays it.
 *  - if the copy cannot be scheduled, the error is RETHROWN: the bus redelivers the message (nothing is lost),
 *    and after maxDeliveryCount deliveries it lands in the real dead-letter queue, which GET /api/deadletters
 *    shows and the replay endpoints resend.
 * The local in-memory bus behaves the same way (throw = abandon and redeliver at once, maxDeliveryCount ->
 * dead-letter, scheduled messages).
 */
import { createHash } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { ZodError, type z } from "zod";
import type { Clock } from "./clock";
import {
  AppError,
  ConflictError,
  InternalError,
  MappingGapError,
  NotFoundError,
  PayloadTooLargeError,
  ThrottledError,
  ValidationError,
  describeError,
  isRetryable,
} from "./errors";
import type { DeliveryInfo, MessageBus, OutgoingMessage, StateStore } from "./ports";
import { parkMessage, type ParkReason } from "./parked-messages";
import { parseJsonText } from "./safe-json";
import { redact, type Telemetry } from "./telemetry";

// -------------------------------------------------------------------------------------------------------
// HTTP

export interface ZodIssueSummary {
  path: string;
  message: string;
}

export function zodIssues(err: ZodError): ZodIssueSummary[] {
  return err.issues.map((i) => ({ path: i.path.length ? i.path.map(String).join(".") : "(root)", message: i.message }));
}

/**
 * An HTTP request's query parameters as a plain object for a zod schema, without `code`: Azure takes the function
 * key there too, so a strict schema must not see it as an unknown parameter.
 */
export function queryParams(query: URLSearchParams): Record<string, string> {
  const out = Object.fromEntries(query.entries());
  delete out.code;
  return out;
}

/** A ZodError as a ValidationError that names the paths (for messages and HTTP bodies alike). */
export function validationFromZod(err: ZodError, what = "input"): ValidationError {
  const issues = zodIssues(err);
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join("; ");
  return new ValidationError(
    "validation.invalid",
    `Invalid ${what}: ${summary}${issues.length > 5 ? ` (+${issues.length - 5} more)` : ""}`,
    {
      where: issues[0]?.path,
      details: { issues },
    },
  );
}

/**
 * An error as an HTTP answer: AppError -> its status with { error, message, where } (plus issues for
 * validation and Retry-After for throttling); ZodError -> 400 with the issue paths; anything else -> 500
 * without internals. Messages are redacted.
 */
export function httpError(err: unknown, invocationId?: string): HttpResponseInit {
  if (err instanceof ZodError) err = validationFromZod(err, "request");
  if (err instanceof AppError && !(err instanceof InternalError)) {
    const issues = (err.details as { issues?: unknown } | undefined)?.issues;
    const jsonBody: Record<string, unknown> = {
      error: err.code,
      message: String(redact(err.message)),
      ...(err.where !== undefined ? { where: String(redact(err.where)) } : {}),
      ...(issues !== undefined ? { issues } : {}),
      ...(err instanceof MappingGapError && err.suggestion !== undefined ? { suggestion: redact(err.suggestion) } : {}),
      retryable: err.retryable,
    };
    const headers: Record<string, string> = {};
    if (err instanceof ThrottledError) headers["Retry-After"] = String(Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
    return { status: err.httpStatus, jsonBody, ...(Object.keys(headers).length ? { headers } : {}) };
  }
  return {
    status: 500,
    jsonBody: {
      error: "internal",
      message: `Unexpected error${invocationId ? ` (invocation ${invocationId})` : ""}; the details are in the logs`,
      retryable: true,
    },
  };
}

/** Reads the request body as JSON and validates it; throws ValidationError (-> 400) with the paths. */
export async function parseJsonBody<S extends z.ZodType>(request: Pick<HttpRequest, "text">, schema: S): Promise<z.infer<S>> {
  const raw = await request.text();
  if (!raw.trim()) throw new ValidationError("http.emptyBody", "The request body is empty; a JSON body is expected");
  const value = parseJsonText(raw, { what: "The request body", code: "http.invalidJson" });
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationFromZod(parsed.error, "request body");
  return parsed.data;
}

/**
 * The request body as text, read only up to `maxBytes`: a declared Content-Length above it is refused before a byte
 * is read, and a body that grows past it while streaming is cut off (413 with a message). With HTTP streams on
 * (src/index.ts) the body comes from the socket as it is read, so a large body never sits in memory.
 */
export async function readBodyText(request: Pick<HttpRequest, "headers" | "body" | "text">, maxBytes: number): Promise<string> {
  const tooLarge = (size: string) =>
    new PayloadTooLargeError("http.bodyTooLarge", `The request body is ${size}; this endpoint reads at most ${maxBytes} bytes`, {
      where: "body",
    });
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(`${declared} bytes`);
  const stream = request.body;
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(`larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/** Wraps an HTTP handler: thrown errors become httpError answers; unexpected ones are logged (redacted). */
export function withHttpErrors(handler: HttpHandler, telemetryOf: (context: InvocationContext) => Telemetry): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (err) {
      const response = httpError(err, context.invocationId);
      if (response.status === undefined || response.status >= 500) {
        telemetryOf(context).log("error", "http.failed", { function: context.functionName, error: describeError(err) });
      }
      return response;
    }
  };
}

// -------------------------------------------------------------------------------------------------------
// Queues

/** The part of InvocationContext a queue handler needs (tests may pass a real InvocationContext). */
export interface QueueContext {
  invocationId: string;
  triggerMetadata?: Record<string, unknown>;
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** How a message whose failure may pass is tried again (QUEUE_RETRY_* settings). */
export interface QueueRetryPolicy {
  /** Attempts before the message is parked, the first included. */
  maxAttempts: number;
  /** Wait before the first retry; doubles per attempt (equal jitter). */
  baseDelayMs: number;
  /** Longest wait, also for a Retry-After the error carries. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: QueueRetryPolicy = { maxAttempts: 30, baseDelayMs: 10_000, maxDelayMs: 600_000 };

export interface QueueDeps {
  state: StateStore;
  /** The telemetry, or how to get one for this delivery (its base properties: queue and messageId). */
  telemetry: Telemetry | ((base: { queue: string; messageId: string }) => Telemetry);
  clock?: Clock;
  /** The queue's maxDeliveryCount, to say when a failure is the last try (default 10). */
  maxDeliveryCount?: number;
  /**
   * Where the scheduled copy of a failed message goes (the app's bus). Without it a failure that may pass is
   * rethrown, and the bus redelivers the message at once.
   */
  bus?: MessageBus;
  retry?: QueueRetryPolicy;
  /** The bus's time in ms (scheduled enqueue times are the broker's UTC, not the app's business clock). Default Date.now. */
  now?: () => number;
  /** Jitter source, [0, 1). Default Math.random. */
  random?: () => number;
}

/**
 * How a queue's messages are validated: a zod schema, or anything with the same safeParse (a notification is
 * checked against Amazon's published JSON Schema instead). A failure parks the message as invalid.
 */
export interface MessageSchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: ZodError | AppError };
}

export interface HandleQueueMessageOptions<T, R> {
  /** The queue's name (the configured value, e.g. config().QUEUE_ORDER_IMPORT). */
  queue: string;
  /** The trigger's payload as the host hands it over (object, string or bytes). */
  body: unknown;
  context: QueueContext;
  schema: MessageSchema<T>;
  handle: (message: T, delivery: DeliveryInfo) => Promise<R>;
  /** The wiring's queueDeps(app, context) in function files; fakes in tests. */
  deps: QueueDeps;
}

export type QueueOutcome<R> =
  | { status: "completed"; messageId: string; result: R }
  | { status: "parked"; messageId: string; reason: ParkReason; code: string }
  | { status: "retry-scheduled"; messageId: string; retryMessageId: string; attempt: number; delayMs: number; code: string };

/** Application properties the retry copies carry (camelCase: the worker lower-cases a leading capital). */
export const RETRY_ATTEMPT_PROPERTY = "retryAttempt";
export const RETRY_OF_PROPERTY = "retryOf";

/**
 * The delivery facts the classic trigger puts in triggerMetadata: the host's Service Bus extension (5.x) passes
 * messageId, deliveryCount, enqueuedTimeUtc, applicationProperties and more, camel-cased by the worker.
 */
export function deliveryInfo(context: QueueContext): DeliveryInfo {
  const m = context.triggerMetadata ?? {};
  const enqueued = m.enqueuedTimeUtc ?? m.enqueuedTime;
  const messageId = m.messageId === undefined || m.messageId === null ? `invocation-${context.invocationId}` : String(m.messageId);
  const info: DeliveryInfo = { messageId, deliveryCount: Number(m.deliveryCount ?? 1) || 1 };
  if (enqueued !== undefined) {
    const d = new Date(enqueued as string);
    if (!Number.isNaN(d.getTime())) info.enqueuedTime = d;
  }
  if (m.applicationProperties && typeof m.applicationProperties === "object")
    info.applicationProperties = m.applicationProperties as Record<string, unknown>;
  const props = info.applicationProperties ?? {};
  const earlier = Number(props[RETRY_ATTEMPT_PROPERTY] ?? 0);
  info.attempt = Number.isInteger(earlier) && earlier > 0 ? earlier + 1 : 1;
  const original = props[RETRY_OF_PROPERTY];
  info.originalMessageId = typeof original === "string" && original ? original : messageId;
  return info;
}

const MAX_MESSAGE_ID = 128;

/**
 * The id of the copy that makes attempt `attempt` (2, 3, ...) of the message first sent as `original`:
 * `<original>:retry:<attempt>`, or a hash of the original when that would pass Service Bus' 128 characters. The same
 * inputs always give the same id, so duplicate detection drops a second copy of the same attempt.
 */
export function retryMessageId(original: string, attempt: number): string {
  const suffix = `:retry:${attempt}`;
  const id = original + suffix;
  if (id.length <= MAX_MESSAGE_ID) return id;
  return `${createHash("sha256").update(original).digest("hex").slice(0, 40)}${suffix}`;
}

/** How long the error asked us to wait (a ThrottledError's Retry-After, another worker's lease), if it says. */
export function retryAfterOf(err: unknown): number | undefined {
  const v = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/**
 * The wait before attempt `failures + 1`: base * 2^(failures-1) with equal jitter (half fixed, half random), at
 * least the error's Retry-After (plus up to 10 %, so that throttled messages do not all return together), and
 * never more than maxDelayMs.
 */
export function retryDelayMs(
  failures: number,
  policy: QueueRetryPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  const backoff = exp / 2 + (random() * exp) / 2;
  const wanted = retryAfterMs === undefined ? backoff : Math.max(backoff, retryAfterMs * (1 + random() * 0.1));
  return Math.round(Math.min(policy.maxDelayMs, wanted));
}

function scalarProperties(props: Record<string, unknown> | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(props ?? {})) {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
  }
  return out;
}

/** The host parses JSON bodies already; bytes and JSON text from other senders are parsed here. */
export function normaliseBody(body: unknown): unknown {
  if (body instanceof Uint8Array) body = Buffer.from(body).toString("utf8");
  if (typeof body === "string") {
    try {
      return JSON.parse(body);
    } catch {
      return body;
    }
  }
  return body;
}

/** Which errors park a message (it cannot succeed unchanged) and under which reason. */
export function parkReasonFor(err: unknown): ParkReason | undefined {
  if (err instanceof MappingGapError) return "mapping-gap";
  if (err instanceof ValidationError || err instanceof ZodError) return "validation";
  if (err instanceof NotFoundError) return "not-found";
  if (err instanceof ConflictError) return "conflict";
  return undefined;
}

function resolveDeps(queue: string, messageId: string, given: QueueDeps) {
  return {
    state: given.state,
    telemetry: typeof given.telemetry === "function" ? given.telemetry({ queue, messageId }) : given.telemetry,
    maxDeliveryCount: given.maxDeliveryCount ?? 10,
    clock: given.clock,
    retry: given.retry ?? DEFAULT_RETRY_POLICY,
    now: given.now ?? Date.now,
    random: given.random ?? Math.random,
  };
}

/**
 * Parses and handles one queue message. Returns normally when the message should be completed (handled,
 * parked, or retried by a scheduled copy); throws when the bus should abandon and redeliver it.
 */
export async function handleQueueMessage<T, R>(options: HandleQueueMessageOptions<T, R>): Promise<QueueOutcome<R>> {
  const { queue, context, schema, handle } = options;
  const delivery = deliveryInfo(context);
  const deps = resolveDeps(queue, delivery.messageId, options.deps);
  const body = normaliseBody(options.body);
  const attempt = delivery.attempt ?? 1;
  const retries = "bus" in options.deps;
  delivery.lastAttempt = retries ? attempt >= deps.retry.maxAttempts : delivery.deliveryCount >= deps.maxDeliveryCount;

  const park = async (
    reason: ParkReason,
    err: AppError | ZodError,
    description?: string,
    messageId = delivery.messageId,
  ): Promise<QueueOutcome<R>> => {
    const e = err instanceof ZodError ? validationFromZod(err, reason === "invalid-message" ? "message" : "data") : err;
    await parkMessage(
      deps.state,
      {
        queue,
        messageId,
        body,
        reason,
        description: description ?? e.message,
        code: e.code,
        ...(e.where !== undefined ? { where: e.where } : {}),
        ...(e instanceof MappingGapError && e.suggestion !== undefined ? { suggestion: e.suggestion } : {}),
        deliveryCount: delivery.deliveryCount,
      },
      deps.clock,
    );
    deps.telemetry.event("message.parked", { queue, messageId, reason, code: e.code, deliveryCount: delivery.deliveryCount, attempt });
    return { status: "parked", messageId, reason, code: e.code };
  };

  const parsed = schema.safeParse(body);
  if (!parsed.success) return park("invalid-message", parsed.error);

  try {
    const result = await handle(parsed.data, delivery);
    // One line per handled message: with the trace id (platform/trace.ts), each step of a message's path shows.
    deps.telemetry.log("info", "message.handled", { queue, messageId: delivery.messageId, deliveryCount: delivery.deliveryCount });
    return { status: "completed", messageId: delivery.messageId, result };
  } catch (err) {
    const reason = parkReasonFor(err);
    if (reason) return park(reason, err as AppError | ZodError);
    const code = err instanceof AppError ? err.code : "unexpected";
    const failure = {
      queue,
      messageId: delivery.messageId,
      deliveryCount: delivery.deliveryCount,
      attempt,
      retryable: isRetryable(err),
      error: describeError(err),
      code,
    };
    if (retries) {
      const original = delivery.originalMessageId ?? delivery.messageId;
      if (attempt >= deps.retry.maxAttempts) {
        deps.telemetry.log("error", "message.failed", failure);
        deps.telemetry.event("message.retriesExhausted", { queue, messageId: original, attempt, code });
        const last = err instanceof AppError ? err : new InternalError(code, describeError(err));
        const description = `Gave up after ${attempt} attempts; the last one failed with: ${describeError(err)}`;
        return park("retries-exhausted", last, description, original);
      }
      const delayMs = retryDelayMs(attempt, deps.retry, retryAfterOf(err), deps.random);
      const retryId = retryMessageId(original, attempt + 1);
      const meta = context.triggerMetadata ?? {};
      const copy: OutgoingMessage = {
        messageId: retryId,
        body,
        ...(typeof meta.subject === "string" ? { subject: meta.subject } : {}),
        ...(typeof meta.correlationId === "string" ? { correlationId: meta.correlationId } : {}),
        applicationProperties: {
          ...scalarProperties(delivery.applicationProperties),
          [RETRY_OF_PROPERTY]: original,
          [RETRY_ATTEMPT_PROPERTY]: attempt,
          retryCode: code,
        },
        scheduledEnqueueTime: new Date(deps.now() + delayMs),
      };
      try {
        const bus = options.deps.bus;
        if (!bus) throw new Error("no bus to schedule the retry on");
        await bus.send(queue, copy);
      } catch (sendErr) {
        // Nothing is lost: the bus delivers this message again (at once) and the next delivery tries again.
        deps.telemetry.log("error", "message.retryNotScheduled", { ...failure, sendError: describeError(sendErr) });
        throw err;
      }
      deps.telemetry.log("warn", "message.failed", { ...failure, retryMessageId: retryId, retryInMs: delayMs });
      deps.telemetry.event("message.retryScheduled", {
        queue,
        messageId: delivery.messageId,
        retryMessageId: retryId,
        attempt,
        delayMs,
        code,
      });
      return { status: "retry-scheduled", messageId: delivery.messageId, retryMessageId: retryId, attempt, delayMs, code };
    }
    const last = delivery.deliveryCount >= deps.maxDeliveryCount;
    deps.telemetry.log(last ? "error" : "warn", "message.failed", failure);
    if (last)
      deps.telemetry.event("message.deadLettering", { queue, messageId: delivery.messageId, deliveryCount: delivery.deliveryCount });
    throw err;
  }
}
