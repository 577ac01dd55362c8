import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { requestInventoryWork } from "../flows/inventory/requests";
import { acceptedExample, INVENTORY_REQUEST_EXAMPLE, InventoryRequestAccepted, InventoryRequestView } from "../flows/inventory/api";
import { describeRoute } from "../platform/api-docs/routes";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { inventoryRequestDeps } from "../wiring/inventory";

const SyncRequest = z
  .object({
    marketplaceIds: z
      .array(z.string().regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id"))
      .min(1)
      .optional()
      .meta({ description: "Only these marketplaces; default: every FBM channel of mappings/inventory.json" }),
    force: z.boolean().optional().meta({ description: "Send every quantity, also those Amazon has already (a full resend)" }),
  })
  .strict();

/** Queues a push of every changed FBM quantity; 202 with the request's status URL (Location). */
export async function inventorySync(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const raw = await request.text();
  const body = raw.trim() ? await parseJsonBody({ text: async () => raw }, SyncRequest) : {};
  const queued = await requestInventoryWork(
    {
      kind: "push",
      trigger: "http",
      ...(body.marketplaceIds ? { marketplaceIds: body.marketplaceIds } : {}),
      ...(body.force ? { force: true } : {}),
    },
    inventoryRequestDeps(currentApp()),
  );
  const location = new URL(`/api/inventory/requests/${encodeURIComponent(queued.requestId)}`, request.url).toString();
  return { status: 202, headers: { Location: location, "Retry-After": "10" }, jsonBody: { ...queued, statusUrl: location } };
}

// For admins and Power Automate: the push runs on the inventory queue; poll the Location for its result.
app.http("inventory-sync", {
  methods: ["POST"],
  route: "inventory/sync",
  authLevel: "function",
  handler: withHttpErrors(inventorySync, invocationTelemetry),
});
describeRoute("inventory-sync", {
  method: "POST",
  route: "inventory/sync",
  operationId: "SyncInventory",
  summary: "Push changed FBM quantities now",
  description:
    "Reads D365 on-hand, applies the allocation rules of mappings/inventory.json and sends Amazon every merchant-fulfilled " +
    "quantity that changed (force: every quantity); the status URL answers 200 with what was sent and what Amazon refused.",
  visibility: "important",
  tag: "Inventory",
  body: { schema: SyncRequest, example: { marketplaceIds: ["ATVPDKIKX0DER"] }, required: false },
  async: {
    description: "The finished request with the push's result per marketplace",
    result: InventoryRequestView,
    example: INVENTORY_REQUEST_EXAMPLE,
    accepted: { schema: InventoryRequestAccepted, example: acceptedExample("push"), description: "The push is queued" },
    retryAfterSeconds: 10,
  },
  errors: [400],
});
