import { app, type InvocationContext } from "@azure/functions";
import { importOrder } from "../flows/orders/import-order";
import { importOrdersInBulk } from "../flows/orders/import-orders-bulk";
import { isBulkMessage, OrderImportQueueMessage } from "../flows/orders/messages";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { queueDeps } from "../wiring/operations";
import { bulkImportDeps, importOrderDeps, loadBulkOrders } from "../wiring/orders";

/** Imports the order of one order import message, or the orders of a bulk import message. */
export async function orderImport(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  const outcome = await handleQueueMessage({
    queue: a.config.QUEUE_ORDER_IMPORT,
    body: message,
    context,
    schema: OrderImportQueueMessage,
    deps: queueDeps(a, context),
    handle: async (cmd, delivery) =>
      isBulkMessage(cmd)
        ? importOrdersInBulk(
            { orders: await loadBulkOrders(a, cmd), holder: delivery.messageId, ...(cmd.source ? { source: cmd.source } : {}) },
            bulkImportDeps(a, context),
          )
        : importOrder({ ...cmd, holder: delivery.messageId }, importOrderDeps(a, context)),
  });
  if (outcome.status === "parked") {
    a.telemetry(context).event("order.deadLettered", { messageId: outcome.messageId, reason: outcome.reason, code: outcome.code });
  }
}

// Imports one Amazon order (or a bulk group of them) into D365. Unmappable orders are parked
// (order.deadLettered); retryable failures (D365 or SP-API throttling or outage) are rethrown so that the
// bus retries them.
app.serviceBusQueue("order-import", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_ORDER_IMPORT%",
  handler: orderImport,
});
