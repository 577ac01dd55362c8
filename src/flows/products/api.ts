/**
 * The shapes the products routes answer with, as zod schemas for the OpenAPI document (docs/power-automate.md):
 * the sync (`POST /api/products/sync` answers 202 with its plan; its status URL `GET /api/products/sync/{syncId}`
 * answers 202 while batches are published and 200 with what they did), one item's publish and one item's view.
 * Dates are ISO 8601 text, as the JSON answers carry them.
 */
import { z } from "zod";
import { LISTING_STATES } from "./listing-records";

const Counts = z.record(z.string(), z.number().int()).meta({
  description: "How many listings ended how (created, offer-created, patched, in-step, unchanged, review, needs-mapping, not-sold)",
});
const SyncId = z.string().meta({ title: "Sync ID", description: "The sync's id, as in its status URL" });
const ItemNumber = z.string().meta({ title: "Item Number", description: "D365 item number (released product)" });
const MarketplaceId = z.string().meta({ title: "Marketplace ID", description: "Amazon marketplace id, e.g. ATVPDKIKX0DER" });

const SyncPlanFields = {
  syncId: SyncId,
  startedAt: z.string().meta({ description: "When the sync started (ISO 8601)" }),
  source: z.string().meta({ description: "timer or http" }),
  listings: z.number().int().meta({ description: "Listings (item x marketplace) compared with D365" }),
  items: z.number().int().meta({ description: "Items sent to publish: something changed, or their listing is read again" }),
  batches: z.number().int().meta({ description: "Publish batches on the products queue" }),
  counts: z
    .record(z.string(), z.number().int())
    .meta({ description: "Listings by what the comparison found: new, changed, stale (read again), unchanged" }),
  problems: z.array(z.string()).meta({ description: "Marketplaces of products.json that could not be used, and why" }),
};

export const ProductsSyncAccepted = z.object({
  ...SyncPlanFields,
  statusUrl: z.string().meta({ description: "The URL to poll (also in Location)" }),
});

export const ProductsSyncStatus = z.object({
  ...SyncPlanFields,
  status: z.enum(["running", "done"]),
  batchesDone: z.number().int(),
  results: Counts,
  finishedAt: z.string().optional().meta({ description: "When the last batch was published (ISO 8601)" }),
});

export const ListingIssueView = z.object({
  code: z.string().meta({ description: "Amazon's issue code (e.g. 90220), or the app's (definition.required, products.noPrice)" }),
  message: z.string(),
  severity: z.enum(["ERROR", "WARNING", "INFO"]),
  attributeNames: z.array(z.string()).optional(),
  source: z
    .enum(["amazon", "definition", "mapping"])
    .optional()
    .meta({ description: "Who found it: Amazon, the product type definition, the mapping" }),
});

export const ProductPublishResult = z.object({
  itemNumber: ItemNumber,
  listings: z.array(
    z.object({
      itemNumber: ItemNumber,
      marketplaceId: MarketplaceId,
      action: z.enum(["created", "offer-created", "patched", "in-step", "unchanged", "review", "needs-mapping", "not-sold", "not-found"]),
      sku: z.string().optional().meta({ title: "Seller SKU" }),
      asin: z.string().optional().meta({ title: "ASIN" }),
      patched: z.array(z.string()).optional().meta({ description: "The attributes a patch changed" }),
      issues: z.array(ListingIssueView).optional(),
    }),
  ),
  counts: Counts,
  problems: z.array(z.string()),
});

const CrossrefSuggestionView = z
  .object({
    sellerSku: z.string(),
    itemNumber: z.string(),
    asin: z.string().optional(),
    fnsku: z.string().optional().meta({ title: "FNSKU" }),
  })
  .meta({ description: "An entry for sku-crossref.json with the ASIN (and FNSKU) Amazon knows" });

