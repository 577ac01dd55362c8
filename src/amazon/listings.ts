/**
 * Listings Items 2021-08-01: the seller's listings per SKU and marketplace.
 *
 * - `get` reads a listing with its summaries (ASIN, product type, status BUYABLE/DISCOVERABLE), attributes,
 *   issues, offers (price) and fulfillment availability (FBM quantity); undefined when the SKU has no listing.
 * - `put` creates or replaces a listing, `patch` changes some attributes. With `mode: "VALIDATION_PREVIEW"`
 *   Amazon validates without changing anything and answers VALID or INVALID with its issues (e.g. code 90220
 *   "'brand' is required but not supplied."). INVALID is a normal answer, not an exception: look at `status`.
 * - `search` lists the seller's listings, optionally by identifiers (SKU, ASIN, EAN, UPC, GTIN, FNSKU, …).
 * - `setFulfillmentQuantity` / `setPrice` are the two patches the inventory and products flows send.
 *
 * Attribute values use Amazon's shape: arrays of objects with `value`, `marketplace_id`, `language_tag`.
 */
import { z } from "zod";
import { NotFoundError, ValidationError } from "../platform/errors";
import type { SpApiContext } from "./context";

const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, { error: "must be a decimal string" });

export const ListingIssue = z.looseObject({
  code: z.string(),
  message: z.string(),
  severity: z.enum(["ERROR", "WARNING", "INFO"]),
  attributeNames: z.array(z.string()).optional(),
  categories: z.array(z.string()),
  enforcements: z
    .looseObject({
      actions: z.array(z.looseObject({ action: z.string() })),
      exemption: z.looseObject({ status: z.string(), expiryDate: z.string().optional() }),
    })
    .optional(),
  marketplaceIds: z.array(z.string()).optional(),
});
export type ListingIssue = z.infer<typeof ListingIssue>;

export const ListingSummary = z.looseObject({
  marketplaceId: z.string(),
  asin: z.string().optional(),
  productType: z.string(),
  conditionType: z.string().optional(),
  status: z.array(z.string()),
  fnSku: z.string().optional(),
  itemName: z.string().optional(),
  createdDate: z.string(),
  lastUpdatedDate: z.string(),
});

export const Listing = z.looseObject({
  sku: z.string(),
  summaries: z.array(ListingSummary).optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  issues: z.array(ListingIssue).optional(),
  offers: z
    .array(
      z.looseObject({
        marketplaceId: z.string(),
        offerType: z.string(),
        price: z.looseObject({ currencyCode: z.string(), amount: decimalString }),
      }),
    )
    .optional(),
  fulfillmentAvailability: z.array(z.looseObject({ fulfillmentChannelCode: z.string(), quantity: z.number().int().optional() })).optional(),
});
export type Listing = z.infer<typeof Listing>;

export const ListingSubmission = z.looseObject({
  sku: z.string(),
  status: z.enum(["ACCEPTED", "INVALID", "VALID"]),
  submissionId: z.string(),
  issues: z.array(ListingIssue).optional(),
  identifiers: z.array(z.looseObject({ marketplaceId: z.string().optional(), asin: z.string().optional() })).optional(),
});
export type ListingSubmission = z.infer<typeof ListingSubmission>;

const SearchResult = z.looseObject({
  numberOfResults: z.number().int(),
  pagination: z.looseObject({ nextToken: z.string().optional() }).optional(),
  items: z.array(Listing),
});

export type ListingsIncludedData =
  | "summaries"
  | "attributes"
  | "issues"
  | "offers"
  | "fulfillmentAvailability"
  | "procurement"
  | "relationships"
  | "productTypes";

export interface PatchOperation {
  op: "add" | "replace" | "merge" | "delete";
  /** JSON pointer to an attribute, e.g. /attributes/fulfillment_availability. */
  path: string;
  value?: Record<string, unknown>[];
}

