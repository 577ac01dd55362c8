import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { receiveNotifications } from "../flows/notifications/receive";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { receiveDeps } from "../wiring/notifications";
import { z } from "zod";
import { describeRoute } from "../platform/api-docs/routes";

/** Validates Amazon's notifications and puts each on the notifications queue (202). */
export async function amazonNotifications(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const result = await receiveNotifications(
    { apiKey: request.headers.get("x-api-key") ?? undefined, rawBody: await request.text() },
    receiveDeps(currentApp(), context),
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
describeRoute("amazon-notifications", {
  method: "POST",
  route: "amazon/notifications",
  operationId: "ReceiveAmazonNotifications",
  summary: "Receive Amazon notifications",
  description:
    "What the EventBridge API destination calls with Amazon's notifications (one, or a batch as an array); each valid one " +
    "is put on the notifications queue. Not for flows.",
  visibility: "internal",
  anonymous: "EventBridge cannot send a function key; the x-api-key header must hold NOTIFICATION_API_KEY.",
  tag: "Amazon",
  headers: z.object({ "x-api-key": z.string().meta({ title: "Notification API Key" }) }),
  body: {
    schema: z.unknown().meta({ description: "An SP-API notification (Amazon's published schema) or an array of them" }),
    example: {
      notificationVersion: "1.0",
      notificationType: "ORDER_CHANGE",
      payloadVersion: "1.0",
      eventTime: "2025-03-17T05:00:00.000Z",
      payload: { OrderChangeNotification: { AmazonOrderId: "113-1234567-1234567" } },
      notificationMetadata: {
        applicationId: "amzn1.sellerapps.app.fake",
        subscriptionId: "fake-subscription",
        publishTime: "2025-03-17T05:00:01.000Z",
        notificationId: "fake-notification-1",
      },
    },
  },
  responses: {
    202: {
      description: "Accepted: the notifications are on the queue",
      schema: z.object({ accepted: z.array(z.object({ notificationId: z.string(), notificationType: z.string() })) }),
      example: { accepted: [{ notificationId: "fake-notification-1", notificationType: "ORDER_CHANGE" }] },
    },
  },
  errors: [400, 401],
});
