/**
 * The inventory routes' JSON answers as zod schemas, for the OpenAPI document (docs/power-automate.md) and the
 * API tests that parse the real answers with them:
 *  - `POST /api/inventory/sync` and `POST /api/inventory/fba/reconcile` answer 202 (InventoryRequestAccepted) with
 *    Location `GET /api/inventory/requests/{requestId}`, which answers 202 while the work is queued or running and
 *    200 when it is done (InventoryRequestView, with the push's or the reconciliation's result);
 *  - `POST /api/inventory/sync/{sellerSku}` answers the push's result at once (PushResultView);
 *  - `GET /api/inventory/fba/discrepancies` (DiscrepancyReportView; `format=csv`: the same lines as CSV);
 *  - `GET /api/inventory/sku-suggestions` (SkuSuggestionsView).
 * Dates are ISO 8601 strings; D365 quantities are decimal strings (exact), Amazon's are whole units.
 */
import { z } from "zod";
import type { ReconcileResult } from "./fba-reconcile";
import type { PushResult } from "./push";
import type { DiscrepancyReport, SkuSuggestion } from "./report";

const Quantity = z.string().meta({ description: "A D365 quantity as a decimal string (exact), e.g. 48 or 12.5" });
const Units = z.number().int().meta({ description: "Whole Amazon units" });
const RunOutcomeView = z.enum(["succeeded", "partial", "failed", "skipped", "not-configured"]).meta({
  description: "succeeded, partial (some marketplaces failed), failed, skipped (another push was running) or not-configured",
});

export const MarketplacePushView = z.object({
  marketplaceId: z.string(),
  ok: z.boolean().meta({ description: "False when this marketplace's push failed (see error)" }),
  skus: z.number().int().meta({ title: "SKUs", description: "SKUs the allocation rules give a quantity for" }),
  unchanged: z.number().int().meta({ description: "SKUs whose quantity Amazon has already: not sent" }),
  changed: z.number().int().meta({ description: "SKUs sent" }),
  path: z.enum(["none", "patch", "feed"]).meta({ description: "How the quantities went: one patch per SKU, or one JSON_LISTINGS_FEED" }),
  accepted: z.number().int().meta({ description: "Quantities Amazon took" }),
  refused: z
    .array(
      z.object({
        sellerSku: z.string().meta({ title: "Seller SKU" }),
        quantity: Units,
        code: z.string().meta({ description: "Amazon's issue code" }),
        message: z.string().meta({ description: "Amazon's message" }),
      }),
    )
    .meta({ description: "SKUs Amazon refused: parked for review (GET /api/deadletters?queue=inventory-sync)" }),
  heldBack: z.number().int().meta({ description: "Refused before at the same quantity: not sent again" }),
  skippedFba: z.array(z.string()).meta({ title: "Skipped FBA SKUs", description: "SKUs Amazon lists as FBA here: never sent" }),
  excluded: z.number().int().meta({ description: "SKUs excluded by mappings/inventory.json" }),
  feed: z
    .object({
      feedId: z.string(),
      status: z.enum(["pending", "DONE", "FATAL", "CANCELLED"]),
      messages: z.number().int(),
      error: z.string().optional(),
    })
    .optional()
    .meta({ description: "The feed of this push, when more SKUs changed than INVENTORY_FEED_THRESHOLD" }),
  waitingForFeed: z.string().optional().meta({ description: "An earlier run's feed still being processed: nothing new was sent" }),
  quantities: z
    .array(z.object({ sellerSku: z.string().meta({ title: "Seller SKU" }), quantity: Units, pool: Quantity }))
    .optional()
    .meta({ description: "Single-SKU pushes: the quantity sent and the D365 quantity it came from" }),
  error: z.string().optional(),
});

export const PushResultView = z
  .object({
    outcome: RunOutcomeView,
    trigger: z.enum(["timer", "http", "event", "replay", "notification"]),
    startedAt: z.string(),
    finishedAt: z.string(),
    d365: z.object({ rows: z.number().int(), warehouses: z.number().int() }).optional().meta({ title: "D365 Read" }),
    marketplaces: z.array(MarketplacePushView),
    unmappedItems: z
      .object({ count: z.number().int(), first: z.array(z.string()) })
      .meta({ description: "D365 items on hand in a feeding warehouse that no SKU of mappings/sku-crossref.json names" }),
    excluded: z.object({
      count: z.number().int(),
      first: z.array(z.object({ marketplaceId: z.string(), sellerSku: z.string(), itemNumber: z.string(), reason: z.string() })),
    }),
    busySince: z.string().optional().meta({ description: "Another full push holds the lease since then: nothing was done" }),
    error: z.string().optional(),
  })
  .meta({ description: "An FBM push: what was sent per marketplace and what Amazon answered" });

