import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { FULFILLMENT_ORDER_EXAMPLE, FulfillmentOrderList, FulfillmentOrderListQuery } from "../flows/fulfillment/api";
import { fulfillmentOrders } from "../flows/fulfillment/status-api";
import { describeRoute } from "../platform/api-docs/routes";
import { queryParams, validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { mcfRecords } from "../wiring/fulfillment";

/** MCF orders, newest first, optionally of one status (?status=needs-attention) or legal entity. */
export async function fulfillmentOrderList(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const q = FulfillmentOrderListQuery.safeParse(queryParams(request.query));
  if (!q.success) throw validationFromZod(q.error, "query");
  return { status: 200, jsonBody: await fulfillmentOrders(mcfRecords(currentApp()), q.data) };
}

app.http("fulfillment-order-list", {
  methods: ["GET"],
  route: "fulfillment/orders",
  authLevel: "function",
  handler: withHttpErrors(fulfillmentOrderList, invocationTelemetry),
});
describeRoute("fulfillment-order-list", {
  method: "GET",
  route: "fulfillment/orders",
  operationId: "ListMcfOrders",
  summary: "List MCF orders",
  description: "The D365 sales orders the app looked at for Amazon MCF, newest first; ?status=needs-attention lists what needs a person.",
  visibility: "advanced",
  tag: "Fulfillment",
  query: FulfillmentOrderListQuery,
  responses: {
    200: { description: "The orders", schema: FulfillmentOrderList, example: { orders: [FULFILLMENT_ORDER_EXAMPLE], truncated: false } },
  },
  errors: [400],
});
