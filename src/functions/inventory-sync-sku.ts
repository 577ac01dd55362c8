import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { z } from "zod";
import { pushInventory } from "../flows/inventory/push";
import { PushResultView, SKU_PUSH_EXAMPLE, SKU_PUSH_FAILED_EXAMPLE } from "../flows/inventory/api";
import { describeRoute } from "../platform/api-docs/routes";
import { withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";
import { inventoryPushDeps } from "../wiring/inventory";

const SellerSku = z.string().min(1).max(200).meta({ title: "Seller SKU", description: "A SKU of mappings/sku-crossref.json" });
const MarketplaceId = z
  .string()
  .regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id")
  .meta({ title: "Marketplace ID", description: "Only this marketplace (default: every FBM channel with the SKU)" });

/**
 * Pushes one SKU now, in every FBM channel that has it (or `?marketplaceId=`), even when Amazon has that quantity
 * already: 200 with what was sent and what Amazon answered; 404 when the SKU is not cross-referenced; 503 when D365
 * could not be read (nothing was pushed). `?preview=true`: Amazon only validates the quantities (VALIDATION_PREVIEW),
 * nothing changes on Amazon or in the app's state.
 */
export async function inventorySyncSku(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const sellerSku = SellerSku.parse(request.params.sellerSku);
  const marketplaceId = request.query.get("marketplaceId");
  const preview = request.query.get("preview") === "true";
  const result = await pushInventory(
    {
      sellerSku,
      force: true,
      trigger: "http",
      ...(preview ? { preview: true } : {}),
      ...(marketplaceId ? { marketplaceIds: [MarketplaceId.parse(marketplaceId)] } : {}),
    },
    inventoryPushDeps(currentApp(), context),
  );
  // D365 (or Amazon) could not be reached: nothing was pushed; try again later.
  return { status: result.outcome === "failed" ? 503 : 200, jsonBody: result };
}

// One SKU: a few SP-API calls and one D365 read, so it answers at once.
app.http("inventory-sync-sku", {
  methods: ["POST"],
  route: "inventory/sync/{sellerSku}",
  authLevel: "function",
  handler: withHttpErrors(inventorySyncSku, invocationTelemetry),
});
describeRoute("inventory-sync-sku", {
  method: "POST",
  route: "inventory/sync/{sellerSku}",
  operationId: "SyncInventorySku",
  summary: "Push one SKU's FBM quantity now",
  description:
    "Sends one SKU's allocated quantity to Amazon in every FBM channel that has it, even when Amazon has it already; " +
    "preview=true only lets Amazon validate it. 503 when D365 cannot be read (nothing is pushed).",
  visibility: "important",
  tag: "Inventory",
  path: z.object({ sellerSku: SellerSku }),
  query: z.object({
    marketplaceId: MarketplaceId.optional(),
    preview: z
      .enum(["true", "false"])
      .optional()
      .meta({ description: "true: Amazon validates the quantity (VALIDATION_PREVIEW); nothing changes on Amazon or in the app" }),
  }),
  responses: {
    200: { description: "What was sent per marketplace and what Amazon answered", schema: PushResultView, example: SKU_PUSH_EXAMPLE },
    503: {
      description: "D365 (or Amazon) could not be read: nothing was pushed; try again later",
      schema: PushResultView,
      example: SKU_PUSH_FAILED_EXAMPLE,
    },
  },
  errors: [400, 404],
});
