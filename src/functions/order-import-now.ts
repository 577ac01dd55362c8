import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { AmazonOrderIdSchema } from "../flows/orders/amazon-order";
import { importOrder } from "../flows/orders/import-order";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { importOrderDeps } from "../wiring/orders";

/** Imports (or re-checks) one order now and answers with the outcome. */
export async function orderImportNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const amazonOrderId = AmazonOrderIdSchema.parse(request.params.amazonOrderId);
  const outcome = await importOrder({ amazonOrderId, source: "sync", force: true }, importOrderDeps(currentApp(), context));
  return { status: 200, jsonBody: outcome };
}

// For admins and Power Automate. The function keeps its name "order-sync" (its function keys and the
// monitoring queries that name it stay valid).
app.http("order-sync", {
  methods: ["POST"],
  route: "orders/{amazonOrderId}/sync",
  authLevel: "function",
  handler: withHttpErrors(orderImportNow, invocationTelemetry),
});
