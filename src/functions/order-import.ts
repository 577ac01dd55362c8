import { app } from "@azure/functions";
import { orderImportDeps } from "../flows/orders/adapters";
import { importOrder } from "../flows/orders/import-order";
import { OrderImportMessage } from "../flows/orders/messages";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { runtime } from "../runtime";

// Imports one Amazon order into D365. Unmappable orders are parked as review records (order.deadLettered);
// retryable failures (D365 or SP-API throttling or outage) are rethrown so that the bus redelivers them.
app.serviceBusQueue("order-import", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_ORDER_IMPORT%",
  handler: async (message, context) => {
    const rt = runtime();
    const telemetry = rt.telemetry(context);
    const outcome = await handleQueueMessage({
      queue: rt.config.QUEUE_ORDER_IMPORT,
      body: message,
      context,
      schema: OrderImportMessage,
      handle: (cmd, delivery) => importOrder({ ...cmd, holder: delivery.messageId }, orderImportDeps(rt, telemetry)),
    });
    if (outcome.status === "parked") {
      telemetry.event("order.deadLettered", { messageId: outcome.messageId, reason: outcome.reason, code: outcome.code });
    }
  },
});
