import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { syncProducts } from "../flows/products/sync";
import { parseJsonBody, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { describeRoute } from "../platform/api-docs/routes";
import {
  PRODUCTS_SYNC_ACCEPTED_EXAMPLE,
  PRODUCTS_SYNC_STATUS_EXAMPLE,
  ProductsSyncAccepted,
  ProductsSyncStatus,
} from "../flows/products/api";
import { syncDeps, syncOptions } from "../wiring/products";

export const SyncRequest = z
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
describeRoute("product-sync-now", {
  method: "POST",
  route: "products/sync",
  operationId: "SyncProducts",
  summary: "Sync D365 products to Amazon listings now",
  description:
    "Compares D365's released products with their Amazon listings and publishes what changed (new listings, offers, prices, texts); answers 202 and its status URL answers 200 when every batch is published.",
  visibility: "important",
  tag: "Products",
  body: { schema: SyncRequest, example: { marketplaceIds: ["ATVPDKIKX0DER"] }, required: false },
  async: {
    description: "The finished sync: what each listing's publish did",
    result: ProductsSyncStatus,
    example: PRODUCTS_SYNC_STATUS_EXAMPLE,
    accepted: {
      schema: ProductsSyncAccepted,
      example: PRODUCTS_SYNC_ACCEPTED_EXAMPLE,
      description: "The sync's plan; its batches are being published",
    },
    retryAfterSeconds: 10,
  },
  errors: [400],
});