export const FbaMarketplaceView = z.object({
  marketplaceId: z.string(),
  company: z.string().meta({ description: "The D365 legal entity (dataAreaId)" }),
  warehouseId: z.string().meta({ description: "The D365 warehouse standing for Amazon's FBA network" }),
  siteId: z.string().optional(),
  ok: z.boolean(),
  skus: z.number().int().meta({ title: "SKUs", description: "FBA SKUs Amazon reported" }),
  items: z.number().int().meta({ description: "D365 items compared" }),
  discrepancies: z.number().int().meta({ description: "Items that differ (GET /api/inventory/fba/discrepancies)" }),
  unmappedSkus: z.array(z.string()).meta({ title: "Unmapped SKUs" }),
  unmappedItems: z.array(z.string()),
  journal: z
    .object({
      kind: z.enum(["counting", "adjustment"]),
      journalNumber: z.string(),
      lines: z.number().int(),
      status: z.enum(["created", "resumed", "open"]),
    })
    .optional()
    .meta({ description: "The unposted journal prepared for review in D365" }),
  error: z.string().optional(),
});

export const ReconcileResultView = z
  .object({
    outcome: RunOutcomeView,
    startedAt: z.string(),
    finishedAt: z.string(),
    marketplaces: z.array(FbaMarketplaceView),
  })
  .meta({ description: "An FBA reconciliation: per marketplace, what was compared and the journal prepared" });

/** A result too long for its table row keeps its beginning (requests.ts). */
const TruncatedResultView = z.object({ truncated: z.literal(true), length: z.number().int(), start: z.string() });

export const InventoryRequestView = z
  .object({
    requestId: z.string().meta({ title: "Request ID" }),
    kind: z.enum(["push", "fba-reconcile"]).meta({ description: "push (FBM quantities to Amazon) or fba-reconcile" }),
    status: z.enum(["queued", "running", "done", "failed"]),
    requestedAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    result: z
      .union([PushResultView, ReconcileResultView, TruncatedResultView])
      .optional()
      .meta({ description: "When done: the push's result (kind push) or the reconciliation's (kind fba-reconcile)" }),
    error: z.string().optional(),
  })
  .meta({ description: "An inventory request and, once it is done, its result" });

export const InventoryRequestAccepted = InventoryRequestView.extend({
  statusUrl: z.string().meta({ title: "Status URL", description: "The same as Location: poll it until it answers 200" }),
});

export const DiscrepancyLineView = z.object({
  marketplaceId: z.string(),
  sellerSku: z.string().meta({ title: "Seller SKU", description: "The item's Amazon SKUs (space-separated when several)" }),
  itemNumber: z.string(),
  warehouseId: z.string().meta({ description: "The D365 warehouse standing for FBA" }),
  fulfillable: Units.meta({ description: "Units Amazon can send to a buyer now" }),
  inbound: Units.meta({ description: "On the way to Amazon: working + shipped + receiving" }),
  inboundWorking: Units,
  inboundShipped: Units,
  inboundReceiving: Units,
  reserved: Units.meta({ description: "Held for customer orders, transfers or processing" }),
  unfulfillable: Units.meta({ description: "Damaged, defective or expired" }),
  researching: Units.meta({ description: "Lost or misplaced units Amazon is looking for" }),
  amazonCompared: Quantity.meta({ description: "The Amazon quantities compared, in D365 units" }),
  d365OnHand: Quantity.meta({ title: "D365 On-Hand", description: "OnHandQuantity in the FBA warehouse (negative counts as 0)" }),
  difference: Quantity.meta({ description: "D365 − Amazon: positive when D365 shows more than Amazon holds" }),
  since: z.string().meta({ description: "When the item was first seen to differ, unbroken since" }),
  lastSeenAt: z.string(),
  journalNumber: z.string().optional().meta({ description: "The reconciliation journal that carries it" }),
});

export const DiscrepancyReportView = z
  .object({
    marketplaces: z.array(
      z.object({
        marketplaceId: z.string(),
        warehouseId: z.string(),
        reconciledAt: z.string(),
        compare: z.array(z.string()).meta({ description: "The Amazon quantities compared (fulfillable, reserved, ...)" }),
        discrepancies: z.number().int(),
        unmappedSkus: z.array(z.string()).meta({ title: "Unmapped SKUs", description: "Amazon SKUs mappings/sku-crossref.json lacks" }),
        unmappedItems: z.array(z.string()).meta({ description: "D365 items on hand in the FBA warehouse that no SKU names" }),
        openJournal: z
          .object({ kind: z.string(), journalNumber: z.string(), lines: z.number().int() })
          .optional()
          .meta({ description: "The journal waiting for review in D365" }),
        error: z.string().optional().meta({ description: "Why the last reconciliation failed (the comparison shown is the one before)" }),
      }),
    ),
    discrepancies: z.array(DiscrepancyLineView),
  })
  .meta({ description: "The FBA discrepancy report of the last reconciliation" });

