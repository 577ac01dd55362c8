import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { getInventoryRequest } from "../flows/inventory/requests";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

const RequestId = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, "an inventory request id");

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
