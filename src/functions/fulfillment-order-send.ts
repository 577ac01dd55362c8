import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { orderRoute, requestMcf } from "../flows/fulfillment/status-api";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { requestDeps } from "../wiring/fulfillment";

/** Sends (or follows) one D365 order through MCF now: 202 with its status URL. */
export async function fulfillmentOrderSend(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const order = orderRoute(request, a.config.D365_COMPANY);
  const { view, messageId } = await requestMcf(order, requestDeps(a));
  const location = new URL(
    `/api/fulfillment/orders/${encodeURIComponent(order.salesOrderNumber)}?company=${encodeURIComponent(order.company)}`,
    request.url,
  ).toString();
  return {
    status: 202,
    headers: { Location: location, "Retry-After": "5" },
    jsonBody: { ...view, pending: true, messageId, statusUrl: location },
  };
}

// For Power Automate and admins (the business events and the catch-up timer find orders by themselves).
app.http("fulfillment-order-send", {
  methods: ["POST"],
  route: "fulfillment/orders/{salesOrderNumber}",
  authLevel: "function",
  handler: withHttpErrors(fulfillmentOrderSend, invocationTelemetry),
});