export const SkuSuggestionsView = z.object({
  suggestions: z.array(
    z.object({
      sellerSku: z.string().meta({ title: "Seller SKU" }),
      marketplaceIds: z.array(z.string()),
      asin: z.string().optional(),
      fnsku: z.string().optional(),
      itemNumber: z.string().optional(),
      current: z
        .object({ asin: z.string().optional(), fnsku: z.string().optional() })
        .optional()
        .meta({ description: "What the cross-reference has now (absent for a SKU it does not know)" }),
      reason: z.enum(["not-in-crossref", "asin-or-fnsku-missing", "asin-or-fnsku-differs"]),
      entry: z
        .object({
          sellerSku: z.string(),
          itemNumber: z.string().meta({ description: "Empty for a new SKU: fill it in" }),
          asin: z.string().optional(),
          fnsku: z.string().optional(),
          marketplaceIds: z.array(z.string()).optional(),
        })
        .meta({ description: "The entry to paste into mappings/sku-crossref.json" }),
    }),
  ),
  file: z.string().meta({ description: "The file the entries go into" }),
});

// The schemas describe the flow's own types: these fail to compile when one drifts from the other.
type Describes<Schema extends z.ZodType, T extends z.input<Schema>> = T;
export type _Checked = [
  Describes<typeof PushResultView, PushResult>,
  Describes<typeof ReconcileResultView, ReconcileResult>,
  Describes<typeof DiscrepancyReportView, DiscrepancyReport>,
  Describes<typeof SkuSuggestionsView, { suggestions: SkuSuggestion[]; file: string }>,
];

const US = "ATVPDKIKX0DER";

export const PUSH_RESULT_EXAMPLE: z.infer<typeof PushResultView> = {
  outcome: "succeeded",
  trigger: "http",
  startedAt: "2026-11-20T08:00:00.000Z",
  finishedAt: "2026-11-20T08:00:04.000Z",
  d365: { rows: 42, warehouses: 1 },
  marketplaces: [
    {
      marketplaceId: US,
      ok: true,
      skus: 4,
      unchanged: 0,
      changed: 4,
      path: "patch",
      accepted: 3,
      refused: [{ sellerSku: "DEMO-KEYBOARD-DE", quantity: 12, code: "90000900", message: "The listing is blocked in this marketplace" }],
      heldBack: 0,
      skippedFba: [],
      excluded: 1,
    },
  ],
  unmappedItems: { count: 0, first: [] },
  excluded: {
    count: 1,
    first: [{ marketplaceId: US, sellerSku: "DEMO-SPEAKER-WHT", itemNumber: "D0002", reason: "fulfilled by Amazon (FBA)" }],
  },
};

export const SKU_PUSH_EXAMPLE: z.infer<typeof PushResultView> = {
  outcome: "succeeded",
  trigger: "http",
  startedAt: "2026-11-20T08:00:00.000Z",
  finishedAt: "2026-11-20T08:00:01.000Z",
  d365: { rows: 1, warehouses: 1 },
  marketplaces: [
    {
      marketplaceId: US,
      ok: true,
      skus: 1,
      unchanged: 0,
      changed: 1,
      path: "patch",
      accepted: 1,
      refused: [],
      heldBack: 0,
      skippedFba: [],
      excluded: 0,
      quantities: [{ sellerSku: "DEMO-CABLE-USBC-2M", quantity: 58, pool: "100" }],
    },
  ],
  unmappedItems: { count: 0, first: [] },
  excluded: { count: 0, first: [] },
};

const D365_DOWN = "D365 on-hand could not be read, nothing was pushed (Amazon keeps the last pushed quantities): HTTP 503";

export const SKU_PUSH_FAILED_EXAMPLE: z.infer<typeof PushResultView> = {
  outcome: "failed",
  trigger: "http",
  startedAt: "2026-11-20T08:00:00.000Z",
  finishedAt: "2026-11-20T08:00:00.000Z",
  marketplaces: [
    {
      marketplaceId: US,
      ok: false,
      skus: 0,
      unchanged: 0,
      changed: 0,
      path: "none",
      accepted: 0,
      refused: [],
      heldBack: 0,
      skippedFba: [],
      excluded: 0,
      error: D365_DOWN,
    },
  ],
  unmappedItems: { count: 0, first: [] },
  excluded: { count: 0, first: [] },
  error: D365_DOWN,
};

