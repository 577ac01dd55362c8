/**
 * Use case: receive notifications on the HTTPS endpoint. Checks the API key the EventBridge connection
 * sends (constant time), validates every notification against the published schema and puts each on the
 * notifications queue with messageId = the notification id, so Service Bus drops Amazon's duplicates
 * (delivery is at least once). Nothing else happens here, so the endpoint answers fast.
 *
 * The endpoint is anonymous (Amazon's EventBridge connection cannot send a Functions key), so it does no work for
 * a caller it does not know: the key is checked before the body is read (`rawBody` may be a function that reads
 * it, with the size cap), and the body's nesting depth before it is parsed.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { UnauthorizedError } from "../../platform/errors";
import type { MessageBus } from "../../platform/ports";
import { parseJsonText } from "../../platform/safe-json";
import type { Telemetry } from "../../platform/telemetry";
import { notificationValidationError, readNotifications } from "./validate";

export const API_KEY_SECRET = "notification-api-key";

export interface ReceiveDeps {
  /** The expected key (Key Vault secret notification-api-key). */
  expectedApiKey: () => Promise<string>;
  bus: MessageBus;
  queue: string;
  telemetry: Telemetry;
}

/**
 * Compares two secrets in constant time. Both are hashed first, so neither the length nor the position
 * of the first difference shows in the timing.
 */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const a = createHash("sha256")
    .update(given ?? "", "utf8")
    .digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  const equal = timingSafeEqual(a, b);
  return equal && given !== undefined && expected.length > 0;
}

export interface ReceiveResult {
  accepted: { notificationId: string; notificationType: string }[];
}

export async function receiveNotifications(
  input: { apiKey: string | undefined; rawBody: string | (() => Promise<string>) },
  deps: ReceiveDeps,
): Promise<ReceiveResult> {
  const expected = await deps.expectedApiKey();
  if (!sameSecret(input.apiKey, expected)) {
    deps.telemetry.event("notification.unauthorized", {});
    throw new UnauthorizedError("notification.unauthorized", "Missing or wrong API key (header x-api-key).");
  }
  const text = typeof input.rawBody === "string" ? input.rawBody : await input.rawBody();
  const body = parseJsonText(text, { what: "The body", code: "notification.invalidJson" });
  const { accepted, issues } = readNotifications(body);
  if (accepted.length) {
    await deps.bus.send(
      deps.queue,
      accepted.map((n) => ({
        messageId: n.notificationId,
        body: n.notification,
        subject: n.notificationType,
        applicationProperties: { notificationType: n.notificationType },
      })),
    );
    deps.telemetry.metric("notifications.received", accepted.length, {
      types: [...new Set(accepted.map((a) => a.notificationType))].join(","),
    });
  }
  if (issues.length) {
    deps.telemetry.event("notification.invalid", { issues: issues.slice(0, 5), accepted: accepted.length });
    throw notificationValidationError(
      issues,
      accepted.map((a) => a.notificationId),
    );
  }
  return { accepted: accepted.map((a) => ({ notificationId: a.notificationId, notificationType: a.notificationType })) };
}
