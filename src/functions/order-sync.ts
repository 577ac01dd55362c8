import { app } from "@azure/functions";
import { orderImportDeps } from "../flows/orders/adapters";
import { AmazonOrderIdSchema } from "../flows/orders/amazon-shapes";
import { importOrder } from "../flows/orders/import-order";
import { withHttpErrors } from "../platform/trigger-adapters";
import { runtime } from "../runtime";

// Imports (or re-checks) one order now and answers with the outcome: for admins and Power Automate.
app.http("order-sync", {
  methods: ["POST"],
  route: "orders/{amazonOrderId}/sync",
  authLevel: "function",
  handler: withHttpErrors(async (request, context) => {
    const amazonOrderId = AmazonOrderIdSchema.parse(request.params.amazonOrderId);
    const rt = runtime();
    const outcome = await importOrder({ amazonOrderId, source: "sync", force: true }, orderImportDeps(rt, rt.telemetry(context)));
    return { status: 200, jsonBody: outcome };
  }),
});
