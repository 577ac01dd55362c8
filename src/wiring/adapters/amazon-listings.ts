/**
 * The products flow's AmazonListings port on the SP-API connector: Listings Items 2021-08-01
 * (searchListingsItems by SKU, getListingsItem, putListingsItem, patchListingsItem), Catalog Items 2022-04-01
 * (searchCatalogItems by identifier) and Product Type Definitions 2020-09-01 (getDefinitionsProductType and
 * the schema it links to). Every call goes through the connector's shared rate limiter.
 *
 * Here and nowhere else the wire shapes meet the flow's model: a listing's summaries, issues and attributes
 * for one marketplace; a definition's JSON Schema as the attribute facts the flow checks (required, enums,
 * lengths, which values carry a language tag); money, a decimal string in the flow, is the JSON number the
 * listings API wants in `value_with_tax` (a decimal with at most the currency's two places prints back to the
 * same digits), and back.
 */
import type { SpApiClient } from "../../amazon/client";
import type { BarcodeType as AmazonBarcodeType, ProductTypeSchema } from "../../amazon/catalog";
import type { Listing, ListingSubmission } from "../../amazon/listings";
import type {
  AmazonListing,
  AttributeDefinition,
  AttributeValue,
  Attributes,
  BarcodeType,
  Json,
  ListingIssue,
  PatchOperation,
  ProductTypeInfo,
  Requirements,
  Submission,
} from "../../flows/products/model";
import type { AmazonListings } from "../../flows/products/ports";

const SEARCH_PAGE = 20;
const MONEY_KEYS = new Set(["value_with_tax", "value_with_tax_excluded"]);

/** Decimal strings of money fields as JSON numbers (what the listings API takes). */
export function toWire(value: Json): Json {
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        MONEY_KEYS.has(k) && typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : toWire(v),
      ]),
    );
  return value;
}

/** Money fields of Amazon's answer as decimal strings (the digits Amazon printed). */
export function fromWire(value: unknown): Json {
  if (Array.isArray(value)) return value.map(fromWire);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, MONEY_KEYS.has(k) && typeof v === "number" ? String(v) : fromWire(v)]),
    );
  if (value === undefined) return null;
  return value as Json;
}

function issuesOf(issues: Listing["issues"] | ListingSubmission["issues"], marketplaceId: string): ListingIssue[] {
  return (issues ?? [])
    .filter((i) => !i.marketplaceIds?.length || i.marketplaceIds.includes(marketplaceId))
    .map((i) => ({
      code: i.code,
      message: i.message,
      severity: i.severity,
      ...(i.attributeNames?.length ? { attributeNames: i.attributeNames } : {}),
      source: "amazon" as const,
    }));
}

/** One marketplace's view of a listing. */
export function listingOf(l: Listing, marketplaceId: string): AmazonListing {
  const summary = l.summaries?.find((s) => s.marketplaceId === marketplaceId) ?? l.summaries?.[0];
  const attributes: Attributes = {};
  for (const [name, values] of Object.entries(l.attributes ?? {})) {
    if (!Array.isArray(values)) continue;
    const mine = values.filter(
      (v): v is Record<string, unknown> =>
        !!v &&
        typeof v === "object" &&
        ((v as Record<string, unknown>).marketplace_id === undefined || (v as Record<string, unknown>).marketplace_id === marketplaceId),
    );
    if (mine.length) attributes[name] = mine.map((v) => fromWire(v) as AttributeValue);
  }
  return {
    sku: l.sku,
    marketplaceId,
    ...(summary?.asin ? { asin: summary.asin } : {}),
    ...(summary?.fnSku ? { fnsku: summary.fnSku } : {}),
    productType: summary?.productType ?? "PRODUCT",
    status: summary?.status ?? [],
    issues: issuesOf(l.issues, marketplaceId),
    attributes,
  };
}

function submissionOf(s: ListingSubmission, marketplaceId: string): Submission {
  const asin = s.identifiers?.find((i) => !i.marketplaceId || i.marketplaceId === marketplaceId)?.asin;
  return { status: s.status, issues: issuesOf(s.issues, marketplaceId), ...(asin ? { asin } : {}) };
}

/** GTIN-14 of a UPC, EAN or GTIN (they name one product when their digits agree after leading zeros). */
const gtin14 = (code: string) => code.replace(/\D/g, "").padStart(14, "0");

type SchemaNode = { type?: string; enum?: unknown[]; maxLength?: number; maxItems?: number; title?: string; description?: string };