const RECONCILE_RESULT_EXAMPLE: z.infer<typeof ReconcileResultView> = {
  outcome: "succeeded",
  startedAt: "2026-11-20T08:30:00.000Z",
  finishedAt: "2026-11-20T08:30:06.000Z",
  marketplaces: [
    {
      marketplaceId: US,
      company: "usmf",
      warehouseId: "FBA-US",
      ok: true,
      skus: 9,
      items: 9,
      discrepancies: 1,
      unmappedSkus: [],
      unmappedItems: [],
      journal: { kind: "counting", journalNumber: "INVJ-000001", lines: 1, status: "created" },
    },
  ],
};

export const INVENTORY_REQUEST_EXAMPLE: z.infer<typeof InventoryRequestView> = {
  requestId: "push-20261120T080000000Z-1a2b3c4d",
  kind: "push",
  status: "done",
  requestedAt: "2026-11-20T07:59:58.000Z",
  startedAt: "2026-11-20T08:00:00.000Z",
  finishedAt: "2026-11-20T08:00:04.000Z",
  result: PUSH_RESULT_EXAMPLE,
};

export const RECONCILE_REQUEST_EXAMPLE: z.infer<typeof InventoryRequestView> = {
  requestId: "fba-reconcile-20261120T083000000Z-5e6f7a8b",
  kind: "fba-reconcile",
  status: "done",
  requestedAt: "2026-11-20T08:29:58.000Z",
  startedAt: "2026-11-20T08:30:00.000Z",
  finishedAt: "2026-11-20T08:30:06.000Z",
  result: RECONCILE_RESULT_EXAMPLE,
};

export const INVENTORY_REQUEST_RUNNING_EXAMPLE: z.infer<typeof InventoryRequestView> = {
  requestId: "push-20261120T080000000Z-1a2b3c4d",
  kind: "push",
  status: "running",
  requestedAt: "2026-11-20T07:59:58.000Z",
  startedAt: "2026-11-20T08:00:00.000Z",
};

export function acceptedExample(kind: "push" | "fba-reconcile"): z.infer<typeof InventoryRequestAccepted> {
  const requestId = kind === "push" ? INVENTORY_REQUEST_EXAMPLE.requestId : RECONCILE_REQUEST_EXAMPLE.requestId;
  return {
    requestId,
    kind,
    status: "queued",
    requestedAt: "2026-11-20T07:59:58.000Z",
    statusUrl: `https://your-function-app.azurewebsites.net/api/inventory/requests/${requestId}`,
  };
}

export const DISCREPANCY_REPORT_EXAMPLE: z.infer<typeof DiscrepancyReportView> = {
  marketplaces: [
    {
      marketplaceId: US,
      warehouseId: "FBA-US",
      reconciledAt: "2026-11-20T08:30:06.000Z",
      compare: ["fulfillable", "reserved", "unfulfillable"],
      discrepancies: 1,
      unmappedSkus: [],
      unmappedItems: [],
      openJournal: { kind: "counting", journalNumber: "INVJ-000001", lines: 1 },
    },
  ],
  discrepancies: [
    {
      marketplaceId: US,
      sellerSku: "DEMO-SPEAKER-WHT",
      itemNumber: "D0002",
      warehouseId: "FBA-US",
      fulfillable: 40,
      inbound: 5,
      inboundWorking: 0,
      inboundShipped: 5,
      inboundReceiving: 0,
      reserved: 3,
      unfulfillable: 1,
      researching: 2,
      amazonCompared: "44",
      d365OnHand: "48",
      difference: "4",
      since: "2026-11-19T14:30:05.000Z",
      lastSeenAt: "2026-11-20T08:30:06.000Z",
      journalNumber: "INVJ-000001",
    },
  ],
};

export const SKU_SUGGESTIONS_EXAMPLE: z.infer<typeof SkuSuggestionsView> = {
  suggestions: [
    {
      sellerSku: "DEMO-SPEAKER-WHT",
      marketplaceIds: [US],
      asin: "B0DEMO0002",
      fnsku: "X00DEMO002",
      itemNumber: "D0002",
      current: { asin: "B0DEMO0002" },
      reason: "asin-or-fnsku-missing",
      entry: { sellerSku: "DEMO-SPEAKER-WHT", itemNumber: "D0002", asin: "B0DEMO0002", fnsku: "X00DEMO002" },
    },
  ],
  file: "mappings/sku-crossref.json",
};
