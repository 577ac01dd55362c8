import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { receiveNotifications } from "../flows/notifications/receive";
import { readBodyText, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { receiveDeps } from "../wiring/notifications";

/**
 * Validates Amazon's notifications and puts each on the notifications queue (202). The key is checked before the
 * body is read, and the body is read only up to NOTIFICATION_MAX_BODY_BYTES (413 beyond).
 */
export async function amazonNotifications(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const result = await receiveNotifications(
    { apiKey: request.headers.get("x-api-key") ?? undefined, rawBody: () => readBodyText(request, a.config.NOTIFICATION_MAX_BODY_BYTES) },
    receiveDeps(a, context),
  );
  return { status: 202, jsonBody: result };
}

// Anonymous by design: the EventBridge API destination (or a Pipe from SQS) cannot send a Functions key;
// it sends the API key of its connection in x-api-key, which the flow checks against Key Vault.
app.http("amazon-notifications", {
  methods: ["POST"],
  route: "amazon/notifications",
  authLevel: "anonymous",
  handler: withHttpErrors(amazonNotifications, invocationTelemetry),
});
