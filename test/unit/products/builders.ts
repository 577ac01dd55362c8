/**
 * Builders and in-memory fakes for the products flow's unit tests: a products mapping, D365 products with
 * bar codes and trade agreement prices, and an Amazon that keeps listings, a catalog and two product type
 * definitions, validates puts and patches roughly as Amazon does, and records every call.
 */
import { MarketplacesFile } from "../../../src/mapping/marketplaces";
import { ProductsFile } from "../../../src/mapping/products";
import type { SkuMapping } from "../../../src/mapping/sku-crossref";
import type {
  AmazonListing,
  Attributes,
  BarcodeType,
  D365Barcode,
  D365Product,
  ListingIssue,
  PatchOperation,
  ProductTypeInfo,
  Requirements,
  SalesPriceLine,
  Submission,
} from "../../../src/flows/products/model";
import type { AmazonListings, D365Products, ProductQuery } from "../../../src/flows/products/ports";
import { CachedProductTypes } from "../../../src/flows/products/product-types";
import type { PublishDeps } from "../../../src/flows/products/publish";
import type { SyncDeps } from "../../../src/flows/products/sync";
import { ThrottledError, ValidationError } from "../../../src/platform/errors";
import type { Clock } from "../../../src/platform/clock";
import type { MessageBus, OutgoingMessage, StateStore } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";

export const US = "ATVPDKIKX0DER";
export const UK = "A1F83G8C2ARO7P";

export function aProductsFile(overrides: Record<string, unknown> = {}): ProductsFile {
  return ProductsFile.parse({
    barcodes: [{ barcodeSetupId: "UPC", type: "upc" }],
    marketplaces: [
      { marketplaceId: US, products: { itemGroups: ["Audio", "Cables"] }, price: { source: "salesPrice" } },
      { marketplaceId: UK, products: { itemGroups: ["*"] }, price: { source: "tradeAgreement" } },
    ],
    itemGroups: [
      { itemGroup: "Headphones", productType: "HEADPHONES", template: "headphones" },
      { itemGroup: "*", productType: "PRODUCT", template: "standard" },
    ],
    templates: {
      standard: {
        attributes: {
          item_name: { field: "ProductName" },
          product_description: { field: "ProductDescription" },
          bullet_point: [{ text: "{ProductName}: made to last" }, { constant: "Two-year warranty" }],
          brand: { constant: "DemoBrand" },
          condition_type: { constant: "new_new" },
        },
      },
      headphones: { extends: "standard", attributes: { headphones_form_factor: { constant: "over_ear" } } },
    },
    ...overrides,
  });
}

export const MARKETPLACES = MarketplacesFile.parse({
  marketplaces: [US, UK].map((id, i) => ({
    marketplaceId: id,
    dataAreaId: "usmf",
    customerAccount: i === 0 ? "AMZ-US" : "AMZ-UK",
    currency: i === 0 ? "USD" : "GBP",
    languageId: i === 0 ? "en-us" : "en-gb",
    fulfillment: {
      AFN: { siteId: "FBA", warehouseId: "FBA-US" },
      MFN: { siteId: "1", warehouseId: "11" },
    },
    shipping: { as: "ignore" },
    giftWrap: { as: "ignore" },
    tax: { salesTaxGroup: "AMZ", pricesIncludeTax: false, marketplaceFacilitator: "seller-tax-group" },
  })),
});

export function aProduct(itemNumber: string, o: Partial<D365Product> & { name?: string; description?: string } = {}): D365Product {
  return {
    itemNumber,
    itemGroup: o.itemGroup ?? "Audio",
    salesUnit: "ea",
    salesPrice: o.salesPrice ?? "10.00",
    salesPriceQuantity: o.salesPriceQuantity ?? "1",
    fields: {
      ProductName: o.name ?? `Product ${itemNumber}`,
      ProductDescription: o.description ?? `About ${itemNumber}`,
      ...(o.fields ?? {}),
    },
  };
}

