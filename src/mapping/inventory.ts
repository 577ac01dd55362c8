/**
 * mappings/inventory.json: how D365 on-hand becomes the merchant-fulfilled (FBM) quantity Amazon shows, and how
 * Amazon's FBA stock is compared with the D365 warehouse that stands for it.
 *
 * FBM: each channel (one Amazon marketplace) is fed by one or more D365 warehouses. Per SKU the quantity pushed is
 *
 *   pool   = Σ over the channel's warehouses of max(0, the chosen D365 quantity)     (negative on-hand counts as 0)
 *   share  = floor((pool − safetyStock) × percent / 100)                               (never below 0)
 *   units  = floor(share / unitsPerAmazonUnit of the SKU cross-reference)
 *   pushed = 0 when units < min; max when units > max; else units
 *
 * Rules are taken from `defaults`, then the channel, then every matching entry of `overrides` in file order (a
 * later entry wins for the fields it sets). A SKU that an override excludes is never pushed (Amazon keeps what it
 * has). See docs/inventory.md.
 */
import { z } from "zod";
import type { Mappings } from "./mappings";

export const INVENTORY_FILE = "inventory.json";

const code = (what: string, max = 20) => z.string().trim().min(1).max(max).describe(what);
const marketplaceId = z
  .string()
  .regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id like ATVPDKIKX0DER")
  .describe("Amazon MarketplaceId.");

export const QuantityBasis = z
  .enum(["available-physical", "total-available", "physical-inventory"])
  .describe(
    "Which D365 quantity (WarehousesOnHandV2) is offered: available-physical = AvailableOnHandQuantity (on hand less " +
      "what is reserved); total-available = TotalAvailableQuantity (available physical plus available ordered, i.e. " +
      "receipts not yet in stock: D365's 'total available', the entity's nearest to available-to-promise); " +
      "physical-inventory = OnHandQuantity (everything on hand, reserved or not).",
  );
export type QuantityBasis = z.infer<typeof QuantityBasis>;

/** The fields a rule may set (every one optional: defaults, channels and overrides are merged in that order). */
const ruleFields = {
  quantity: QuantityBasis.optional(),
  safetyStock: z
    .number()
    .min(0)
    .describe("D365 inventory units kept back from Amazon before the percentage is applied (per SKU and channel).")
    .optional(),
  percent: z
    .number()
    .min(0)
    .max(100)
    .describe("Share of the remaining stock offered on this channel, 0-100 (several channels on one warehouse share it).")
    .optional(),
  min: z
    .number()
    .int()
    .min(0)
    .describe("Below this many Amazon units, 0 is pushed instead (the last few units are not offered).")
    .optional(),
  max: z.number().int().min(0).describe("Never more than this many Amazon units.").optional(),
  leadTimeToShipMaxDays: z
    .number()
    .int()
    .min(1)
    .max(30)
    .describe("Handling time sent with the quantity (lead_time_to_ship_max_days); absent: Amazon keeps what it has.")
    .optional(),
  productType: code(
    "Amazon product type sent with the quantity patch. PRODUCT is generic (accepted for offer-only patches, unverified " +
      "against Amazon); set the listing's real type where Amazon refuses it.",
    100,
  ).optional(),
};

export const AllocationRule = z.object(ruleFields).strict();
export type AllocationRule = z.infer<typeof AllocationRule>;

export const WarehouseRef = z.union([
  code("D365 warehouse (InventLocationId) in the marketplace's legal entity."),
  z
    .object({
      warehouseId: code("D365 warehouse (InventLocationId)."),
      dataAreaId: code("Legal entity of the warehouse; default: the marketplace's (mappings/marketplaces.json).", 8).optional(),
    })
    .strict(),
]);
export type WarehouseRef = z.infer<typeof WarehouseRef>;

export const FbmChannel = z
  .object({
    marketplaceId,
    name: z.string().min(1).describe("A name people recognise.").optional(),
    warehouses: z
      .array(WarehouseRef)
      .min(1)
      .describe("D365 warehouses whose stock feeds this channel; default: the marketplace's MFN warehouse in marketplaces.json.")
      .optional(),
    ...ruleFields,
  })
  .strict();
export type FbmChannel = z.infer<typeof FbmChannel>;

export const FbmOverride = z
  .object({
    sellerSkus: z.array(z.string().min(1)).min(1).describe("Amazon SellerSKUs this entry applies to.").optional(),
    itemNumbers: z.array(code("D365 ItemNumber.")).min(1).describe("D365 items this entry applies to (every SKU of them).").optional(),
    marketplaceIds: z.array(marketplaceId).min(1).describe("Only in these marketplaces; absent: every channel.").optional(),
    exclude: z.boolean().describe("Never push these SKUs (Amazon keeps its quantity), e.g. FBA SKUs or discontinued items.").optional(),
    reason: z.string().max(200).describe("Why (shown in run results).").optional(),
    ...ruleFields,
  })
  .strict()
  .superRefine((o, ctx) => {
    if (!o.sellerSkus && !o.itemNumbers)
      ctx.addIssue({ code: "custom", path: ["sellerSkus"], message: "an override needs sellerSkus or itemNumbers" });
  });