export interface PutListingInput {
  marketplaceIds: string[];
  productType: string;
  /** LISTING (product facts and offer, the default), LISTING_OFFER_ONLY (an offer on an existing ASIN), LISTING_PRODUCT_ONLY. */
  requirements?: "LISTING" | "LISTING_OFFER_ONLY" | "LISTING_PRODUCT_ONLY";
  attributes: Record<string, unknown[]>;
  mode?: "VALIDATION_PREVIEW";
  issueLocale?: string;
}

export interface PatchListingInput {
  marketplaceIds: string[];
  productType: string;
  patches: PatchOperation[];
  mode?: "VALIDATION_PREVIEW";
  issueLocale?: string;
}

export interface ListingsSearch {
  marketplaceIds: string[];
  /** At most 20. */
  identifiers?: string[];
  identifiersType?: "ASIN" | "EAN" | "FNSKU" | "GTIN" | "ISBN" | "JAN" | "MINSAN" | "SKU" | "UPC";
  withIssueSeverity?: ("WARNING" | "ERROR")[];
  withStatus?: ("BUYABLE" | "DISCOVERABLE")[];
  withoutStatus?: ("BUYABLE" | "DISCOVERABLE")[];
  includedData?: ListingsIncludedData[];
  /** At most 20. */
  pageSize?: number;
}

/** `[{ value, marketplace_id, language_tag? }]`, the shape of most text attributes. */
export function textAttribute(value: string, marketplaceId: string, languageTag?: string): Record<string, unknown>[] {
  return [{ value, marketplace_id: marketplaceId, ...(languageTag ? { language_tag: languageTag } : {}) }];
}

const PATCH_PATH = /^\/attributes\/[a-z0-9_]+(\/.*)?$/;

export class ListingsApi {
  constructor(private readonly ctx: SpApiContext) {}

