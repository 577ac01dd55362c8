/**
 * Catalog Items 2022-04-01 and Product Type Definitions 2020-09-01: what the products flow needs to match a
 * D365 product to an existing Amazon catalog item (by barcode) before creating a listing, and to know which
 * attributes a product type requires.
 */
import { z } from "zod";
import { InternalError, ValidationError } from "../platform/errors";
import type { SpApiContext } from "./context";

export const CatalogItem = z.looseObject({
  asin: z.string(),
  identifiers: z
    .array(
      z.looseObject({
        marketplaceId: z.string(),
        identifiers: z.array(z.looseObject({ identifierType: z.string(), identifier: z.string() })),
      }),
    )
    .optional(),
  summaries: z
    .array(
      z.looseObject({
        marketplaceId: z.string(),
        brand: z.string().optional(),
        itemName: z.string().optional(),
        manufacturer: z.string().optional(),
        modelNumber: z.string().optional(),
      }),
    )
    .optional(),
  productTypes: z.array(z.looseObject({ marketplaceId: z.string().optional(), productType: z.string().optional() })).optional(),
});
export type CatalogItem = z.infer<typeof CatalogItem>;

const SearchCatalogItemsResponse = z.looseObject({
  numberOfResults: z.number().int(),
  pagination: z.looseObject({ nextToken: z.string().optional() }).optional(),
  items: z.array(CatalogItem),
});

export const ProductTypeDefinition = z.looseObject({
  productType: z.string(),
  displayName: z.string().optional(),
  marketplaceIds: z.array(z.string()),
  locale: z.string(),
  requirements: z.enum(["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"]),
  requirementsEnforced: z.enum(["ENFORCED", "NOT_ENFORCED"]),
  propertyGroups: z.record(
    z.string(),
    z.looseObject({ title: z.string().optional(), description: z.string().optional(), propertyNames: z.array(z.string()).optional() }),
  ),
  productTypeVersion: z.looseObject({ version: z.string(), latest: z.boolean(), releaseCandidate: z.boolean().optional() }),
  schema: z.looseObject({ link: z.looseObject({ resource: z.string(), verb: z.literal("GET") }), checksum: z.string() }),
  metaSchema: z.looseObject({ link: z.looseObject({ resource: z.string(), verb: z.literal("GET") }), checksum: z.string() }).optional(),
});
export type ProductTypeDefinition = z.infer<typeof ProductTypeDefinition>;

/** The downloaded product type JSON Schema (Amazon's meta-schema): what the flows read from it. */
export const ProductTypeSchema = z.looseObject({
  $schema: z.string().optional(),
  $id: z.string().optional(),
  required: z.array(z.string()).default([]),
  properties: z.record(z.string(), z.unknown()),
});
export type ProductTypeSchema = z.infer<typeof ProductTypeSchema>;

export type BarcodeType = "EAN" | "UPC" | "GTIN" | "ISBN" | "JAN";

export class CatalogApi {
  constructor(private readonly ctx: SpApiContext) {}

  /**
   * Catalog items whose barcode (or ASIN, or the seller's SKU) is one of `identifiers` (at most 20 per call;
   * more are searched in chunks). Amazon returns no error for unknown identifiers, just fewer items.
   */
  async searchByIdentifiers(
    identifiers: string[],
    identifiersType: BarcodeType | "ASIN" | "SKU",
    marketplaceId: string,
    includedData: ("identifiers" | "summaries" | "productTypes" | "attributes")[] = ["identifiers", "summaries", "productTypes"],
  ): Promise<CatalogItem[]> {
    const out: CatalogItem[] = [];
    for (let i = 0; i < identifiers.length; i += 20) {
      const chunk = identifiers.slice(i, i + 20);
      let pageToken: string | undefined;
      do {
        const r = await this.ctx.call("searchCatalogItems", SearchCatalogItemsResponse, {
          query: {
            identifiers: chunk,
            identifiersType,
            marketplaceIds: [marketplaceId],
            includedData,
            ...(identifiersType === "SKU" ? { sellerId: this.ctx.sellerId } : {}),
            pageToken,
          },
        });
        out.push(...r.items);
        pageToken = r.pagination?.nextToken;
      } while (pageToken);
    }
    return out;
  }

  /** The ASIN whose identifiers include `barcode` in the marketplace, if the catalog knows one. */
  async findAsinByBarcode(barcode: string, type: BarcodeType, marketplaceId: string): Promise<string | undefined> {
    const items = await this.searchByIdentifiers([barcode], type, marketplaceId, ["identifiers"]);
    const hit = items.find((it) =>
      it.identifiers?.some((m) => m.marketplaceId === marketplaceId && m.identifiers.some((x) => x.identifier === barcode)),
    );
    return (hit ?? items[0])?.asin;
  }

  /** The product type definition (requirements LISTING by default, enforced). Cache it per product type and marketplace. */
  async getDefinitionsProductType(
    productType: string,
    marketplaceId: string,
    opts: {
      requirements?: "LISTING" | "LISTING_PRODUCT_ONLY" | "LISTING_OFFER_ONLY";
      requirementsEnforced?: "ENFORCED" | "NOT_ENFORCED";
      locale?: string;
    } = {},
  ): Promise<ProductTypeDefinition> {
    if (!/^[A-Z0-9_]+$/.test(productType))
      throw new ValidationError("spapi.invalidInput", `product type ${productType} is not an Amazon product type name`);
    return this.ctx.call("getDefinitionsProductType", ProductTypeDefinition, {
      path: { productType },
      query: {
        marketplaceIds: [marketplaceId],
        sellerId: this.ctx.sellerId,
        requirements: opts.requirements,
        requirementsEnforced: opts.requirementsEnforced,
        locale: opts.locale,
      },
    });
  }

  /** Downloads the definition's JSON Schema (its link is presigned: download right after the definition call). */
  async downloadProductTypeSchema(def: ProductTypeDefinition): Promise<ProductTypeSchema> {
    const doc = await this.ctx.download({ url: def.schema.link.resource });
    let json: unknown;
    try {
      json = JSON.parse(doc.text);
    } catch {
      throw new InternalError("spapi.unexpectedResponse", `the schema of product type ${def.productType} is not JSON`);
    }
    const parsed = ProductTypeSchema.safeParse(json);
    if (!parsed.success)
      throw new InternalError("spapi.unexpectedResponse", `the schema of product type ${def.productType} has no properties`);
    return parsed.data;
  }

  /** Required attribute names of a product type (from its schema's `required`). */
  async requiredAttributes(
    productType: string,
    marketplaceId: string,
    requirements: "LISTING" | "LISTING_OFFER_ONLY" = "LISTING",
  ): Promise<string[]> {
    const def = await this.getDefinitionsProductType(productType, marketplaceId, { requirements });
    return (await this.downloadProductTypeSchema(def)).required;
  }
}
