import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { OrderQuery, SalesOrderNumberParam, SHIPMENTS_EXAMPLE, ShipmentsAccepted, ShipmentsView } from "../flows/fulfillment/api";
import { orderRoute, requestShipmentConfirmation } from "../flows/fulfillment/status-api";
import { describeRoute } from "../platform/api-docs/routes";
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
describeRoute("shipment-confirm", {
  method: "POST",
  route: "shipments/{salesOrderNumber}/confirm",
  operationId: "ConfirmShipments",
  summary: "Confirm an Amazon order's shipments",
  description:
    "Confirms the posted packing slips of an Amazon order the seller ships itself (FBM) to Amazon now, one package per packing " +
    "slip, once each, with the carrier from mappings/carriers.json; answers with every package's status.",
  visibility: "important",
  tag: "Fulfillment",
  path: z.object({ salesOrderNumber: SalesOrderNumberParam }),
  query: OrderQuery,
  async: {
    description: "The order's packages once the request was handled",
    result: ShipmentsView,
    example: SHIPMENTS_EXAMPLE,
    accepted: {
      schema: ShipmentsAccepted,
      example: {
        salesOrderNumber: "000707",
        dataAreaId: "usmf",
        messageId: "order:http-confirm:usmf/000707:1763632800000",
        statusUrl: "https://my-app.azurewebsites.net/api/shipments/000707?company=usmf",
      },
    },
    retryAfterSeconds: 5,
  },
  errors: [400],
});
