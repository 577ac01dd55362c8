import { app, type InvocationContext } from "@azure/functions";
import { handleProductsMessage } from "../flows/products/handle-message";
import { ProductsMessage } from "../flows/products/messages";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { queueDeps } from "../wiring/operations";
import { publishDeps } from "../wiring/products";

/** One message of the products queue: a batch of items to publish, or a listing change Amazon notified. */
export async function productPublish(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  await handleQueueMessage({
    queue: a.config.QUEUE_PRODUCTS,
    body: message,
    context,
    schema: ProductsMessage,
    deps: queueDeps(a, context),
    handle: (msg) => handleProductsMessage(msg, publishDeps(a, context)),
  });
}

app.serviceBusQueue("product-publish", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_PRODUCTS%",
  handler: productPublish,
});
