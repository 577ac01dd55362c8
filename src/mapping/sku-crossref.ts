/**
 * mappings/sku-crossref.json: Amazon SellerSKU -> D365 ItemNumber (and variant dimensions), with ASIN and
 * FNSKU for reference. An unknown SKU stops the order (nothing is created) with a suggested entry.
 */
import { z } from "zod";

export const SkuMapping = z
  .object({
    sellerSku: z.string().min(1).max(200).describe("Amazon SellerSKU exactly as in Seller Central (case-sensitive)."),
    itemNumber: z.string().trim().min(1).max(20).describe("D365 ItemNumber (released product)."),
    colorId: z.string().min(1).max(10).describe("Product color dimension (ProductColorId).").optional(),
    sizeId: z.string().min(1).max(10).describe("Product size dimension (ProductSizeId).").optional(),
    styleId: z.string().min(1).max(10).describe("Product style dimension (ProductStyleId).").optional(),
    configurationId: z.string().min(1).max(10).describe("Product configuration dimension (ProductConfigurationId).").optional(),
    salesUnit: z.string().min(1).max(10).describe("Sales unit (SalesUnitSymbol); empty: the item's default.").optional(),
    unitsPerAmazonUnit: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe("D365 units per Amazon unit (e.g. 6 for a six-pack sold as one).")
      .optional(),
    asin: z
      .string()
      .regex(/^[A-Z0-9]{10}$/, "must be a 10-character ASIN")
      .describe("Amazon ASIN (reference).")
      .optional(),
    fnsku: z
      .string()
      .regex(/^[A-Z0-9]{10}$/, "must be a 10-character FNSKU")
      .describe("FBA FNSKU (reference).")
      .optional(),
    marketplaceIds: z.array(z.string()).min(1).describe("Only for these marketplaces; absent: all.").optional(),
  })
  .strict();

export const SkuCrossrefFile = z
  .object({
    $schema: z.string().optional(),
    unmappedSku: z
      .enum(["fail", "identity"])
      .default("fail")
      .describe(
        "fail: an order with a SKU not listed here waits for a mapping (recommended); identity: use the SellerSKU as the D365 ItemNumber.",
      ),
    items: z.array(SkuMapping),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Map<string, number>();
    f.items.forEach((it, i) => {
      const keys = (it.marketplaceIds ?? ["*"]).map((m) => `${it.sellerSku}\u0000${m}`);
      for (const k of keys) {
        if (seen.has(k))
          ctx.addIssue({
            code: "custom",
            path: ["items", i, "sellerSku"],
            message: `duplicate SKU ${it.sellerSku} (also at items[${seen.get(k)}])`,
          });
        seen.set(k, i);
      }
    });
  });

export type SkuMapping = z.infer<typeof SkuMapping>;
export type SkuCrossrefFile = z.infer<typeof SkuCrossrefFile>;
