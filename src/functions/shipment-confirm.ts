import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { orderRoute, requestShipmentConfirmation } from "../flows/fulfillment/status-api";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { requestDeps } from "../wiring/fulfillment";

/** Confirms an FBM Amazon order's posted packing slips to Amazon now: 202 with its status URL. */
export async function shipmentConfirm(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const order = orderRoute(request, a.config.D365_COMPANY);
  const { messageId } = await requestShipmentConfirmation(order, requestDeps(a));
  const location = new URL(
    `/api/shipments/${encodeURIComponent(order.salesOrderNumber)}?company=${encodeURIComponent(order.company)}`,
    request.url,
  ).toString();
  return {
    status: 202,
    headers: { Location: location, "Retry-After": "5" },
    jsonBody: { salesOrderNumber: order.salesOrderNumber, dataAreaId: order.company, messageId, statusUrl: location },
  };
}

// For Power Automate and admins (the packing-slip business event and the catch-up timer find them by themselves).
app.http("shipment-confirm", {
  methods: ["POST"],
  route: "shipments/{salesOrderNumber}/confirm",
  authLevel: "function",
  handler: withHttpErrors(shipmentConfirm, invocationTelemetry),
});
