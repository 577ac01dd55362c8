import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { FULFILLMENT_ORDER_EXAMPLE, FulfillmentOrderView, OrderQuery, SalesOrderNumberParam } from "../flows/fulfillment/api";
import { fulfillmentOrder, orderRoute } from "../flows/fulfillment/status-api";
import { describeRoute } from "../platform/api-docs/routes";
import { NotFoundError } from "../platform/errors";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { mcfRecords } from "../wiring/fulfillment";

/** One order's MCF fulfillment: status, carrier and tracking per package; 202 while its request waits. */
export async function fulfillmentOrderGet(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const a = currentApp();
  const order = orderRoute(request, a.config.D365_COMPANY);
  const view = await fulfillmentOrder(mcfRecords(a), order.company, order.salesOrderNumber);
  if (!view)
    throw new NotFoundError(
      "fulfillment.notFound",
      `Sales order ${order.salesOrderNumber} (${order.company}) has not been sent to MCF; POST to this URL to send it.`,
    );
  const headers: Record<string, string> = view.pending ? { "Retry-After": "5", Location: request.url } : {};
  return { status: view.pending ? 202 : 200, headers, jsonBody: view };
}

// The Location of POST fulfillment/orders/{salesOrderNumber}.
app.http("fulfillment-order-get", {
  methods: ["GET"],
  route: "fulfillment/orders/{salesOrderNumber}",
  authLevel: "function",
  handler: withHttpErrors(fulfillmentOrderGet, invocationTelemetry),
});
describeRoute("fulfillment-order-get", {
  method: "GET",
  route: "fulfillment/orders/{salesOrderNumber}",
  operationId: "GetMcfOrder",
  summary: "Get a sales order's MCF fulfillment",
  description:
    "Where a D365 sales order stands with Amazon MCF: its status, Amazon's status, and the carrier, tracking number, ship " +
    "date and lines of every package; lastError says what a person must do when it needs attention.",
  visibility: "important",
  tag: "Fulfillment",
  path: z.object({ salesOrderNumber: SalesOrderNumberParam }),
  query: OrderQuery,
  async: {
    description: "The order's fulfillment",
    result: FulfillmentOrderView,
    example: FULFILLMENT_ORDER_EXAMPLE,
    accepted: {
      schema: FulfillmentOrderView,
      example: { ...FULFILLMENT_ORDER_EXAMPLE, status: "queued", amazonStatus: null, shipments: [], pending: true },
      description: "The request waits to be handled",
    },
    retryAfterSeconds: 5,
  },
  errors: [400, 404],
});
