/**
 * mappings/marketplaces.json: one entry per Amazon marketplace the seller sells in, saying where its orders
 * go in D365 (legal entity, customer, currency, site and warehouse per fulfillment channel) and how
 * shipping, gift wrap and tax are booked.
 */
import { z } from "zod";

const code = (what: string, max = 20) => z.string().trim().min(1).max(max).describe(what);

export const FulfillmentTarget = z
  .object({
    siteId: code("D365 site (InventSiteId) the order lines ship from."),
    warehouseId: code("D365 warehouse (InventLocationId) the order lines ship from."),
    deliveryModeCode: code("Optional D365 mode of delivery (DeliveryModeCode) on the header.").optional(),
    salesOriginCode: code(
      "Optional D365 sales origin (SalesOrderOriginCode) for this channel, e.g. AMZ-FBA; overrides the marketplace's.",
    ).optional(),
  })
  .strict();

export const ExtraAmountHandling = z
  .object({
    as: z
      .enum(["item-line", "charge", "ignore"])
      .describe(
        "item-line: an extra sales line with a non-stock item; charge: a header charge (SalesOrderHeaderChargesV2); ignore: not booked on the order.",
      ),
    itemNumber: code("Non-stock D365 item used when `as` is item-line (e.g. a freight service item).").optional(),
    chargeCode: code("D365 charges code (MarkupCode) used when `as` is charge.").optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.as === "item-line" && !v.itemNumber)
      ctx.addIssue({ code: "custom", path: ["itemNumber"], message: "is required when as is item-line" });
    if (v.as === "charge" && !v.chargeCode)
      ctx.addIssue({ code: "custom", path: ["chargeCode"], message: "is required when as is charge" });
  });

export const TaxHandling = z
  .object({
    salesTaxGroup: code("D365 sales tax group (SalesTaxGroupCode) of the order header and lines.").optional(),
    pricesIncludeTax: z
      .boolean()
      .describe("True where Amazon's ItemPrice includes VAT (UK, EU): sets ArePricesIncludingSalesTax on the header."),
    marketplaceFacilitator: z
      .enum(["exempt-tax-group", "seller-tax-group"])
      .default("exempt-tax-group")
      .describe(
        "Lines whose tax Amazon collects and remits (TaxCollection.Model = MarketplaceFacilitator): exempt-tax-group puts " +
          "marketplaceFacilitatorTaxGroup on them so D365 does not charge the tax again; seller-tax-group books them like any other line.",
      ),
    marketplaceFacilitatorTaxGroup: code("D365 sales tax group for marketplace-facilitator lines (an exempt group).").optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.marketplaceFacilitator === "exempt-tax-group" && !v.marketplaceFacilitatorTaxGroup) {
      ctx.addIssue({
        code: "custom",
        path: ["marketplaceFacilitatorTaxGroup"],
        message: "is required when marketplaceFacilitator is exempt-tax-group",
      });
    }
  });

export const MarketplaceMapping = z
  .object({
    marketplaceId: z
      .string()
      .regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id like ATVPDKIKX0DER")
      .describe("Amazon MarketplaceId."),
    name: z.string().min(1).describe("A name people recognise, e.g. Amazon.com (US).").optional(),
    dataAreaId: code("D365 legal entity (dataAreaId) the orders are created in.", 8),
    customerAccount: code("D365 customer account ordering and invoiced (one customer per marketplace)."),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like USD")
      .describe("Order currency (CurrencyCode); Amazon amounts in another currency are refused."),
    languageId: code("Optional D365 language of the order (LanguageId), e.g. en-us.", 7).optional(),
    salesOriginCode: code("Optional D365 sales origin (SalesOrderOriginCode), e.g. AMAZON.").optional(),
    salesPoolId: code("Optional D365 sales order pool (SalesOrderPoolId).").optional(),
    fulfillment: z
      .object({
        AFN: FulfillmentTarget.describe("Fulfilled by Amazon (FBA): usually a warehouse that mirrors Amazon's stock."),
        MFN: FulfillmentTarget.describe("Fulfilled by the merchant (FBM): the seller's own warehouse."),
      })
      .strict(),
    shipping: ExtraAmountHandling.describe("How Amazon's ShippingPrice (less ShippingDiscount) is booked."),
    giftWrap: ExtraAmountHandling.describe("How the gift-wrap price is booked."),
    tax: TaxHandling,
  })
  .strict();

export const MarketplacesFile = z
  .object({
    $schema: z.string().optional(),
    marketplaces: z.array(MarketplaceMapping).min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.marketplaces.forEach((m, i) => {
      if (seen.has(m.marketplaceId))
        ctx.addIssue({ code: "custom", path: ["marketplaces", i, "marketplaceId"], message: `duplicate marketplace ${m.marketplaceId}` });
      seen.add(m.marketplaceId);
    });
  });

export type MarketplaceMapping = z.infer<typeof MarketplaceMapping>;
export type MarketplacesFile = z.infer<typeof MarketplacesFile>;
export type ExtraAmountHandling = z.infer<typeof ExtraAmountHandling>;
