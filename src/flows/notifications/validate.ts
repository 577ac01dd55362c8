/**
 * Unwraps and validates Amazon notifications as they reach the HTTPS endpoint:
 * - an EventBridge event (API destination target): `{ "detail-type": ..., "detail": <notification> }`;
 * - a raw SQS message body (the notification itself);
 * - an EventBridge Pipe batch from SQS: `[{ "messageId": ..., "body": "<notification JSON>" }, ...]`.
 * ORDER_CHANGE and REPORT_PROCESSING_FINISHED are validated against Amazon's published schemas
 * (schemas/OrderChangeNotification.json, schemas/ReportProcessingFinishedNotification.json), as are
 * LISTINGS_ITEM_STATUS_CHANGE and LISTINGS_ITEM_ISSUES_CHANGE (schemas/ListingsItem*.json); other types
 * against a minimal envelope until their flows exist.
 *
 * This is the one validation of a notification: the endpoint runs it on what Amazon sends, the notifications
 * queue's door runs the same function on what it delivers (a replay enters there), and both hand on the
 * typed Notification it returns, so nothing parses the payload again.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { ValidationError } from "../../platform/errors";
import type { MessageSchema } from "../../platform/trigger-adapters";
import envelopeSchema from "./schemas/NotificationEnvelope.json";
import listingsItemIssuesChangeSchema from "./schemas/ListingsItemIssuesChangeNotification.json";
import listingsItemStatusChangeSchema from "./schemas/ListingsItemStatusChangeNotification.json";
import orderChangeSchema from "./schemas/OrderChangeNotification.json";
import reportProcessingFinishedSchema from "./schemas/ReportProcessingFinishedNotification.json";

/** What an ORDER_CHANGE says: which order changed, when, in which marketplace. */
export interface OrderChange {
  amazonOrderId: string;
  /** OrderChangeTrigger.TimeOfOrderChange, else the notification's EventTime. */
  changedAt?: string;
  marketplaceId?: string;
}

/** What a REPORT_PROCESSING_FINISHED says. */
export interface FinishedReport {
  reportId: string;
  reportType: string;
  /** DONE, CANCELLED or FATAL. */
  processingStatus: string;
  reportDocumentId?: string;
}

/** What LISTINGS_ITEM_STATUS_CHANGE and LISTINGS_ITEM_ISSUES_CHANGE say: a listing's status or issues changed. */
export interface ListingChange {
  sku: string;
  /** Optional in Amazon's schema. */
  marketplaceId?: string;
  asin?: string;
  /** STATUS_CHANGE: BUYABLE, DISCOVERABLE, DELETED (empty when suppressed). */
  status?: string[];
  /** ISSUES_CHANGE: NONE, ERROR, WARNING. */
  severities?: string[];
  changedAt?: string;
}

interface NotificationBase {
  notificationId: string;
  notificationType: string;
  eventTime?: string;
  /** The notification as Amazon sent it (no envelope): what the notifications queue carries. */
  notification: Record<string, unknown>;
}

/** A notification that passed its published schema, with the facts the app reads from it. */
export type Notification =
  | (NotificationBase & { kind: "order-change"; orderChange: OrderChange })
  | (NotificationBase & { kind: "report-finished"; report: FinishedReport })
  | (NotificationBase & { kind: "listing-change"; listingChange: ListingChange })
  | (NotificationBase & { kind: "other" });

/** The parts of ORDER_CHANGE the app reads (the published schema requires each of them). */
interface OrderChangeJson {
  NotificationType: string;
  EventTime: string;
  Payload: {
    OrderChangeNotification: {
      AmazonOrderId: string;
      OrderChangeTrigger: { TimeOfOrderChange: string | null };
      Summary: { MarketplaceId: string };
    };
  };
  NotificationMetadata: { NotificationId: string };
}

/** The parts of REPORT_PROCESSING_FINISHED the app reads (camelCase, as Amazon publishes it). */
interface ReportFinishedJson {
  notificationType: string;
  eventTime: string;
  payload: { reportProcessingFinishedNotification: FinishedReport };
  notificationMetadata: { notificationId: string };
}

/** The parts of the two listing notifications the app reads (Payload differs: Status or Severities). */
interface ListingChangeJson {
  NotificationType: string;
  EventTime: string;
  Payload: { Sku: string; MarketplaceId?: string; Asin?: string; Status?: string[]; Severities?: string[] };
  NotificationMetadata: { NotificationId: string };
}

/** Any other notification: the envelope, in either casing Amazon uses. */
type EnvelopeJson =
  | { NotificationType: string; EventTime?: string; NotificationMetadata: { NotificationId: string } }
  | { notificationType: string; eventTime?: string; notificationMetadata: { notificationId: string } };

export interface NotificationIssue {
  /** Index in the request (0 for a single notification). */
  index: number;
  /** JSON path of the offending value, e.g. $.Payload.OrderChangeNotification.Summary.OrderStatus. */
  path: string;
  message: string;
}

