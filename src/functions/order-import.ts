import { app, type InvocationContext } from "@azure/functions";
import { importOrder } from "../flows/orders/import-order";
import { OrderImportMessage } from "../flows/orders/messages";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { queueDeps } from "../wiring/operations";
import { importOrderDeps } from "../wiring/orders";

/** Imports the order of one order import message. */
export async function orderImport(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  const outcome = await handleQueueMessage({
    queue: a.config.QUEUE_ORDER_IMPORT,
    body: message,
    context,
    schema: OrderImportMessage,
    deps: queueDeps(a, context),
    handle: (cmd, delivery) => importOrder({ ...cmd, holder: delivery.messageId }, importOrderDeps(a, context)),
  });
  if (outcome.status === "parked") {
    a.telemetry(context).event("order.deadLettered", { messageId: outcome.messageId, reason: outcome.reason, code: outcome.code });
  }
}

// Imports one Amazon order into D365. Unmappable orders are parked (order.deadLettered);
// retryable failures (D365 or SP-API throttling or outage) are rethrown so that the bus redelivers them.
app.serviceBusQueue("order-import", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_ORDER_IMPORT%",
  handler: orderImport,
});
