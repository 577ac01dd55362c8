import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import {
  FULFILLMENT_ORDER_EXAMPLE,
  FulfillmentOrderAccepted,
  FulfillmentOrderView,
  OrderQuery,
  SalesOrderNumberParam,
} from "../flows/fulfillment/api";
import { orderRoute, requestMcf } from "../flows/fulfillment/status-api";
import { describeRoute } from "../platform/api-docs/routes";
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
describeRoute("fulfillment-order-send", {
  method: "POST",
  route: "fulfillment/orders/{salesOrderNumber}",
  operationId: "SendOrderToMcf",
  summary: "Send a sales order to Amazon MCF",
  description:
    "Sends a D365 sales order that mappings/fulfillment.json selects to Amazon Multi-Channel Fulfillment now (once: an order " +
    "Amazon has is followed instead), and answers with its fulfillment: status, carrier and tracking per package.",
  visibility: "important",
  tag: "Fulfillment",
  path: z.object({ salesOrderNumber: SalesOrderNumberParam }),
  query: OrderQuery,
  async: {
    description: "The order's fulfillment once the request was handled (sent, waiting, needs-attention, ...)",
    result: FulfillmentOrderView,
    example: FULFILLMENT_ORDER_EXAMPLE,
    accepted: {
      schema: FulfillmentOrderAccepted,
      example: {
        ...FULFILLMENT_ORDER_EXAMPLE,
        status: "queued",
        amazonStatus: null,
        shipments: [],
        pending: true,
        messageId: "order:http:usmf/MCF-00001:1763632800000",
        statusUrl: "https://my-app.azurewebsites.net/api/fulfillment/orders/MCF-00001?company=usmf",
      },
    },
    retryAfterSeconds: 5,
  },
  errors: [400],
});