/** What the flow checks, from a product type's JSON Schema. */
export function definitionOf(
  schema: ProductTypeSchema,
  info: { productType: string; marketplaceId: string; requirements: Requirements; version: string },
): ProductTypeInfo {
  const attributes: Record<string, AttributeDefinition> = {};
  for (const [name, raw] of Object.entries(schema.properties)) {
    const prop = (raw ?? {}) as SchemaNode & { items?: { properties?: Record<string, SchemaNode> } };
    const items = prop.items?.properties ?? {};
    const value = items.value;
    const values = value?.enum?.filter((e): e is string => typeof e === "string");
    attributes[name] = {
      ...(prop.title ? { title: prop.title } : {}),
      ...(prop.description ? { description: prop.description.slice(0, 300) } : {}),
      ...(values?.length ? { enum: values.slice(0, 200) } : {}),
      languageTag: "language_tag" in items,
      marketplaceId: "marketplace_id" in items,
      ...(typeof value?.maxLength === "number" ? { maxLength: value.maxLength } : {}),
      ...(typeof prop.maxItems === "number" ? { maxItems: prop.maxItems } : {}),
    };
  }
  return { ...info, required: schema.required, attributes };
}

export class SpApiListings implements AmazonListings {
  constructor(private readonly client: Pick<SpApiClient, "listings" | "catalog">) {}

  async readListings(skus: string[], marketplaceId: string): Promise<Map<string, AmazonListing>> {
    const out = new Map<string, AmazonListing>();
    for (let i = 0; i < skus.length; i += SEARCH_PAGE) {
      for await (const l of this.client.listings.search({
        marketplaceIds: [marketplaceId],
        identifiers: skus.slice(i, i + SEARCH_PAGE),
        identifiersType: "SKU",
        includedData: ["summaries", "attributes", "issues"],
        pageSize: SEARCH_PAGE,
      }))
        out.set(l.sku, listingOf(l, marketplaceId));
    }
    return out;
  }

  async getListing(sku: string, marketplaceId: string): Promise<AmazonListing | undefined> {
    const l = await this.client.listings.get(sku, [marketplaceId], ["summaries", "attributes", "issues"]);
    return l ? listingOf(l, marketplaceId) : undefined;
  }

  async findCatalogItems(identifiers: string[], type: BarcodeType | "asin", marketplaceId: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!identifiers.length) return out;
    const wireType = type.toUpperCase() as AmazonBarcodeType | "ASIN";
    const items = await this.client.catalog.searchByIdentifiers(identifiers, wireType, marketplaceId, ["identifiers"]);
    for (const id of identifiers) {
      const hit =
        type === "asin"
          ? items.find((it) => it.asin === id)
          : items.find((it) =>
              it.identifiers?.some(
                (m) => m.marketplaceId === marketplaceId && m.identifiers.some((x) => gtin14(x.identifier) === gtin14(id)),
              ),
            );
      if (hit) out.set(id, hit.asin);
    }
    return out;
  }

  async productType(productType: string, marketplaceId: string, requirements: Requirements): Promise<ProductTypeInfo> {
    const def = await this.client.catalog.getDefinitionsProductType(productType, marketplaceId, { requirements });
    // The schema link is presigned and short-lived: download it right after the definition.
    const schema = await this.client.catalog.downloadProductTypeSchema(def);
    return definitionOf(schema, { productType, marketplaceId, requirements, version: def.productTypeVersion.version });
  }

  async put(
    listing: { sku: string; marketplaceId: string; productType: string; requirements: Requirements; attributes: Attributes },
    mode?: "VALIDATION_PREVIEW",
  ): Promise<Submission> {
    const answer = await this.client.listings.put(listing.sku, {
      marketplaceIds: [listing.marketplaceId],
      productType: listing.productType,
      requirements: listing.requirements,
      attributes: toWire(listing.attributes) as Record<string, unknown[]>,
      ...(mode ? { mode } : {}),
    });
    return submissionOf(answer, listing.marketplaceId);
  }

  async patch(
    change: { sku: string; marketplaceId: string; productType: string; patches: PatchOperation[] },
    mode?: "VALIDATION_PREVIEW",
  ): Promise<Submission> {
    const answer = await this.client.listings.patch(change.sku, {
      marketplaceIds: [change.marketplaceId],
      productType: change.productType,
      patches: change.patches.map((p) => ({
        op: p.op,
        path: `/attributes/${p.attribute}`,
        // A delete names the values it removes: the marketplace's.
        value: p.op === "delete" ? [{ marketplace_id: change.marketplaceId }] : (toWire(p.value ?? []) as Record<string, unknown>[]),
      })),
      ...(mode ? { mode } : {}),
    });
    return submissionOf(answer, change.marketplaceId);
  }
}