export type FbmOverride = z.infer<typeof FbmOverride>;

export const FbaComponent = z.enum(["fulfillable", "reserved", "unfulfillable", "researching", "inbound"]);
export type FbaComponent = z.infer<typeof FbaComponent>;

export const FbaMarketplace = z
  .object({
    marketplaceId,
    warehouseId: code("D365 warehouse that stands for Amazon's fulfillment network in this marketplace."),
    dataAreaId: code("Legal entity of the warehouse; default: the marketplace's (mappings/marketplaces.json).", 8).optional(),
    siteId: code("Site of the warehouse (used on journal lines); default: the warehouse's own.").optional(),
  })
  .strict();
export type FbaMarketplace = z.infer<typeof FbaMarketplace>;

export const FbaJournal = z
  .object({
    type: z
      .enum(["counting", "adjustment"])
      .describe(
        "counting: an unposted counting journal (InventoryCountingJournalHeaders/Lines) with Amazon's quantity as counted; " +
          "adjustment: an unposted adjustment journal (InventoryAdjustmentJournalHeaders/EntriesV2) with the difference. " +
          "A person reviews and posts it in D365; the app never posts it.",
      ),
    journalNameId: code("D365 inventory journal name (JournalNameId); absent: D365's default.").optional(),
    minDifference: z
      .number()
      .min(0)
      .default(1)
      .describe("Only differences at least this large (D365 units, either sign) go into the journal."),
  })
  .strict();
export type FbaJournal = z.infer<typeof FbaJournal>;

export const InventoryFile = z
  .object({
    $schema: z.string().optional(),
    fbm: z
      .object({
        enabled: z.boolean().default(true).describe("false: the FBM push does nothing (FBA reconciliation still runs)."),
        defaults: AllocationRule.default({}).describe("Rules for every channel and SKU unless a channel or override says otherwise."),
        channels: z.array(FbmChannel).describe("One entry per marketplace whose FBM quantities D365 feeds."),
        overrides: z.array(FbmOverride).default([]).describe("Rules or exclusions for some SKUs or items, applied in file order."),
        onD365Unavailable: z
          .literal("stop")
          .default("stop")
          .describe(
            "When D365 cannot be read (or answers only partly), nothing is pushed: the last pushed quantities stay on Amazon, " +
              "the run is recorded as failed and the event inventory.d365Unavailable is raised. (Never push zeros or stale numbers.)",
          ),
        emptyWarehouse: z
          .enum(["stop", "allow"])
          .default("stop")
          .describe(
            "A feeding warehouse with no on-hand row at all is taken for a wrong company or warehouse id: stop (default, as " +
              "for an outage) or allow (its SKUs go to 0).",
          ),
      })
      .strict()
      .optional(),
    fba: z
      .object({
        marketplaces: z
          .array(FbaMarketplace)
          .min(1)
          .describe("FBA marketplaces and their D365 warehouse; default: every marketplace's AFN warehouse in marketplaces.json.")
          .optional(),
        compare: z
          .array(FbaComponent)
          .min(1)
          .default(["fulfillable", "reserved", "unfulfillable"])
          .describe(
            "Which Amazon quantities add up to what D365 should show on hand: units in Amazon's fulfillment centers are " +
              "fulfillable, reserved (customer orders, transfers, processing) and unfulfillable (damaged); add researching " +
              "(lost units Amazon is looking for) or inbound (not received yet) where your D365 books them so.",
          ),
        journal: FbaJournal.optional().describe("Where configured, an unposted journal for the differences (never posted by the app)."),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.fbm?.channels.forEach((c, i) => {
      if (seen.has(c.marketplaceId))
        ctx.addIssue({ code: "custom", path: ["fbm", "channels", i, "marketplaceId"], message: `duplicate channel ${c.marketplaceId}` });
      seen.add(c.marketplaceId);
    });
    const fba = new Set<string>();
    f.fba?.marketplaces?.forEach((m, i) => {
      if (fba.has(m.marketplaceId))
        ctx.addIssue({
          code: "custom",
          path: ["fba", "marketplaces", i, "marketplaceId"],
          message: `duplicate marketplace ${m.marketplaceId}`,
        });
      fba.add(m.marketplaceId);
    });
  });
export type InventoryFile = z.infer<typeof InventoryFile>;

export const inventoryDefinition = {
  file: INVENTORY_FILE,
  schema: InventoryFile,
  required: false,
  description:
    "Inventory: which D365 warehouses feed which marketplace's FBM quantity and by which rules (quantity basis, safety stock, " +
    "percentage, min/max, exclusions); the D365 warehouse standing for FBA per marketplace and what to compare.",
};

/** The loaded inventory.json, or undefined when the file is absent (the inventory flow then does nothing). */
export function inventoryFile(mappings: Mappings): InventoryFile | undefined {
  return mappings.files.get(INVENTORY_FILE) as InventoryFile | undefined;
}
