import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { requestInventoryWork } from "../flows/inventory/requests";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { inventoryRequestDeps } from "../wiring/inventory";

const SyncRequest = z
  .object({
    /** Only these marketplaces; default: every FBM channel of mappings/inventory.json. */
    marketplaceIds: z
      .array(z.string().regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id"))
      .min(1)
      .optional(),
    /** Send every quantity, also those Amazon has already (a full resend). */
    force: z.boolean().optional(),
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
