import { app, type InvocationContext } from "@azure/functions";
import { handleFulfillmentRequest } from "../flows/fulfillment/handle-request";
import { FulfillmentRequest } from "../flows/fulfillment/requests";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { fulfillmentDeps } from "../wiring/fulfillment";
import { queueDeps } from "../wiring/operations";

/** One fulfillment request: send or follow an MCF order, confirm an FBM order's packing slips. */
export async function fulfillmentRequest(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  await handleQueueMessage({
    queue: a.config.QUEUE_FULFILLMENT,
    body: message,
    context,
    schema: FulfillmentRequest,
    deps: queueDeps(a, context),
    handle: (request, delivery) => handleFulfillmentRequest(request, delivery, fulfillmentDeps(a, context)),
  });
}

// Business events, the timers, the HTTP endpoints and MCF notifications all put requests here. Orders a
// person must fix become review items (parked messages); outages are rethrown and redelivered.
app.serviceBusQueue("fulfillment-request", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_FULFILLMENT%",
  handler: fulfillmentRequest,
});