export const ProductView = z.object({
  itemNumber: ItemNumber,
  marketplaces: z.array(
    z.object({
      marketplaceId: MarketplaceId,
      sellerSku: z.string().meta({ title: "Seller SKU" }),
      asin: z.string().optional().meta({ title: "ASIN" }),
      fnsku: z.string().optional().meta({ title: "FNSKU" }),
      state: z.enum(LISTING_STATES as [string, ...string[]]).meta({ description: "published, review, needs-mapping or pending" }),
      amazonStatus: z.array(z.string()).meta({ description: "Amazon's status: BUYABLE, DISCOVERABLE (empty when suppressed)" }),
      productType: z.string().optional(),
      offerOnly: z.boolean().meta({ description: "An offer on an existing catalog item (ASIN)" }),
      issues: z.array(ListingIssueView),
      lastPublished: z.record(z.string(), z.string()).meta({ description: "The values last published, per Amazon attribute" }),
      publishedAt: z.string().optional(),
      checkedAt: z.string().optional(),
      review: z
        .object({ reason: z.string(), description: z.string(), suggestion: z.unknown().optional(), replay: z.string() })
        .optional()
        .meta({ description: "Why the listing needs a person, and the URL that retries it after the fix" }),
      crossrefSuggestion: CrossrefSuggestionView.optional(),
    }),
  ),
});

const PLAN_EXAMPLE = {
  syncId: "20261127T121000Z-k3v9qa",
  startedAt: "2026-11-27T12:10:00.000Z",
  source: "http",
  listings: 38,
  items: 1,
  batches: 1,
  counts: { listings: 38, new: 0, changed: 3, stale: 0, unchanged: 35 },
  problems: [],
};

export const PRODUCTS_SYNC_ACCEPTED_EXAMPLE: z.infer<typeof ProductsSyncAccepted> = {
  ...PLAN_EXAMPLE,
  statusUrl: "https://your-function-app.azurewebsites.net/api/products/sync/20261127T121000Z-k3v9qa",
};

export const PRODUCTS_SYNC_STATUS_EXAMPLE: z.infer<typeof ProductsSyncStatus> = {
  ...PLAN_EXAMPLE,
  status: "done",
  batchesDone: 1,
  results: { patched: 3 },
  finishedAt: "2026-11-27T12:10:04.000Z",
};

export const PRODUCT_PUBLISH_EXAMPLE: z.infer<typeof ProductPublishResult> = {
  itemNumber: "D0013",
  listings: [
    {
      itemNumber: "D0013",
      marketplaceId: "ATVPDKIKX0DER",
      action: "review",
      sku: "DEMO-EARBUDS-WL",
      issues: [
        {
          code: "90220",
          message: "'headphones_form_factor' is required but not supplied.",
          severity: "ERROR",
          attributeNames: ["headphones_form_factor"],
          source: "amazon",
        },
      ],
    },
    { itemNumber: "D0013", marketplaceId: "A1F83G8C2ARO7P", action: "not-sold" },
  ],
  counts: { review: 1, "not-sold": 1 },
  problems: [],
};

export const PRODUCT_VIEW_EXAMPLE: z.infer<typeof ProductView> = {
  itemNumber: "D0012",
  marketplaces: [
    {
      marketplaceId: "ATVPDKIKX0DER",
      sellerSku: "DEMO-WEBCAM-HD",
      asin: "B0SIM00002",
      state: "published",
      amazonStatus: ["BUYABLE", "DISCOVERABLE"],
      productType: "PRODUCT",
      offerOnly: false,
      issues: [],
      lastPublished: { item_name: "Demo HD Webcam", purchasable_offer: "54.99 USD", condition_type: "new_new" },
      publishedAt: "2026-11-27T12:10:02.000Z",
      checkedAt: "2026-11-27T12:10:02.000Z",
      crossrefSuggestion: { sellerSku: "DEMO-WEBCAM-HD", itemNumber: "D0012", asin: "B0SIM00002" },
    },
  ],
};
