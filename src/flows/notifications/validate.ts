/**
 * Unwraps and validates Amazon notifications as they reach the HTTPS endpoint:
 * - an EventBridge event (API destination target): `{ "detail-type": ..., "detail": <notification> }`;
 * - a raw SQS message body (the notification itself);
 * - an EventBridge Pipe batch from SQS: `[{ "messageId": ..., "body": "<notification JSON>" }, ...]`.
 * ORDER_CHANGE and REPORT_PROCESSING_FINISHED are validated against Amazon's published schemas
 * (schemas/OrderChangeNotification.json, schemas/ReportProcessingFinishedNotification.json); other types
 * against a minimal envelope until their flows exist.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { ValidationError } from "../../platform/errors";
import envelopeSchema from "./schemas/NotificationEnvelope.json";
import orderChangeSchema from "./schemas/OrderChangeNotification.json";
import reportProcessingFinishedSchema from "./schemas/ReportProcessingFinishedNotification.json";

export interface ReceivedNotification {
  notificationId: string;
  notificationType: string;
  /** The notification as Amazon sent it (no envelope). */
  notification: Record<string, unknown>;
}

export interface NotificationIssue {
  /** Index in the request (0 for a single notification). */
  index: number;
  /** JSON path of the offending value, e.g. $.Payload.OrderChangeNotification.Summary.OrderStatus. */
  path: string;
  message: string;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators: Record<string, ValidateFunction> = {
  ORDER_CHANGE: ajv.compile(orderChangeSchema),
  REPORT_PROCESSING_FINISHED: ajv.compile(reportProcessingFinishedSchema),
};
const envelope = ajv.compile(envelopeSchema);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The notifications carried by one request body (already JSON-parsed). */
export function unwrapNotifications(body: unknown): unknown[] {
  if (Array.isArray(body)) return body.flatMap((b) => unwrapNotifications(b));
  if (isObject(body)) {
    if (isObject(body.detail)) return [body.detail];
    if (Array.isArray(body.Records)) return unwrapNotifications(body.Records);
    if (typeof body.body === "string" && !("NotificationType" in body) && !("notificationType" in body)) {
      try {
        return unwrapNotifications(JSON.parse(body.body));
      } catch {
        return [body.body];
      }
    }
  }
  return [body];
}

function toPath(instancePath: string): string {
  if (!instancePath) return "$";
  return (
    "$" +
    instancePath
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`))
      .join("")
  );
}

function describe(e: ErrorObject): string {
  if (e.keyword === "required") return `must have property ${(e.params as { missingProperty: string }).missingProperty}`;
  if (e.keyword === "enum") return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
  return e.message ?? e.keyword;
}

function issuePath(e: ErrorObject): string {
  const base = toPath(e.instancePath);
  if (e.keyword === "required") return `${base}.${(e.params as { missingProperty: string }).missingProperty}`;
  return base;
}

/** Validates one notification; returns it with its id and type, or the issues. */
export function validateNotification(
  value: unknown,
  index = 0,
): { ok: true; value: ReceivedNotification } | { ok: false; issues: NotificationIssue[] } {
  if (!isObject(value)) return { ok: false, issues: [{ index, path: "$", message: "must be a JSON object (an SP-API notification)" }] };
  const type = String(value.NotificationType ?? value.notificationType ?? "");
  const validate = validators[type] ?? envelope;
  if (!validate(value)) {
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== "oneOf" && e.keyword !== "if");
    // For the two-variant envelope report the variant that matches the casing the sender used.
    const relevant =
      validate === envelope
        ? errors.filter((e) => ("notificationType" in value ? e.schemaPath.startsWith("#/oneOf/1") : e.schemaPath.startsWith("#/oneOf/0")))
        : errors;
    return { ok: false, issues: (relevant.length ? relevant : errors).map((e) => ({ index, path: issuePath(e), message: describe(e) })) };
  }
  const meta = (value.NotificationMetadata ?? value.notificationMetadata) as Record<string, unknown>;
  const notificationId = String(meta.NotificationId ?? meta.notificationId);
  return { ok: true, value: { notificationId, notificationType: type, notification: value } };
}

/** Every notification of a request body, validated; throws nothing, reports per index. */
export function readNotifications(body: unknown): { accepted: ReceivedNotification[]; issues: NotificationIssue[] } {
  const accepted: ReceivedNotification[] = [];
  const issues: NotificationIssue[] = [];
  unwrapNotifications(body).forEach((n, i) => {
    const r = validateNotification(n, i);
    if (r.ok) accepted.push(r.value);
    else issues.push(...r.issues);
  });
  if (accepted.length === 0 && issues.length === 0) issues.push({ index: 0, path: "$", message: "no notification in the body" });
  return { accepted, issues };
}

export function notificationValidationError(issues: NotificationIssue[], acceptedIds: string[]): ValidationError {
  const first = issues[0];
  const summary = issues
    .slice(0, 5)
    .map((i) => `[${i.index}] ${i.path}: ${i.message}`)
    .join("; ");
  return new ValidationError(
    "notification.invalid",
    `Invalid notification: ${summary}${issues.length > 5 ? ` (+${issues.length - 5} more)` : ""}`,
    {
      where: first?.path,
      details: { issues, accepted: acceptedIds },
    },
  );
}
