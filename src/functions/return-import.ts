import { app, type InvocationContext } from "@azure/functions";
import { importReturn, ReturnImportMessage } from "../flows/returns/import-return";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { queueDeps } from "../wiring/operations";
import { importReturnDeps } from "../wiring/returns";

/** Makes the D365 return order of one Amazon return. */
export async function returnImport(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  const outcome = await handleQueueMessage({
    queue: a.config.QUEUE_RETURN_IMPORT,
    body: message,
    context,
    schema: ReturnImportMessage,
    deps: queueDeps(a, context),
    handle: (cmd, delivery) => importReturn({ ...cmd, holder: delivery.messageId }, importReturnDeps(a, context)),
  });
  if (outcome.status === "parked") {
    a.telemetry(context).event("return.deadLettered", { messageId: outcome.messageId, reason: outcome.reason, code: outcome.code });
  }
}

// One Amazon return -> one D365 return order. Unknown codes or SKUs and returns without a sales order are
// parked for review (replayable); retryable failures (D365 throttling or outage) are rethrown for redelivery.
app.serviceBusQueue("return-import", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_RETURN_IMPORT%",
  handler: returnImport,
});
