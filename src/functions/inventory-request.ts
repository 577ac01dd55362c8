import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { getInventoryRequest } from "../flows/inventory/requests";
import { INVENTORY_REQUEST_EXAMPLE, INVENTORY_REQUEST_RUNNING_EXAMPLE, InventoryRequestView } from "../flows/inventory/api";
import { describeRoute } from "../platform/api-docs/routes";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

const RequestId = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,100}$/, "an inventory request id")
  .meta({ title: "Request ID", description: "The requestId of Push changed FBM quantities now or Reconcile FBA stock now" });

/** The state of an inventory request: 202 (with Location and Retry-After) while queued or running, 200 when finished. */
export async function inventoryRequest(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const found = await getInventoryRequest(currentApp().state, RequestId.parse(request.params.requestId));
  if (found.status === "queued" || found.status === "running") {
    return { status: 202, headers: { Location: request.url, "Retry-After": "10" }, jsonBody: found };
  }
  return { status: 200, jsonBody: found };
}

app.http("inventory-request", {
  methods: ["GET"],
  route: "inventory/requests/{requestId}",
  authLevel: "function",
  handler: withHttpErrors(inventoryRequest, invocationTelemetry),
});
describeRoute("inventory-request", {
  method: "GET",
  route: "inventory/requests/{requestId}",
  operationId: "GetInventoryRequest",
  summary: "Get an inventory request",
  description:
    "A push or FBA reconciliation asked for over HTTP: 202 while it is queued or running, 200 with its result when it is done or failed.",
  visibility: "advanced",
  tag: "Inventory",
  path: z.object({ requestId: RequestId }),
  async: {
    description: "The finished request and its result",
    result: InventoryRequestView,
    example: INVENTORY_REQUEST_EXAMPLE,
    accepted: { schema: InventoryRequestView, example: INVENTORY_REQUEST_RUNNING_EXAMPLE, description: "Still queued or running" },
    retryAfterSeconds: 10,
  },
  errors: [400, 404],
});
