import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { syncProducts } from "../flows/products/sync";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { syncDeps, syncOptions } from "../wiring/products";

const SyncRequest = z
  .object({
    /** Send every selected item, not only those that changed (after a mapping change). */
    force: z.boolean().optional(),
    marketplaceIds: z
      .array(z.string().regex(/^[A-Z0-9]{10,16}$/))
      .min(1)
      .optional(),
  })
  .strict();

/** Runs the products sync now: 202 with the plan and the status URL of its batches (Location). */
export async function productSyncNow(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const raw = await request.text();
  const body = raw.trim() ? await parseJsonBody({ text: async () => raw }, SyncRequest) : {};
  const a = currentApp();
  const plan = await syncProducts(syncOptions(a, { source: "http", ...body }), syncDeps(a, context));
  const location = new URL(`/api/products/sync/${encodeURIComponent(plan.syncId)}`, request.url).toString();
  return { status: 202, headers: { Location: location, "Retry-After": "10" }, jsonBody: { ...plan, statusUrl: location } };
}

app.http("product-sync-now", {
  methods: ["POST"],
  route: "products/sync",
  authLevel: "function",
  handler: withHttpErrors(productSyncNow, invocationTelemetry),
});
