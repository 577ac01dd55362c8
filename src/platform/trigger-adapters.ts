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
 * preview package for Node.js). So:
 *  - messages that can NEVER succeed as they are (invalid body, ValidationError, MappingGapError,
 *    NotFoundError, ConflictError, a ZodError from the handler) are PARKED as a parked message
 *    (platform/parked-messages.ts) with a reason, a telemetry event `message.parked` is written, and the
 *    handler returns normally so that the message is completed. After the fix, the admin replays it
 *    (POST /api/deadletters/{queue}/{messageId}/replay).
 *  - everything else (retryable errors: throttling, unavailability, lost ETag races, unknown errors; and
 *    configuration/authorisation/internal errors, which a person fixes without changing the message) is
 *    RETHROWN: the bus abandons and redelivers it, and after maxDeliveryCount attempts it lands in the real
 *    dead-letter queue, which GET /api/deadletters shows and the replay endpoints resend.
 * The local in-memory bus behaves the same way (throw = abandon, maxDeliveryCount -> dead-letter).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { ZodError, type z } from "zod";
import type { Clock } from "./clock";
import {
  AppError,
  ConflictError,
  InternalError,
  MappingGapError,
  NotFoundError,
  ThrottledError,
  ValidationError,
  describeError,
  isRetryable,
} from "./errors";
import type { DeliveryInfo, StateStore } from "./ports";
import { parkMessage, type ParkReason } from "./parked-messages";
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
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ValidationError(
      "http.invalidJson",
      `The request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationFromZod(parsed.error, "request body");
  return parsed.data;
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

export interface QueueDeps {
  state: StateStore;
  /** The telemetry, or how to get one for this delivery (its base properties: queue and messageId). */
  telemetry: Telemetry | ((base: { queue: string; messageId: string }) => Telemetry);
  clock?: Clock;
  /** The queue's maxDeliveryCount, to say when a failure is the last try (default 10). */
  maxDeliveryCount?: number;
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
  | { status: "parked"; messageId: string; reason: ParkReason; code: string };

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
  return info;
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

function resolveDeps(
  queue: string,
  messageId: string,
  given: QueueDeps,
): { state: StateStore; telemetry: Telemetry; clock?: Clock; maxDeliveryCount: number } {
  return {
    state: given.state,
    telemetry: typeof given.telemetry === "function" ? given.telemetry({ queue, messageId }) : given.telemetry,
    maxDeliveryCount: given.maxDeliveryCount ?? 10,
    clock: given.clock,
  };
}

/**
 * Parses and handles one queue message. Returns normally when the message should be completed (handled,
 * or parked); throws when the bus should abandon and redeliver it.
 */
export async function handleQueueMessage<T, R>(options: HandleQueueMessageOptions<T, R>): Promise<QueueOutcome<R>> {
  const { queue, context, schema, handle } = options;
  const delivery = deliveryInfo(context);
  const deps = resolveDeps(queue, delivery.messageId, options.deps);
  const body = normaliseBody(options.body);

  const park = async (reason: ParkReason, err: AppError | ZodError): Promise<QueueOutcome<R>> => {
    const e = err instanceof ZodError ? validationFromZod(err, reason === "invalid-message" ? "message" : "data") : err;
    await parkMessage(
      deps.state,
      {
        queue,
        messageId: delivery.messageId,
        body,
        reason,
        description: e.message,
        code: e.code,
        ...(e.where !== undefined ? { where: e.where } : {}),
        ...(e instanceof MappingGapError && e.suggestion !== undefined ? { suggestion: e.suggestion } : {}),
        deliveryCount: delivery.deliveryCount,
      },
      deps.clock,
    );
    deps.telemetry.event("message.parked", {
      queue,
      messageId: delivery.messageId,
      reason,
      code: e.code,
      deliveryCount: delivery.deliveryCount,
    });
    return { status: "parked", messageId: delivery.messageId, reason, code: e.code };
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
    const last = delivery.deliveryCount >= (deps.maxDeliveryCount ?? 10);
    deps.telemetry.log(last ? "error" : "warn", "message.failed", {
      queue,
      messageId: delivery.messageId,
      deliveryCount: delivery.deliveryCount,
      retryable: isRetryable(err),
      error: describeError(err),
      ...(err instanceof AppError ? { code: err.code } : {}),
    });
    if (last)
      deps.telemetry.event("message.deadLettering", { queue, messageId: delivery.messageId, deliveryCount: delivery.deliveryCount });
    throw err;
  }
}
