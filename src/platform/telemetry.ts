/**
 * Structured logs and telemetry events. Everything written goes through `redact`, which removes values of
 * keys that name secrets or buyer PII, and masks token-shaped strings, so a careless log line cannot leak.
 */
import { traceFields } from "./trace";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Telemetry {
  log(level: LogLevel, message: string, properties?: Record<string, unknown>): void;
  /** A named business event an alert can fire on (for example `order.deadLettered`). */
  event(name: string, properties?: Record<string, unknown>): void;
  /** A number worth charting (for example `spapi.calls`). */
  metric(name: string, value: number, properties?: Record<string, unknown>): void;
}

const SECRET_KEY = /(secret|password|token|apikey|api_key|api-key|authorization|refresh|credential|sas|signature|connectionstring)/i;
const PII_KEY =
  /^(buyer.*|.*email.*|.*phone.*|name|addressline\d*|address|street|city|postalcode|postcode|deliveryname|deliveryaddress.*|shippingaddress|buyerinfo|recipient.*)$/i;
const TOKEN_VALUE =
  /(Atzr\|[A-Za-z0-9_\-|]+|Atza\|[A-Za-z0-9_\-|]+|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*|amzn1\.oa2-cs\.v1\.[a-f0-9]+)/g;
// The same checks on the key with separators removed ("buyer-name", "ship-address-1", "x-api-key").
const SECRET_KEY_NORMALISED =
  /(secret|password|passphrase|pwd|token|apikey|authorization|credential|signature|connectionstring|accountkey|sharedaccesskey|privatekey|cookie)/;
const PII_KEY_NORMALISED =
  /^(buyer.*|.*email.*|.*phone.*|name|fullname|firstname|lastname|givenname|surname|addressline\d*|address\d*|street\d*|city|county|district|municipality|postalcode|postcode|zipcode|zip|deliveryname|deliveryaddress.*|shipaddress.*|shippingaddress.*|shipcity|shippostalcode|shipname|shipto.*|recipient.*|billaddress.*|billingaddress.*|billname|purchaser.*)$/;
// Secrets inside free text: bearer tokens, key=value pairs of connection strings and OAuth bodies, e-mail addresses.
const BEARER_VALUE = /\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi;
const KEYED_SECRET_VALUE =
  /\b(AccountKey|SharedAccessKey|SharedAccessSignature|sig|client_secret|refresh_token|access_token|password|x-amz-access-token)([=:]\s*)[^;&\s",}]+/gi;
const EMAIL_VALUE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

function redactString(value: string): string {
  return value
    .replace(TOKEN_VALUE, "[redacted]")
    .replace(BEARER_VALUE, "Bearer [redacted]")
    .replace(KEYED_SECRET_VALUE, "$1$2[redacted]")
    .replace(EMAIL_VALUE, "[email]");
}

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) || SECRET_KEY_NORMALISED.test(key.toLowerCase().replace(/[^a-z0-9]/g, ""));
}

function isPiiKey(key: string): boolean {
  return PII_KEY.test(key) || PII_KEY_NORMALISED.test(key.toLowerCase().replace(/[^a-z0-9]/g, ""));
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[depth]";
  if (typeof value === "string") return redactString(value);
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1) };
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (isSecretKey(k)) out[k] = "[redacted]";
      else if (isPiiKey(k)) out[k] = "[pii]";
      else out[k] = redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export type LogSink = (level: LogLevel, line: string) => void;

/**
 * Writes one JSON line per entry, with the current trace's `traceId` and `spanId` (platform/trace.ts); the
 * sink is the invocation context's logger in the host, stdout locally.
 */
export class StructuredTelemetry implements Telemetry {
  constructor(
    private readonly sink: LogSink,
    private readonly base: Record<string, unknown> = {},
  ) {}

  child(properties: Record<string, unknown>): StructuredTelemetry {
    return new StructuredTelemetry(this.sink, { ...this.base, ...properties });
  }

  log(level: LogLevel, message: string, properties: Record<string, unknown> = {}): void {
    this.sink(level, JSON.stringify(redact({ level, message: redact(message), ...this.base, ...properties, ...traceFields() })));
  }

  event(name: string, properties: Record<string, unknown> = {}): void {
    this.sink("info", JSON.stringify(redact({ event: name, ...this.base, ...properties, ...traceFields() })));
  }

  metric(name: string, value: number, properties: Record<string, unknown> = {}): void {
    this.sink("info", JSON.stringify(redact({ metric: name, value, ...this.base, ...properties, ...traceFields() })));
  }
}

/** Collects entries in memory: for tests that assert what was logged (and what was not). */
export class MemoryTelemetry implements Telemetry {
  readonly entries: {
    kind: "log" | "event" | "metric";
    name: string;
    level?: LogLevel;
    value?: number;
    properties: Record<string, unknown>;
  }[] = [];
  log(level: LogLevel, message: string, properties: Record<string, unknown> = {}): void {
    this.entries.push({ kind: "log", name: message, level, properties: redact(properties) as Record<string, unknown> });
  }
  event(name: string, properties: Record<string, unknown> = {}): void {
    this.entries.push({ kind: "event", name, properties: redact(properties) as Record<string, unknown> });
  }
  metric(name: string, value: number, properties: Record<string, unknown> = {}): void {
    this.entries.push({ kind: "metric", name, value, properties: redact(properties) as Record<string, unknown> });
  }
  events(name: string) {
    return this.entries.filter((e) => e.kind === "event" && e.name === name);
  }
}

export const silentTelemetry: Telemetry = { log() {}, event() {}, metric() {} };

/** Minimal shape of the Functions InvocationContext logger, so platform code does not import @azure/functions. */
export interface InvocationLogger {
  trace(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export function telemetryFor(context: InvocationLogger, base: Record<string, unknown> = {}): StructuredTelemetry {
  return new StructuredTelemetry((level, line) => {
    if (level === "debug") context.debug(line);
    else if (level === "warn") context.warn(line);
    else if (level === "error") context.error(line);
    else context.info(line);
  }, base);
}