// The listing schemas mark times as format date-time; the receiver checks structure, not formats (declared so ajv
// does not warn at start-up about a format it does not know).
const ajv = new Ajv({ allErrors: true, strict: false, formats: { "date-time": true } });
const orderChange = ajv.compile<OrderChangeJson>(orderChangeSchema);
const reportFinished = ajv.compile<ReportFinishedJson>(reportProcessingFinishedSchema);
const envelope = ajv.compile<EnvelopeJson>(envelopeSchema);
// Amazon's STATUS_CHANGE schema enumerates NotificationType "LISTINGS_ITEM_STATUS_CHANGED", while its example, the
// subscription type and the documentation say "LISTINGS_ITEM_STATUS_CHANGE": the copy accepts both.
const listingStatusChange = ajv.compile<ListingChangeJson>(listingsItemStatusChangeSchema);
const listingIssuesChange = ajv.compile<ListingChangeJson>(listingsItemIssuesChangeSchema);
const LISTING_SCHEMAS: Record<string, ValidateFunction<ListingChangeJson>> = {
  LISTINGS_ITEM_STATUS_CHANGE: listingStatusChange,
  LISTINGS_ITEM_STATUS_CHANGED: listingStatusChange,
  LISTINGS_ITEM_ISSUES_CHANGE: listingIssuesChange,
};

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

/** The issues of a failed validation, naming JSON paths. */
function issuesOf(validate: ValidateFunction, value: Record<string, unknown>, index: number): NotificationIssue[] {
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== "oneOf" && e.keyword !== "if");
  // For the two-variant envelope report the variant that matches the casing the sender used.
  const relevant =
    validate === envelope
      ? errors.filter((e) => ("notificationType" in value ? e.schemaPath.startsWith("#/oneOf/1") : e.schemaPath.startsWith("#/oneOf/0")))
      : errors;
  return (relevant.length ? relevant : errors).map((e) => ({ index, path: issuePath(e), message: describe(e) }));
}

/** Validates one notification; returns it typed, or the issues. */
export function validateNotification(
  value: unknown,
  index = 0,
): { ok: true; value: Notification } | { ok: false; issues: NotificationIssue[] } {
  if (!isObject(value)) return { ok: false, issues: [{ index, path: "$", message: "must be a JSON object (an SP-API notification)" }] };
  const notificationType = String(value.NotificationType ?? value.notificationType ?? "");
  if (notificationType === "ORDER_CHANGE") {
    if (!orderChange(value)) return { ok: false, issues: issuesOf(orderChange, value, index) };
    const p = value.Payload.OrderChangeNotification;
    const changedAt = p.OrderChangeTrigger.TimeOfOrderChange ?? value.EventTime;
    return {
      ok: true,
      value: {
        kind: "order-change",
        notificationId: value.NotificationMetadata.NotificationId,
        notificationType,
        eventTime: value.EventTime,
        notification: value,
        orderChange: { amazonOrderId: p.AmazonOrderId, changedAt, marketplaceId: p.Summary.MarketplaceId },
      },
    };
  }
  if (notificationType === "REPORT_PROCESSING_FINISHED") {
    if (!reportFinished(value)) return { ok: false, issues: issuesOf(reportFinished, value, index) };
    const r = value.payload.reportProcessingFinishedNotification;
    return {
      ok: true,
      value: {
        kind: "report-finished",
        notificationId: value.notificationMetadata.notificationId,
        notificationType,
        eventTime: value.eventTime,
        notification: value,
        report: {
          reportId: r.reportId,
          reportType: r.reportType,
          processingStatus: r.processingStatus,
          reportDocumentId: r.reportDocumentId,
        },
      },
    };
  }
  const listing = LISTING_SCHEMAS[notificationType];
  if (listing) {
    if (!listing(value)) return { ok: false, issues: issuesOf(listing, value, index) };
    const p = value.Payload;
    return {
      ok: true,
      value: {
        kind: "listing-change",
        notificationId: value.NotificationMetadata.NotificationId,
        notificationType,
        eventTime: value.EventTime,
        notification: value,
        listingChange: {
          sku: p.Sku,
          ...(p.MarketplaceId ? { marketplaceId: p.MarketplaceId } : {}),
          ...(p.Asin ? { asin: p.Asin } : {}),
          ...(p.Status ? { status: p.Status } : {}),
          ...(p.Severities ? { severities: p.Severities } : {}),
          changedAt: value.EventTime,
        },
      },
    };
  }
  if (!envelope(value)) return { ok: false, issues: issuesOf(envelope, value, index) };
  const v: EnvelopeJson = value;
  const [notificationId, eventTime] =
    "NotificationMetadata" in v
      ? [v.NotificationMetadata.NotificationId, v.EventTime]
      : [v.notificationMetadata.notificationId, v.eventTime];
  return { ok: true, value: { kind: "other", notificationId, notificationType, eventTime, notification: value } };
}

/** The notifications queue's messages: the same validation as at the endpoint (parked as invalid when it fails). */
export const NotificationMessage: MessageSchema<Notification> = {
  safeParse(value) {
    const r = validateNotification(value);
    return r.ok ? { success: true, data: r.value } : { success: false, error: notificationValidationError(r.issues, []) };
  },
};

/** Every notification of a request body, validated; throws nothing, reports per index. */
export function readNotifications(body: unknown): { accepted: Notification[]; issues: NotificationIssue[] } {
  const accepted: Notification[] = [];
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
