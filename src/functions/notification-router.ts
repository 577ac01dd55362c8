import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { routeNotification } from "../flows/notifications/router";
import { NotificationMessage } from "../flows/notifications/validate";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { routeDeps } from "../wiring/notifications";
import { queueDeps } from "../wiring/operations";

/** Routes one notification from the notifications queue by its type. */
export async function notificationRouter(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  await handleQueueMessage({
    queue: a.config.QUEUE_NOTIFICATIONS,
    body: message,
    context,
    schema: NotificationMessage,
    deps: queueDeps(a, context),
    handle: (n) => routeNotification(n, routeDeps(a, context, df.getClient(context))),
  });
}

// Dispatches each Amazon notification by type (ORDER_CHANGE -> order import queue; a finished settlement
// report -> its settlement import, as the settlement poller starts it; others logged and completed).
app.serviceBusQueue("notification-router", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_NOTIFICATIONS%",
  extraInputs: [df.input.durableClient()],
  handler: notificationRouter,
});
