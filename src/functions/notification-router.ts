import { app } from "@azure/functions";
import { RoutedNotification, routeNotification } from "../flows/notifications/router";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { runtime } from "../runtime";

// Dispatches each Amazon notification by type (ORDER_CHANGE -> order import queue; others logged for now).
app.serviceBusQueue("notification-router", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_NOTIFICATIONS%",
  handler: async (message, context) => {
    const rt = runtime();
    await handleQueueMessage({
      queue: rt.config.QUEUE_NOTIFICATIONS,
      body: message,
      context,
      schema: RoutedNotification,
      handle: (n) => routeNotification(n, { bus: rt.bus, orderImportQueue: rt.config.QUEUE_ORDER_IMPORT, telemetry: rt.telemetry(context) }),
    });
  },
});
