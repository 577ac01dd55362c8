/**
 * mappings/products.json: which D365 released products are sold on which Amazon marketplace, as which Amazon
 * product type, with which attributes, at which price. Published as mappings/schemas/products.schema.json;
 * docs/products.md walks through an example.
 *
 * - `marketplaces[]`: per marketplace, which products (by item group, an explicit list of item numbers, or a
 *   condition on a released-product field), the price source (the item's sales price, or a sales price trade
 *   agreement for the marketplace's customer or a price group) and, when they differ from marketplaces.json,
 *   the legal entity, currency and language.
 * - `itemGroups[]`: the Amazon product type and the attribute template per D365 item group (the first entry
 *   that matches wins; "*" matches any group).
 * - `templates`: which D365 field, text with {Field} placeholders or constant fills which Amazon attribute.
 *   A template may extend another; `null` removes an inherited attribute.
 * - `barcodes[]`: which bar code setups (ProductBarcodesV3.BarcodeSetupId) are which Amazon identifier type;
 *   the first setup an item has is its barcode.
 *
 * Price and barcode are not template attributes: the flow writes them as Amazon's `purchasable_offer` and
 * `externally_assigned_product_identifier`.
 */
import { z } from "zod";

export const PRODUCTS_FILE = "products.json";

const FieldName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, "must be a D365 field name like ProductName or SearchName")
  .describe(
    "A field of the released product: any ReleasedProductsV2 field (SearchName, ProductGroupId, NetProductWeight, …), " +
      "or ProductName / ProductDescription (read from ReleasedProductCreationsV2).",
  );

const AttributeName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,99}$/, "must be an Amazon attribute name like item_name (lower case, underscores)");

export const ValueSource = z.union([
  z
    .object({
      field: FieldName,
      maxLength: z.number().int().min(1).optional().describe("Cut longer text at this many characters."),
    })
    .strict()
    .describe("The value of a D365 field; an empty field gives no value."),
  z
    .object({
      text: z
        .string()
        .min(1)
        .describe('Text with D365 fields in braces, e.g. "{ProductName}: built for everyday use". Empty when a field in it is empty.'),
      maxLength: z.number().int().min(1).optional().describe("Cut longer text at this many characters."),
    })
    .strict(),
  z.object({ constant: z.union([z.string().min(1), z.number(), z.boolean()]).describe("The same value for every product.") }).strict(),
]);
export type ValueSource = z.infer<typeof ValueSource>;

export const AttributeSpec = z
  .union([ValueSource, z.array(ValueSource).min(1).max(20), z.null()])
  .describe("One source, a list of sources (one value each, e.g. bullet points), or null to drop an inherited attribute.");
export type AttributeSpec = z.infer<typeof AttributeSpec>;

export const AttributeTemplate = z
  .object({
    extends: z.string().min(1).optional().describe("Name of a template whose attributes this one starts from."),
    attributes: z.record(AttributeName, AttributeSpec).describe("Amazon attribute name -> where its value comes from."),
  })
  .strict();
export type AttributeTemplate = z.infer<typeof AttributeTemplate>;

export const ProductSelection = z
  .object({
    itemGroups: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('D365 item groups (ReleasedProductsV2.ProductGroupId); "*" = every item group.'),
    items: z.array(z.string().trim().min(1).max(20)).min(1).optional().describe("D365 item numbers."),
    where: z
      .array(
        z
          .object({
            field: FieldName,
            in: z.array(z.string()).min(1).describe("Selected when the field's value is one of these (compared as text)."),
          })
          .strict(),
      )
      .min(1)
      .optional()
      .describe("Conditions on released-product fields, e.g. a product filter code or the lifecycle state; all must hold."),
    exclude: z.array(z.string().trim().min(1).max(20)).optional().describe("D365 item numbers never sold here."),
  })
  .strict()
  .refine((s) => s.itemGroups || s.items || s.where, { error: "needs itemGroups, items or where" })
  .describe(
    "A product is sold here when its item group is listed, or its item number is, or every `where` condition holds; minus `exclude`.",
  );
export type ProductSelection = z.infer<typeof ProductSelection>;

export const PriceSource = z.discriminatedUnion("source", [
  z
    .object({
      source: z.literal("salesPrice").describe("ReleasedProductsV2.SalesPrice per SalesPriceQuantity, in the legal entity's currency."),
    })
    .strict(),
  z
    .object({
      source: z.literal("tradeAgreement").describe("A sales price trade agreement (SalesPriceAgreements) in the marketplace currency."),
      priceGroup: z
        .string()
        .min(1)
        .max(10)
        .optional()
        .describe("Customer price group (PriceCustomerGroupCode); absent: the marketplace's customer account (marketplaces.json)."),
      fallback: z
        .enum(["none", "salesPrice"])
        .default("none")
        .describe("Without an agreement: none (the item waits in review) or the item's sales price (only when it is in this currency)."),
    })
    .strict(),
]);
export type PriceSource = z.infer<typeof PriceSource>;