export function aPriceLine(itemNumber: string, price: string, o: Partial<SalesPriceLine> = {}): SalesPriceLine {
  return {
    itemNumber,
    price,
    perQuantity: "1",
    currency: "GBP",
    unit: "ea",
    customerAccount: "AMZ-UK",
    priceGroup: "",
    validFrom: "2020-01-01",
    validTo: "",
    fromQuantity: "0",
    toQuantity: "0",
    specific: false,
    ...o,
  };
}

export class FakeD365 implements D365Products {
  products: D365Product[] = [];
  barcodeRows: D365Barcode[] = [];
  prices: SalesPriceLine[] = [];
  reads = 0;

  add(p: D365Product, o: { upc?: string; gbp?: string } = {}): this {
    this.products.push(p);
    if (o.upc) this.barcodeRows.push({ itemNumber: p.itemNumber, barcodeSetupId: "UPC", barcode: o.upc, variant: false, unit: "ea" });
    if (o.gbp) this.prices.push(aPriceLine(p.itemNumber, o.gbp));
    return this;
  }
  product(itemNumber: string): D365Product {
    return this.products.find((p) => p.itemNumber === itemNumber)!;
  }
  async releasedProducts(q: ProductQuery): Promise<D365Product[]> {
    this.reads++;
    return this.products
      .filter(
        (p) =>
          (!q.itemNumbers && !q.itemGroups) ||
          q.itemNumbers?.includes(p.itemNumber) ||
          q.itemGroups?.some((g) => g.toLowerCase() === p.itemGroup.toLowerCase()),
      )
      .map((p) => structuredClone(p));
  }
  async barcodes(q: { itemNumbers?: string[]; barcodeSetupIds: string[] }): Promise<D365Barcode[]> {
    return this.barcodeRows.filter(
      (b) => q.barcodeSetupIds.includes(b.barcodeSetupId) && (!q.itemNumbers || q.itemNumbers.includes(b.itemNumber)),
    );
  }
  async salesPrices(q: {
    currency: string;
    customerAccount?: string;
    priceGroup?: string;
    itemNumbers?: string[];
  }): Promise<SalesPriceLine[]> {
    return this.prices.filter(
      (l) =>
        l.currency === q.currency &&
        (q.priceGroup ? l.priceGroup === q.priceGroup : l.customerAccount === q.customerAccount) &&
        (!q.itemNumbers || q.itemNumbers.includes(l.itemNumber)),
    );
  }
}

const text = (title: string) => ({ title, languageTag: true, marketplaceId: true });
const value = (title: string, enumValues?: string[]) => ({
  title,
  languageTag: false,
  marketplaceId: true,
  ...(enumValues ? { enum: enumValues } : {}),
});

export function aDefinition(productType: string, marketplaceId: string, requirements: Requirements): ProductTypeInfo {
  const offer = {
    condition_type: value("Condition", ["new_new", "used_good"]),
    merchant_suggested_asin: value("ASIN"),
    purchasable_offer: { title: "Offer", languageTag: false, marketplaceId: true },
    fulfillment_availability: { title: "Fulfillment", languageTag: false, marketplaceId: false },
  };
  const facts = {
    item_name: { ...text("Item Name"), maxLength: 200 },
    product_description: text("Description"),
    bullet_point: { ...text("Bullet Point"), maxItems: 5 },
    brand: text("Brand"),
    externally_assigned_product_identifier: { title: "External Product ID", languageTag: false, marketplaceId: true },
    supplier_declared_has_product_identifier_exemption: value("GTIN exemption"),
    ...(productType === "HEADPHONES" ? { headphones_form_factor: value("Form Factor", ["over_ear", "on_ear", "in_ear"]) } : {}),
  };
  const required =
    requirements === "LISTING_OFFER_ONLY"
      ? ["condition_type", "merchant_suggested_asin"]
      : ["item_name", "brand", "externally_assigned_product_identifier", "product_description", "bullet_point", "condition_type"].concat(
          productType === "HEADPHONES" ? ["headphones_form_factor"] : [],
        );
  return {
    productType,
    marketplaceId,
    requirements,
    version: "U1",
    required,
    attributes: requirements === "LISTING_OFFER_ONLY" ? offer : { ...facts, ...offer },
  };
}

