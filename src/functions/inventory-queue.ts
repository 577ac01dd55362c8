import { app, type InvocationContext } from "@azure/functions";
import { handleInventoryMessage } from "../flows/inventory/handle-message";
import { InventoryMessage } from "../flows/inventory/messages";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { inventoryMessageDeps } from "../wiring/inventory";
import { queueDeps } from "../wiring/operations";

/** Runs one piece of inventory work: a push (all, one SKU, some items) or an FBA reconciliation. */
export async function inventoryQueue(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  await handleQueueMessage({
    queue: a.config.QUEUE_INVENTORY,
    body: message,
    context,
    schema: InventoryMessage,
    deps: queueDeps(a, context),
    handle: (m, delivery) => handleInventoryMessage(m, delivery.messageId, inventoryMessageDeps(a, context)),
  });
}

// HTTP requests, D365 business events and replays of review items (refused SKUs) arrive here.
app.serviceBusQueue("inventory-queue", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_INVENTORY%",
  handler: inventoryQueue,
});
