import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { requestInventoryWork } from "../flows/inventory/requests";
import { acceptedExample, InventoryRequestAccepted, InventoryRequestView, RECONCILE_REQUEST_EXAMPLE } from "../flows/inventory/api";
import { describeRoute } from "../platform/api-docs/routes";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { inventoryRequestDeps } from "../wiring/inventory";

const ReconcileRequest = z
  .object({
    marketplaceIds: z
      .array(z.string().regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id"))
      .min(1)
      .optional()
      .meta({ description: "Only these FBA marketplaces; default: every one of mappings/inventory.json" }),
  })
  .strict();

/** Queues an FBA reconciliation now; 202 with the request's status URL (Location). */
export async function inventoryFbaReconcileNow(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const raw = await request.text();
  const body = raw.trim() ? await parseJsonBody({ text: async () => raw }, ReconcileRequest) : {};
  const queued = await requestInventoryWork(
    { kind: "fba-reconcile", ...(body.marketplaceIds ? { marketplaceIds: body.marketplaceIds } : {}) },
    inventoryRequestDeps(currentApp()),
  );
  const location = new URL(`/api/inventory/requests/${encodeURIComponent(queued.requestId)}`, request.url).toString();
  return { status: 202, headers: { Location: location, "Retry-After": "10" }, jsonBody: { ...queued, statusUrl: location } };
}

app.http("inventory-fba-reconcile-now", {
  methods: ["POST"],
  route: "inventory/fba/reconcile",
  authLevel: "function",
  handler: withHttpErrors(inventoryFbaReconcileNow, invocationTelemetry),
});
describeRoute("inventory-fba-reconcile-now", {
  method: "POST",
  route: "inventory/fba/reconcile",
  operationId: "ReconcileFbaInventory",
  summary: "Reconcile FBA stock with D365 now",
  description:
    "Compares Amazon's FBA stock with on-hand in the D365 warehouse standing for FBA and, where configured, prepares an " +
    "unposted counting or adjustment journal; the status URL answers 200 with the result per marketplace.",
  visibility: "advanced",
  tag: "Inventory",
  body: { schema: ReconcileRequest, example: { marketplaceIds: ["ATVPDKIKX0DER"] }, required: false },
  async: {
    description: "The finished request with the reconciliation's result per marketplace",
    result: InventoryRequestView,
    example: RECONCILE_REQUEST_EXAMPLE,
    accepted: { schema: InventoryRequestAccepted, example: acceptedExample("fba-reconcile"), description: "The reconciliation is queued" },
    retryAfterSeconds: 10,
  },
  errors: [400],
});