  /** The listing, or undefined when the seller has no listing for the SKU in these marketplaces. */
  async get(
    sku: string,
    marketplaceIds: string[],
    includedData: ListingsIncludedData[] = ["summaries", "attributes", "issues", "offers", "fulfillmentAvailability"],
    issueLocale?: string,
  ): Promise<Listing | undefined> {
    try {
      return await this.ctx.call("getListingsItem", Listing, {
        path: { sellerId: this.ctx.sellerId, sku },
        query: { marketplaceIds, includedData, issueLocale },
      });
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Creates or fully replaces the listing (one marketplace per call: the model allows one marketplace id). */
  async put(sku: string, input: PutListingInput): Promise<ListingSubmission> {
    if (input.marketplaceIds.length !== 1)
      throw new ValidationError("spapi.invalidInput", "putListingsItem takes exactly one marketplace id");
    return this.ctx.call("putListingsItem", ListingSubmission, {
      path: { sellerId: this.ctx.sellerId, sku },
      query: {
        marketplaceIds: input.marketplaceIds,
        mode: input.mode,
        includedData: ["issues", "identifiers"],
        issueLocale: input.issueLocale,
      },
      body: {
        productType: input.productType,
        ...(input.requirements ? { requirements: input.requirements } : {}),
        attributes: input.attributes,
      },
    });
  }

  /** Changes some attributes (JSON-patch style). */
  async patch(sku: string, input: PatchListingInput): Promise<ListingSubmission> {
    if (!input.marketplaceIds.length) throw new ValidationError("spapi.invalidInput", "patchListingsItem needs a marketplace id");
    if (!input.patches.length) throw new ValidationError("spapi.invalidInput", "patchListingsItem needs at least one patch");
    const bad = input.patches.find((p) => !PATCH_PATH.test(p.path));
    if (bad) throw new ValidationError("spapi.invalidInput", `patch path ${bad.path} is not /attributes/<name>`);
    return this.ctx.call("patchListingsItem", ListingSubmission, {
      path: { sellerId: this.ctx.sellerId, sku },
      query: {
        marketplaceIds: input.marketplaceIds,
        mode: input.mode,
        includedData: ["issues", "identifiers"],
        issueLocale: input.issueLocale,
      },
      body: { productType: input.productType, patches: input.patches },
    });
  }

  /** Every listing matching the search, page after page. */
  async *search(q: ListingsSearch): AsyncIterable<Listing> {
    if ((q.identifiers?.length ?? 0) > 20)
      throw new ValidationError("spapi.invalidInput", "searchListingsItems takes at most 20 identifiers");
    if (q.identifiers?.length && !q.identifiersType) throw new ValidationError("spapi.invalidInput", "identifiers need an identifiersType");
    let pageToken: string | undefined;
    do {
      const r = await this.ctx.call("searchListingsItems", SearchResult, {
        path: { sellerId: this.ctx.sellerId },
        query: {
          marketplaceIds: q.marketplaceIds,
          identifiers: q.identifiers,
          identifiersType: q.identifiers?.length ? q.identifiersType : undefined,
          withIssueSeverity: q.withIssueSeverity,
          withStatus: q.withStatus,
          withoutStatus: q.withoutStatus,
          includedData: q.includedData ?? ["summaries", "issues"],
          pageSize: q.pageSize,
          pageToken,
        },
      });
      yield* r.items;
      pageToken = r.pagination?.nextToken;
    } while (pageToken);
  }

  /**
   * Sets the merchant-fulfilled quantity (FBM channel DEFAULT). `op: "merge"` keeps optional sub-fields Amazon
   * already has (lead time, restock date); `replace` (default) drops those not sent. Use the listing's real
   * product type (`get(...).summaries[].productType`); "PRODUCT" is accepted by the simulator for any listing.
   */
  async setFulfillmentQuantity(
    sku: string,
    input: {
      marketplaceId: string;
      quantity: number;
      productType: string;
      leadTimeToShipMaxDays?: number;
      op?: "replace" | "merge";
      mode?: "VALIDATION_PREVIEW";
    },
  ): Promise<ListingSubmission> {
    if (!Number.isInteger(input.quantity) || input.quantity < 0)
      throw new ValidationError("spapi.invalidInput", `quantity for ${sku} must be a non-negative integer, got ${input.quantity}`);
    return this.patch(sku, {
      marketplaceIds: [input.marketplaceId],
      productType: input.productType,
      mode: input.mode,
      patches: [
        {
          op: input.op ?? "replace",
          path: "/attributes/fulfillment_availability",
          value: [
            {
              fulfillment_channel_code: "DEFAULT",
              quantity: input.quantity,
              ...(input.leadTimeToShipMaxDays !== undefined ? { lead_time_to_ship_max_days: input.leadTimeToShipMaxDays } : {}),
            },
          ],
        },
      ],
    });
  }

  /**
   * Sets the price (`purchasable_offer.our_price`). The nesting follows Amazon's "manage purchasable offer"
   * guide; check it against the product type definition (docs/spapi.md lists it as unverified).
   */
  async setPrice(
    sku: string,
    input: { marketplaceId: string; currencyCode: string; amount: string; productType: string; mode?: "VALIDATION_PREVIEW" },
  ): Promise<ListingSubmission> {
    if (!/^\d+(\.\d{1,2})?$/.test(input.amount))
      throw new ValidationError("spapi.invalidInput", `price for ${sku} must be a decimal string, got ${input.amount}`);
    return this.patch(sku, {
      marketplaceIds: [input.marketplaceId],
      productType: input.productType,
      mode: input.mode,
      patches: [
        {
          op: "replace",
          path: "/attributes/purchasable_offer",
          value: [
            {
              marketplace_id: input.marketplaceId,
              currency: input.currencyCode,
              // The wire wants a JSON number; a decimal with at most two places serialises back to the same digits.
              our_price: [{ schedule: [{ value_with_tax: Number(input.amount) }] }],
            },
          ],
        },
      ],
    });
  }
}
