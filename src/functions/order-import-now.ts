import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { AmazonOrderIdSchema } from "../flows/orders/amazon-order";
import { importOrder } from "../flows/orders/import-order";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { importOrderDeps } from "../wiring/orders";
import { z } from "zod";
import { describeRoute } from "../platform/api-docs/routes";
import { IMPORT_OUTCOME_EXAMPLE, ImportOutcomeView } from "../flows/orders/api";

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
describeRoute("order-sync", {
  method: "POST",
  route: "orders/{amazonOrderId}/sync",
  operationId: "SyncOrder",
  summary: "Import or re-check one order",
  description: "Reads the order from Amazon and creates or completes its D365 sales order now (never twice); answers what became of it.",
  visibility: "important",
  tag: "Orders",
  path: z.object({ amazonOrderId: AmazonOrderIdSchema.meta({ title: "Amazon Order ID", description: "e.g. 113-1234567-1234567" }) }),
  responses: { 200: { description: "What became of the order", schema: ImportOutcomeView, example: IMPORT_OUTCOME_EXAMPLE } },
  errors: [400, 404, 422, 429],
});