export interface Call {
  op: "readListings" | "getListing" | "findCatalogItems" | "productType" | "put" | "patch";
  marketplaceId: string;
  preview?: boolean;
  detail?: unknown;
}

/** Amazon with listings per SKU and marketplace, a catalog by identifier and ASIN, and every call recorded. */
export class FakeAmazon implements AmazonListings {
  listings = new Map<string, AmazonListing & { requirements: Requirements }>();
  catalog = new Map<string, string>();
  calls: Call[] = [];
  asinSeq = 0;
  /** The next calls of an operation fail with this error. */
  failures: { op: Call["op"]; error: Error }[] = [];

  private fail(op: Call["op"]): void {
    const i = this.failures.findIndex((f) => f.op === op);
    if (i >= 0) throw this.failures.splice(i, 1)[0]!.error;
  }
  key(sku: string, mp: string): string {
    return `${sku}|${mp}`;
  }
  seedListing(l: Partial<AmazonListing> & { sku: string; marketplaceId: string; attributes: Attributes }): void {
    this.listings.set(this.key(l.sku, l.marketplaceId), {
      productType: "PRODUCT",
      status: ["BUYABLE", "DISCOVERABLE"],
      issues: [],
      requirements: "LISTING",
      ...l,
    });
  }
  count(op: Call["op"], o: { preview?: boolean; marketplaceId?: string } = {}): number {
    return this.calls.filter(
      (c) =>
        c.op === op && (o.preview === undefined || !!c.preview === o.preview) && (!o.marketplaceId || c.marketplaceId === o.marketplaceId),
    ).length;
  }
  async readListings(skus: string[], marketplaceId: string): Promise<Map<string, AmazonListing>> {
    this.calls.push({ op: "readListings", marketplaceId, detail: skus });
    this.fail("readListings");
    const out = new Map<string, AmazonListing>();
    for (const sku of skus) {
      const l = this.listings.get(this.key(sku, marketplaceId));
      if (l) out.set(sku, structuredClone(l));
    }
    return out;
  }
  async getListing(sku: string, marketplaceId: string): Promise<AmazonListing | undefined> {
    this.calls.push({ op: "getListing", marketplaceId, detail: sku });
    const l = this.listings.get(this.key(sku, marketplaceId));
    return l ? structuredClone(l) : undefined;
  }
  async findCatalogItems(identifiers: string[], type: BarcodeType | "asin", marketplaceId: string): Promise<Map<string, string>> {
    this.calls.push({ op: "findCatalogItems", marketplaceId, detail: { identifiers, type } });
    const out = new Map<string, string>();
    for (const id of identifiers) {
      const asin = type === "asin" ? ([...this.catalog.values()].includes(id) ? id : undefined) : this.catalog.get(id);
      if (asin) out.set(id, asin);
    }
    return out;
  }
  async productType(productType: string, marketplaceId: string, requirements: Requirements): Promise<ProductTypeInfo> {
    this.calls.push({ op: "productType", marketplaceId, detail: { productType, requirements } });
    return aDefinition(productType, marketplaceId, requirements);
  }
  private issues(def: ProductTypeInfo, attributes: Attributes, create: boolean): ListingIssue[] {
    const missing = create ? def.required.filter((r) => !attributes[r]?.length) : [];
    return missing.map((a) => ({ code: "90220", message: `'${a}' is required but not supplied.`, severity: "ERROR", attributeNames: [a] }));
  }
  async put(
    listing: { sku: string; marketplaceId: string; productType: string; requirements: Requirements; attributes: Attributes },
    mode?: "VALIDATION_PREVIEW",
  ): Promise<Submission> {
    this.calls.push({ op: "put", marketplaceId: listing.marketplaceId, preview: !!mode, detail: listing });
    this.fail("put");
    const issues = this.issues(aDefinition(listing.productType, listing.marketplaceId, listing.requirements), listing.attributes, true);
    if (issues.length) return { status: "INVALID", issues };
    if (mode) return { status: "VALID", issues: [] };
    const asin = listing.attributes.merchant_suggested_asin?.[0]?.value as string | undefined;
    // A new product gets one ASIN, whichever marketplace lists it first.
    const known = [...this.listings.values()].find((l) => l.sku === listing.sku)?.asin;
    const newAsin = asin ?? known ?? `B0NEW${String(++this.asinSeq).padStart(5, "0")}`;
    this.listings.set(this.key(listing.sku, listing.marketplaceId), {
      sku: listing.sku,
      marketplaceId: listing.marketplaceId,
      asin: newAsin,
      productType: listing.productType,
      status: ["BUYABLE", "DISCOVERABLE"],
      issues: [],
      attributes: structuredClone(listing.attributes),
      requirements: listing.requirements,
    });
    return { status: "ACCEPTED", issues: [], asin: newAsin };
  }
  async patch(
    change: { sku: string; marketplaceId: string; productType: string; patches: PatchOperation[] },
    mode?: "VALIDATION_PREVIEW",
  ): Promise<Submission> {
    this.calls.push({ op: "patch", marketplaceId: change.marketplaceId, preview: !!mode, detail: change });
    this.fail("patch");
    const l = this.listings.get(this.key(change.sku, change.marketplaceId));
    if (!l) return { status: "INVALID", issues: [{ code: "4000003", message: "no such SKU", severity: "ERROR" }] };
    if (mode) return { status: "VALID", issues: [] };
    for (const p of change.patches) {
      if (p.op === "delete") delete l.attributes[p.attribute];
      else l.attributes[p.attribute] = structuredClone(p.value ?? []);
    }
    l.issues = l.issues.filter((i) => !i.attributeNames?.every((n) => change.patches.some((p) => p.attribute === n)));
    return { status: "ACCEPTED", issues: [], ...(l.asin ? { asin: l.asin } : {}) };
  }
}

