import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { orderRoute, shipmentsOf } from "../flows/fulfillment/status-api";
import { NotFoundError } from "../platform/errors";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { shipmentLedger } from "../wiring/fulfillment";

/** An FBM order's packages as confirmed to Amazon; 202 while a confirmation request waits. */
export async function shipmentGet(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const order = orderRoute(request, a.config.D365_COMPANY);
  const view = await shipmentsOf(shipmentLedger(a), order.company, order.salesOrderNumber);
  if (!view)
    throw new NotFoundError(
      "shipments.notFound",
      `No shipment of sales order ${order.salesOrderNumber} (${order.company}) was confirmed or asked for; POST .../confirm to do it.`,
    );
  const headers: Record<string, string> = view.pending ? { "Retry-After": "5", Location: request.url } : {};
  return { status: view.pending ? 202 : 200, headers, jsonBody: view };
}

// The Location of POST shipments/{salesOrderNumber}/confirm.
app.http("shipment-get", {
  methods: ["GET"],
  route: "shipments/{salesOrderNumber}",
  authLevel: "function",
  handler: withHttpErrors(shipmentGet, invocationTelemetry),
});
