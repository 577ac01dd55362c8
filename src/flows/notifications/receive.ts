/**
 * Use case: receive notifications on the HTTPS endpoint. Checks the API key the EventBridge connection
 * sends (constant time), validates every notification against the published schema and puts each on the
 * notifications queue with messageId = the notification id, so Service Bus drops Amazon's duplicates
 * (delivery is at least once). Nothing else happens here, so the endpoint answers fast.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { UnauthorizedError, ValidationError } from "../../platform/errors";
import type { MessageBus } from "../../platform/ports";
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
  input: { apiKey: string | undefined; rawBody: string },
  deps: ReceiveDeps,
): Promise<ReceiveResult> {
  const expected = await deps.expectedApiKey();
  if (!sameSecret(input.apiKey, expected)) {
    deps.telemetry.event("notification.unauthorized", {});
    throw new UnauthorizedError("notification.unauthorized", "Missing or wrong API key (header x-api-key).");
  }
  let body: unknown;
  try {
    body = JSON.parse(input.rawBody);
  } catch (err) {
    throw new ValidationError("notification.invalidJson", `The body is not valid JSON: ${(err as Error).message}`, { where: "$" });
  }
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
