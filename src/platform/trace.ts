/**
 * One correlation id per piece of work: the W3C trace context (`traceparent`, version 00). Every function
 * invocation runs inside a trace (the preInvocation hook in src/index.ts starts it: from the message's
 * `traceparent` application property, the HTTP request's `traceparent` header, or the host's own trace
 * context, else a new one), and what the invocation does carries it on:
 *  - messages it sends: application properties `traceparent` and `Diagnostic-Id` (the name the Service Bus
 *    SDK and the Functions host use to correlate a message with its sender in Application Insights);
 *  - orchestrations it starts and the activities they call (platform/durable.ts carries it in their inputs);
 *  - HTTP calls to D365 and SP-API: the `traceparent` header;
 *  - every log line, event and metric: `traceId` and `spanId`.
 * So one order or settlement can be followed across functions: in Application Insights, the operation id of
 * the host's records is the trace id, and `traceId` in the app's JSON lines is the same value
 * (docs/telemetry.md). The current trace lives in an AsyncLocalStorage, so nothing needs to pass it by hand.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { MessageBus, OutgoingMessage } from "./ports";

export interface TraceContext {
  /** 32 hex digits, the same in every step of the work. */
  traceId: string;
  /** 16 hex digits, this step's own id. */
  spanId: string;
  /** The sampled flag of the caller (01 unless it said otherwise). */
  flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A `traceparent` value as W3C Trace Context level 1 reads it; undefined when it is not one. */
export function parseTraceparent(value: unknown): TraceContext | undefined {
  if (typeof value !== "string") return undefined;
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version ff is invalid; version 00 has nothing after the flags; all-zero ids are invalid.
  if (version === "ff" || (version === "00" && rest) || /^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, flags: flags! };
}

export function formatTraceparent(t: TraceContext): string {
  return `00-${t.traceId}-${t.spanId}-${t.flags}`;
}

function randomHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString("hex");
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** A new trace (the start of a piece of work nobody else started). */
export function newTrace(): TraceContext {
  return { traceId: randomHex(16), spanId: randomHex(8), flags: "01" };
}

/** The next step of the same trace: same trace id, a span id of its own. */
export function childOf(parent: TraceContext): TraceContext {
  return { traceId: parent.traceId, spanId: randomHex(8), flags: parent.flags };
}

const storage = new AsyncLocalStorage<TraceContext>();

/** Runs `fn` (and everything it awaits or schedules) inside `trace`. */
export function runInTrace<T>(trace: TraceContext, fn: () => T): T {
  return storage.run(trace, fn);
}

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}

/** The current step's `traceparent`, for an outgoing call or message; undefined outside any trace. */
export function currentTraceparent(): string | undefined {
  const t = storage.getStore();
  return t ? formatTraceparent(t) : undefined;
}

/** `traceId` and `spanId` of the current trace, for a log line (none outside a trace). */
export function traceFields(): { traceId?: string; spanId?: string } {
  const t = storage.getStore();
  return t ? { traceId: t.traceId, spanId: t.spanId } : {};
}

/** Application property names that carry the trace on a message. */
export const TRACE_PROPERTY = "traceparent";
export const DIAGNOSTIC_ID_PROPERTY = "Diagnostic-Id";

/** The trace a message's application properties carry (the worker camel-cases keys: "diagnostic-Id"). */
export function traceOfProperties(properties: Record<string, unknown> | undefined): TraceContext | undefined {
  if (!properties) return undefined;
  return (
    parseTraceparent(properties[TRACE_PROPERTY]) ??
    parseTraceparent(properties[DIAGNOSTIC_ID_PROPERTY]) ??
    parseTraceparent(properties["diagnostic-Id"])
  );
}

/** The message with the current trace in its application properties (kept when it carries one, e.g. a replay). */
export function withTrace(message: OutgoingMessage): OutgoingMessage {
  const tp = currentTraceparent();
  if (!tp || traceOfProperties(message.applicationProperties)) return message;
  return { ...message, applicationProperties: { ...message.applicationProperties, [TRACE_PROPERTY]: tp, [DIAGNOSTIC_ID_PROPERTY]: tp } };
}

/** A bus that sends every message with the sender's trace (the wiring wraps the app's bus with it). */
export function tracingBus(bus: MessageBus): MessageBus {
  const traced: MessageBus = {
    send: (queue, messages) => bus.send(queue, Array.isArray(messages) ? messages.map(withTrace) : withTrace(messages)),
    peekDeadLetters: (queue, max) => bus.peekDeadLetters(queue, max),
    removeDeadLetter: (queue, sequenceNumber) => bus.removeDeadLetter(queue, sequenceNumber),
  };
  if (bus.countActive) traced.countActive = (queue) => bus.countActive!(queue);
  return traced;
}

/** What an invocation knows of its caller's trace (the parts of the Functions context and trigger input it reads). */
export interface InvocationTraceSources {
  /** triggerMetadata of a Service Bus trigger (applicationProperties). */
  triggerMetadata?: Record<string, unknown>;
  /** The host's trace context (Azure: the request's or the message's; the Durable extension's for its triggers). */
  traceContext?: { traceParent?: string | null };
  /** The HTTP request's `traceparent` header, when the trigger is HTTP. */
  requestTraceparent?: string | null;
}

/** The trace an invocation runs in: a child of the caller's trace when there is one, else a new trace. */
export function traceForInvocation(sources: InvocationTraceSources): TraceContext {
  const meta = sources.triggerMetadata;
  const props = (meta?.applicationProperties ?? meta?.userProperties) as Record<string, unknown> | undefined;
  const parent =
    traceOfProperties(props) ?? parseTraceparent(sources.requestTraceparent) ?? parseTraceparent(sources.traceContext?.traceParent);
  return parent ? childOf(parent) : newTrace();
}
