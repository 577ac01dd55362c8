import { app, type InvocationContext } from "@azure/functions";
import { BusinessEventEnvelope } from "../flows/d365-events/envelope";
import { routeBusinessEvent } from "../flows/d365-events/route-event";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { businessEventDeps } from "../wiring/fulfillment";
import { queueDeps } from "../wiring/operations";

/** One D365 business event: the sales order it names goes to the fulfillment flow; other events are completed. */
export async function d365Events(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  await handleQueueMessage({
    queue: a.config.QUEUE_D365_EVENTS,
    body: message,
    context,
    schema: BusinessEventEnvelope,
    deps: queueDeps(a, context),
    handle: (event) => routeBusinessEvent(event, businessEventDeps(a, context)),
  });
}

// F&O sends its business events to this queue (an endpoint of type Service Bus queue, docs/fulfillment.md);
// messageId = EventId, so Service Bus drops F&O's resends within the duplicate-detection window.
app.serviceBusQueue("d365-events", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_D365_EVENTS%",
  handler: d365Events,
});
