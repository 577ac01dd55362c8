import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { OrderQuery, SalesOrderNumberParam, SHIPMENTS_EXAMPLE, ShipmentsView } from "../flows/fulfillment/api";
import { orderRoute, shipmentsOf } from "../flows/fulfillment/status-api";
import { describeRoute } from "../platform/api-docs/routes";
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
describeRoute("shipment-get", {
  method: "GET",
  route: "shipments/{salesOrderNumber}",
  operationId: "GetShipments",
  summary: "Get an Amazon order's shipment confirmations",
  description:
    "The packages of an FBM Amazon order as confirmed to Amazon, one per posted D365 packing slip: reference, carrier, " +
    "tracking number, items, and what a person must fix when one needs attention.",
  visibility: "advanced",
  tag: "Fulfillment",
  path: z.object({ salesOrderNumber: SalesOrderNumberParam }),
  query: OrderQuery,
  async: {
    description: "The order's packages",
    result: ShipmentsView,
    example: SHIPMENTS_EXAMPLE,
    accepted: {
      schema: ShipmentsView,
      example: { ...SHIPMENTS_EXAMPLE, lastOutcome: null, packages: [], pending: true },
      description: "A confirmation request waits to be handled",
    },
    retryAfterSeconds: 5,
  },
  errors: [400, 404],
});