export const throttled = () => new ThrottledError("spapi.throttled", "quota", 1000);
export const refused = () => new ValidationError("spapi.badRequest", "Amazon refused the request: bad attribute");

export class KeepingBus implements MessageBus {
  readonly sent: OutgoingMessage[] = [];
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]): Promise<void> {
    this.sent.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

export function publishDepsFor(x: {
  d365: FakeD365;
  amazon: FakeAmazon;
  state: StateStore;
  clock: Clock;
  file?: ProductsFile;
  crossref?: SkuMapping[];
  preview?: "always" | "new-listings";
}): PublishDeps {
  return {
    d365: x.d365,
    amazon: x.amazon,
    definitions: new CachedProductTypes(x.amazon, x.state, x.clock, 24),
    mapping: x.file ?? aProductsFile(),
    crossref: x.crossref ?? [],
    marketplace: (id) => MARKETPLACES.marketplaces.find((m) => m.marketplaceId === id),
    state: x.state,
    clock: x.clock,
    telemetry: new MemoryTelemetry(),
    queue: "product-publish",
    preview: x.preview ?? "always",
  };
}

export function syncDepsFor(x: {
  d365: FakeD365;
  state: StateStore;
  clock: Clock;
  bus: KeepingBus;
  file?: ProductsFile;
  crossref?: SkuMapping[];
}): SyncDeps {
  return {
    d365: x.d365,
    mapping: x.file ?? aProductsFile(),
    crossref: x.crossref ?? [],
    marketplace: (id) => MARKETPLACES.marketplaces.find((m) => m.marketplaceId === id),
    state: x.state,
    bus: x.bus,
    queue: "product-publish",
    clock: x.clock,
    telemetry: new MemoryTelemetry(),
  };
}