export const ProductMarketplace = z
  .object({
    marketplaceId: z.string().regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id like ATVPDKIKX0DER"),
    products: ProductSelection,
    price: PriceSource.describe("Where the price comes from. Absent: the offer's price is not managed by the app.").optional(),
    dataAreaId: z.string().min(1).max(8).optional().describe("D365 legal entity the products are read from; default: marketplaces.json."),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code like EUR")
      .optional()
      .describe("Offer currency; default: marketplaces.json."),
    languageTag: z
      .string()
      .regex(/^[a-z]{2}_[A-Z]{2}$/, "must be an Amazon language tag like de_DE")
      .optional()
      .describe("Language tag of text attributes; default: marketplaces.json languageId (en-us -> en_US)."),
  })
  .strict();
export type ProductMarketplace = z.infer<typeof ProductMarketplace>;

export const ItemGroupRule = z
  .object({
    itemGroup: z.string().min(1).describe('D365 item group (ProductGroupId), or "*" for any.'),
    productType: z
      .string()
      .regex(/^[A-Z0-9_]+$/, "must be an Amazon product type like PRODUCT or HEADPHONES")
      .describe("Amazon product type of new listings."),
    template: z.string().min(1).describe("Name of the attribute template (templates)."),
  })
  .strict();
export type ItemGroupRule = z.infer<typeof ItemGroupRule>;

export const BarcodeRule = z
  .object({
    barcodeSetupId: z.string().min(1).max(10).describe("ProductBarcodesV3.BarcodeSetupId, e.g. UPC or EAN13."),
    type: z.enum(["upc", "ean", "gtin", "isbn", "jan"]).describe("Amazon's identifier type for bar codes of that setup."),
  })
  .strict();
export type BarcodeRule = z.infer<typeof BarcodeRule>;

export const ProductsFile = z
  .object({
    $schema: z.string().optional(),
    sellerSku: z
      .object({
        template: z
          .string()
          .min(1)
          .default("{ItemNumber}")
          .describe("Seller SKU of an item without an entry in sku-crossref.json, e.g. {ItemNumber} or AMZ-{ItemNumber}."),
      })
      .strict()
      .default({ template: "{ItemNumber}" }),
    barcodes: z.array(BarcodeRule).default([]),
    matchCatalog: z
      .boolean()
      .default(true)
      .describe(
        "Look an unlisted item up in Amazon's catalog (its ASIN in sku-crossref.json, else its barcode) and list an offer on the match.",
      ),
    marketplaces: z.array(ProductMarketplace).min(1),
    itemGroups: z.array(ItemGroupRule).min(1),
    templates: z.record(z.string().min(1), AttributeTemplate),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.marketplaces.forEach((m, i) => {
      if (seen.has(m.marketplaceId))
        ctx.addIssue({ code: "custom", path: ["marketplaces", i, "marketplaceId"], message: `duplicate marketplace ${m.marketplaceId}` });
      seen.add(m.marketplaceId);
    });
    f.itemGroups.forEach((g, i) => {
      if (!f.templates[g.template])
        ctx.addIssue({ code: "custom", path: ["itemGroups", i, "template"], message: `no template named ${g.template}` });
    });
    for (const [name, t] of Object.entries(f.templates)) {
      const chain = [name];
      let next = t.extends;
      while (next !== undefined) {
        if (!f.templates[next]) {
          ctx.addIssue({ code: "custom", path: ["templates", name, "extends"], message: `no template named ${next}` });
          break;
        }
        if (chain.includes(next)) {
          ctx.addIssue({
            code: "custom",
            path: ["templates", name, "extends"],
            message: `templates extend each other: ${[...chain, next].join(" -> ")}`,
          });
          break;
        }
        chain.push(next);
        next = f.templates[next]!.extends;
      }
    }
  });
export type ProductsFile = z.infer<typeof ProductsFile>;

export const productsDefinition = {
  file: PRODUCTS_FILE,
  schema: ProductsFile,
  description:
    "D365 released products -> Amazon listings: which products each marketplace sells, the product type and attribute template per item group, " +
    "price source and currency per marketplace, bar code types.",
  required: false,
};

/** The loaded products.json, or undefined when MAPPINGS_DIR has none (the products flow is then off). */
export function productsMapping(mappings: { files: ReadonlyMap<string, unknown> }): ProductsFile | undefined {
  return mappings.files.get(PRODUCTS_FILE) as ProductsFile | undefined;
}

/** A template's attributes with everything it extends resolved (the template's own entries win). */
export function resolveTemplate(file: ProductsFile, name: string): Record<string, Exclude<AttributeSpec, null>> {
  const chain: AttributeTemplate[] = [];
  for (let t: AttributeTemplate | undefined = file.templates[name]; t; t = t.extends ? file.templates[t.extends] : undefined) {
    if (chain.includes(t)) break;
    chain.unshift(t);
  }
  const out: Record<string, Exclude<AttributeSpec, null>> = {};
  for (const t of chain)
    for (const [attr, spec] of Object.entries(t.attributes)) {
      if (spec === null) delete out[attr];
      else out[attr] = spec;
    }
  return out;
}
