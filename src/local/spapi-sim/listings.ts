/**
 * Listings, catalog and product type definitions in the simulator.
 *
 * Listings are kept per seller, SKU and marketplace (the simulator serves one seller: other seller ids are
 * refused with 403, as a token of one seller is refused for another). A listing has a product type, its
 * attributes (Amazon's shape) and derived title / price / FBM quantity; its issues are computed from its
 * product type's required attributes (product-types.ts) plus seeded ones, and its status follows them
 * (BUYABLE and DISCOVERABLE; an ERROR issue suppresses it from search, a blocked listing is neither). Changes
 * by put, patch or JSON_LISTINGS_FEED notify LISTINGS_ITEM_STATUS_CHANGE / LISTINGS_ITEM_ISSUES_CHANGE.
 *
 * The catalog holds every demo ASIN (barcodes per demo-barcodes.ts: the stand and the bag have none the catalog
 * knows) and two items of another brand; new listings that match no catalog item get a new ASIN.
 */
import { randomUUID } from "node:crypto";
import { DEMO_BARCODES, DEMO_UNLISTED_PRODUCTS, demoEan, gtin14Of, upcOf } from "../demo-barcodes";
import { DEMO_MARKETPLACES, DEMO_PRODUCTS } from "../demo-catalog";
import { type Answer, bad, errors, notFound, notificationMetadata, type SimContext } from "./context";
import type { SimListing } from "./data";
import {
  checksum,
  META_SCHEMA,
  PRODUCT_TYPES,
  putIssues,
  type Requirements,
  requiredAttributes,
  schemaDocument,
  type SimIssue,
  valueIssues,
} from "./product-types";
import { BAD_INVENTORY_LISTING, currencyOf, FOREIGN_CATALOG_ITEMS, INCOMPLETE_LISTING, LISTING_PRODUCT_TYPES, SIM_SELLER_ID } from "./seed";

type Attrs = Record<string, Record<string, unknown>[]>;

export interface CatalogEntry {
  asin: string;
  title: string;
  brand: string;
  productType: string;
  ean?: string;
  marketplaceIds: string[];
}

export interface ListingChange {
  issues: SimIssue[];
  /** Applies the change (only called when there is no ERROR issue and it is not a preview). */
  apply(): void;
  asin?: string;
}

const ISSUE_LOCALE_TAG: Record<string, string> = { ATVPDKIKX0DER: "en_US", A1F83G8C2ARO7P: "en_GB", A1PA6795UKMFR9: "de_DE" };
const LISTINGS_INCLUDED = [
  "summaries",
  "attributes",
  "issues",
  "offers",
  "fulfillmentAvailability",
  "procurement",
  "relationships",
  "productTypes",
];

export class ListingsSim {
  readonly catalog = new Map<string, CatalogEntry>();
  private asinSeq = 0;
  /** seller|sku|marketplace → listing (feeds with 10,000 messages look listings up by key). */
  private index = new Map<string, SimListing>();
  private indexed?: SimListing[];

  constructor(private readonly ctx: SimContext) {}

  private get listings(): SimListing[] {
    return this.ctx.data.listings;
  }

  // --- seed -----------------------------------------------------------------------------------------------

  /** Gives the generated listings their product types, attributes and seeded issues; fills the catalog. */
  seed(): void {
    this.catalog.clear();
    this.asinSeq = 0;
    const mps = DEMO_MARKETPLACES.map((m) => m.marketplaceId);
    for (const p of DEMO_PRODUCTS) {
      const b = DEMO_BARCODES.find((x) => x.sku === p.sku);
      this.catalog.set(p.asin, {
        asin: p.asin,
        title: p.title,
        brand: "DemoBrand",
        productType: LISTING_PRODUCT_TYPES[p.sku] ?? "PRODUCT",
        ...(b?.inAmazonCatalog ? { ean: b.ean } : {}),
        marketplaceIds: mps,
      });
    }
    for (const f of FOREIGN_CATALOG_ITEMS)
      this.catalog.set(f.asin, {
        asin: f.asin,
        title: f.title,
        brand: f.brand,
        productType: f.productType,
        ean: demoEan(f.itemNumber),
        marketplaceIds: mps,
      });
    for (const l of this.listings) {
      l.sellerId ??= SIM_SELLER_ID;
      l.productType ??= LISTING_PRODUCT_TYPES[l.sku] ?? "PRODUCT";
      l.requirements ??= "LISTING";
      const ean = DEMO_BARCODES.find((x) => x.sku === l.sku)?.ean;
      const mp = l.marketplaceId;
      const lang = ISSUE_LOCALE_TAG[mp] ?? "en_US";
      const v = (value: unknown) => [{ value, marketplace_id: mp, ...(typeof value === "string" ? { language_tag: lang } : {}) }];
      const attrs: Attrs = {
        brand: v("DemoBrand"),
        product_description: v(`${l.title}. Demo product of the d365-amazon-connect simulator.`),
        bullet_point: [...v(`${l.title}: built for everyday use`), ...v("Two-year manufacturer warranty")],
        manufacturer: v("Demo Manufacturing Ltd."),
        condition_type: [{ value: "new_new", marketplace_id: mp }],
        ...(ean ? { externally_assigned_product_identifier: [{ type: "ean", value: ean, marketplace_id: mp }] } : {}),
        ...(l.productType === "HEADPHONES" ? { headphones_form_factor: [{ value: "over_ear", marketplace_id: mp }] } : {}),
      };
      if (l.sku === INCOMPLETE_LISTING.sku && mp === INCOMPLETE_LISTING.marketplaceId) delete attrs[INCOMPLETE_LISTING.missingAttribute];
      l.attributes = attrs;
      l.extraIssues =
        l.sku === BAD_INVENTORY_LISTING.sku && mp === BAD_INVENTORY_LISTING.marketplaceId
          ? [
              {
                code: BAD_INVENTORY_LISTING.code,
                message: BAD_INVENTORY_LISTING.message,
                severity: "ERROR",
                categories: ["INVALID_ATTRIBUTE"],
                attributeNames: ["fulfillment_availability"],
                enforcements: { actions: [{ action: "LISTING_SUPPRESSED" }], exemption: { status: "NOT_EXEMPT" } },
              },
            ]
          : [];
    }
  }

  // --- derived state ----------------------------------------------------------------------------------------

  /**
   * Every attribute of a listing. Title, price and FBM quantity are also fields of the listing (the order and
   * inventory code read those), so their attribute values are rendered from the fields, keeping any other
   * sub-field Amazon stored (lead time, restock date).
   */
  attributesOf(l: SimListing): Attrs {
    const mp = l.marketplaceId;
    const out: Attrs = { ...(l.attributes ?? {}) };
    out.item_name = [{ value: l.title, language_tag: ISSUE_LOCALE_TAG[mp] ?? "en_US", marketplace_id: mp }];
    if (l.price) {
      const kept = (out.purchasable_offer?.[0] ?? {}) as Record<string, unknown>;
      out.purchasable_offer = [
        { ...kept, marketplace_id: mp, currency: l.currency, our_price: [{ schedule: [{ value_with_tax: Number(l.price) }] }] },
      ];
    } else delete out.purchasable_offer;
    if (!l.fba) {
      const kept = out.fulfillment_availability?.find((f) => f.fulfillment_channel_code === "DEFAULT") ?? {};
      out.fulfillment_availability = [{ ...kept, fulfillment_channel_code: "DEFAULT", quantity: l.quantity, marketplace_id: mp }];
    }
    return out;
  }

  issuesOf(l: SimListing): SimIssue[] {
    const attrs = this.attributesOf(l);
    const suppress = { actions: [{ action: "SEARCH_SUPPRESSED" }], exemption: { status: "NOT_EXEMPT" } };
    const missing = putIssues(l.productType ?? "PRODUCT", (l.requirements as Requirements) ?? "LISTING", attrs)
      .filter((i) => i.code === "90220")
      .map((i) => ({ ...i, enforcements: suppress }));
    return [...missing, ...(l.extraIssues ?? [])];
  }

  statusOf(l: SimListing): string[] {
    const issues = this.issuesOf(l);
    const errs = issues.filter((i) => i.severity === "ERROR");
    if (errs.some((i) => i.enforcements?.actions.some((a) => a.action === "LISTING_SUPPRESSED"))) return [];
    const status = l.price ? ["BUYABLE", "DISCOVERABLE"] : ["DISCOVERABLE"];
    return errs.length ? status.filter((s) => s !== "DISCOVERABLE") : status;
  }

  find(sellerId: string, sku: string, marketplaceId: string): SimListing | undefined {
    // Rebuilt when the array was replaced (reset) or changed size outside this class.
    if (this.indexed !== this.listings || this.index.size !== this.listings.length) {
      this.index = new Map(this.listings.map((l) => [`${l.sellerId ?? SIM_SELLER_ID}|${l.sku}|${l.marketplaceId}`, l]));
      this.indexed = this.listings;
    }
    return this.index.get(`${sellerId}|${sku}|${marketplaceId}`);
  }

  private add(l: SimListing): void {
    this.find(SIM_SELLER_ID, l.sku, l.marketplaceId); // brings the index up to date first
    this.listings.push(l);
    this.index.set(`${l.sellerId ?? SIM_SELLER_ID}|${l.sku}|${l.marketplaceId}`, l);
  }

  /** Adds `count` complete FBM listings (for benchmarks and large feeds): SKUs `${prefix}00001` … */
  bulk(input: { count: number; prefix?: string; marketplaceIds?: string[]; quantity?: number; price?: string }): number {
    const prefix = input.prefix ?? "BULK-";
    const mps = input.marketplaceIds ?? [DEMO_MARKETPLACES[0].marketplaceId];
    let added = 0;
    for (let i = 1; i <= input.count; i++) {
      const sku = `${prefix}${String(i).padStart(5, "0")}`;
      for (const mp of mps) {
        if (this.find(SIM_SELLER_ID, sku, mp)) continue;
        const now = this.ctx.now();
        const lang = ISSUE_LOCALE_TAG[mp] ?? "en_US";
        const v = (value: string) => [{ value, marketplace_id: mp, language_tag: lang }];
        this.add({
          sku,
          marketplaceId: mp,
          asin: `B0BLK${String(i).padStart(5, "0")}`,
          fnsku: "",
          title: `Bulk item ${i}`,
          price: input.price ?? "10.00",
          currency: currencyOf(mp),
          fba: false,
          quantity: input.quantity ?? 0,
          created: now,
          updated: now,
          sellerId: SIM_SELLER_ID,
          productType: "PRODUCT",
          requirements: "LISTING",
          attributes: {
            brand: v("DemoBrand"),
            product_description: v(`Bulk item ${i}`),
            bullet_point: v("Bulk item"),
            condition_type: [{ value: "new_new", marketplace_id: mp }],
            supplier_declared_has_product_identifier_exemption: [{ value: true, marketplace_id: mp }],
          },
          extraIssues: [],
        });
        added++;
      }
    }
    return added;
  }

  /** Runs a change and notifies status / issue changes of the listing it touched. */
  private observed(l: SimListing | undefined, sku: string, marketplaceId: string, change: () => void): void {
    const before = l ? { status: this.statusOf(l).join(","), sev: this.severities(l).join(",") } : { status: "", sev: "" };
    change();
    const after = this.find(SIM_SELLER_ID, sku, marketplaceId);
    const now = { status: after ? this.statusOf(after).join(",") : "DELETED", sev: after ? this.severities(after).join(",") : "" };
    const ref = after ?? l;
    if (!ref) return;
    if (before.status !== now.status) this.notifyStatus(ref, after ? this.statusOf(after) : ["DELETED"]);
    if (before.sev !== now.sev && after) this.notifyIssues(after);
  }

  private severities(l: SimListing): string[] {
    return [
      ...new Set(
        this.issuesOf(l)
          .map((i) => i.severity)
          .filter((s) => s !== "INFO"),
      ),
    ].sort();
  }

  private notifyStatus(l: SimListing, status: string[]): void {
    const now = this.ctx.now();
    this.ctx.emit({
      NotificationVersion: "1.0",
      NotificationType: "LISTINGS_ITEM_STATUS_CHANGE",
      PayloadVersion: "1.0",
      EventTime: now.toISOString(),
      Payload: {
        SellerId: SIM_SELLER_ID,
        MarketplaceId: l.marketplaceId,
        Asin: l.asin,
        Sku: l.sku,
        CreatedDate: l.created.toISOString(),
        Status: status,
      },
      NotificationMetadata: notificationMetadata(now, "listings-item-status-change", randomUUID()),
    });
  }

  private notifyIssues(l: SimListing): void {
    const now = this.ctx.now();
    const issues = this.issuesOf(l);
    const sev = this.severities(l);
    this.ctx.emit({
      NotificationVersion: "1.0",
      NotificationType: "LISTINGS_ITEM_ISSUES_CHANGE",
      PayloadVersion: "2023-12-13",
      EventTime: now.toISOString(),
      Payload: {
        SellerId: SIM_SELLER_ID,
        MarketplaceId: l.marketplaceId,
        Asin: l.asin,
        Sku: l.sku,
        Severities: sev.length ? sev : ["NONE"],
        EnforcementActions: [...new Set(issues.flatMap((i) => i.enforcements?.actions.map((a) => a.action) ?? []))],
      },
      NotificationMetadata: notificationMetadata(now, "listings-item-issues-change", randomUUID()),
    });
  }

  // --- changes (shared by the API and JSON_LISTINGS_FEED) -------------------------------------------------------

  /** Fields a set of attributes determines. */
  private fieldsFrom(attrs: Attrs): Partial<SimListing> {
    const out: Partial<SimListing> = {};
    const name = attrs.item_name?.[0]?.value;
    if (typeof name === "string") out.title = name;
    const price = (attrs.purchasable_offer?.[0] as any)?.our_price?.[0]?.schedule?.[0]?.value_with_tax;
    if (typeof price === "number") out.price = price.toFixed(2);
    const fa = attrs.fulfillment_availability?.find((f) => f.fulfillment_channel_code === "DEFAULT");
    if (fa && Number.isInteger(fa.quantity)) out.quantity = fa.quantity as number;
    if (attrs.fulfillment_availability?.some((f) => String(f.fulfillment_channel_code).startsWith("AMAZON_"))) out.fba = true;
    else if (fa) out.fba = false;
    return out;
  }

  private stored(attrs: Attrs): Attrs {
    return { ...attrs };
  }

  private inventoryBlocked(sku: string, marketplaceId: string): SimIssue | undefined {
    if (sku !== BAD_INVENTORY_LISTING.sku || marketplaceId !== BAD_INVENTORY_LISTING.marketplaceId) return undefined;
    return {
      code: BAD_INVENTORY_LISTING.code,
      message: BAD_INVENTORY_LISTING.message,
      severity: "ERROR",
      attributeNames: ["fulfillment_availability"],
      categories: ["INVALID_ATTRIBUTE"],
    };
  }

  planPut(sku: string, marketplaceId: string, productType: string, requirements: Requirements, attributes: Attrs): ListingChange {
    const issues = putIssues(productType, requirements, attributes);
    const existing = this.find(SIM_SELLER_ID, sku, marketplaceId);
    let asin = existing?.asin;
    if (requirements === "LISTING_OFFER_ONLY") {
      const suggested = attributes.merchant_suggested_asin?.[0]?.value;
      if (typeof suggested === "string" && !this.catalog.get(suggested)?.marketplaceIds.includes(marketplaceId))
        issues.push({
          code: "4000004",
          message: `The ASIN ${suggested} does not exist in the Amazon catalog of marketplace ${marketplaceId}.`,
          severity: "ERROR",
          attributeNames: ["merchant_suggested_asin"],
          categories: ["INVALID_ATTRIBUTE"],
        });
      else if (typeof suggested === "string") asin = suggested;
    } else if (!asin) {
      const ean = attributes.externally_assigned_product_identifier?.find(
        (x) => x.type === "ean" || x.type === "gtin" || x.type === "upc",
      )?.value;
      asin = [...this.catalog.values()].find(
        (c) => c.ean && ean && (c.ean === ean || upcOf(c.ean) === ean || gtin14Of(c.ean) === ean),
      )?.asin;
    }
    if (attributes.fulfillment_availability && this.inventoryBlocked(sku, marketplaceId))
      issues.push(this.inventoryBlocked(sku, marketplaceId)!);
    const newAsin = asin ?? `B0SIM${String(++this.asinSeq).padStart(5, "0")}`;
    return {
      issues,
      asin: newAsin,
      apply: () =>
        this.observed(existing, sku, marketplaceId, () => {
          const fields = this.fieldsFrom(attributes);
          const catalogTitle = this.catalog.get(newAsin)?.title;
          const now = this.ctx.now();
          if (existing) {
            Object.assign(
              existing,
              { productType, requirements, attributes: this.stored(attributes), updated: now, asin: newAsin },
              fields,
            );
            if (!fields.price) existing.price = "";
            return;
          }
          if (!this.catalog.has(newAsin)) {
            const ean = attributes.externally_assigned_product_identifier?.[0]?.value;
            this.catalog.set(newAsin, {
              asin: newAsin,
              title: fields.title ?? sku,
              brand: String(attributes.brand?.[0]?.value ?? "Generic"),
              productType,
              ...(typeof ean === "string" ? { ean } : {}),
              marketplaceIds: DEMO_MARKETPLACES.map((m) => m.marketplaceId),
            });
          }
          this.add({
            sku,
            marketplaceId,
            asin: newAsin,
            fnsku: "",
            title: fields.title ?? catalogTitle ?? sku,
            price: fields.price ?? "",
            currency: currencyOf(marketplaceId),
            fba: fields.fba ?? false,
            quantity: fields.quantity ?? 0,
            created: now,
            updated: now,
            sellerId: SIM_SELLER_ID,
            productType,
            requirements,
            attributes: this.stored(attributes),
            extraIssues: [],
          });
        }),
    };
  }

  planPatch(sku: string, marketplaceId: string, productType: string, patches: any[]): ListingChange {
    const l = this.find(SIM_SELLER_ID, sku, marketplaceId);
    if (!l)
      return {
        issues: [
          {
            code: "4000003",
            message: `SKU ${sku} does not exist in marketplace ${marketplaceId}.`,
            severity: "ERROR",
            categories: ["INVALID_ATTRIBUTE"],
          },
        ],
        apply: () => undefined,
      };
    const issues: SimIssue[] = [];
    if (productType !== l.productType && productType !== "PRODUCT")
      issues.push({
        code: "4000001",
        message: `The product type ${productType} does not match the listing's product type ${l.productType}.`,
        severity: "ERROR",
        categories: ["INVALID_ATTRIBUTE"],
      });
    const attrs = this.attributesOf(l);
    const touched = new Set<string>();
    for (const p of patches) {
      const m = /^\/attributes\/([a-z0-9_]+)$/.exec(String(p?.path ?? ""));
      if (!m || !["add", "replace", "merge", "delete"].includes(p?.op)) {
        issues.push({
          code: "4000004",
          message: `Invalid patch ${p?.op} ${p?.path}.`,
          severity: "ERROR",
          categories: ["INVALID_ATTRIBUTE"],
        });
        continue;
      }
      const name = m[1];
      touched.add(name);
      const value = Array.isArray(p.value) ? (p.value as Record<string, unknown>[]) : [];
      if (p.op === "delete") delete attrs[name];
      else if (p.op === "merge" && attrs[name]) {
        const key = name === "fulfillment_availability" ? "fulfillment_channel_code" : "marketplace_id";
        attrs[name] = attrs[name].map((old) => ({ ...old, ...(value.find((v) => v[key] === old[key]) ?? {}) }));
        for (const v of value) if (!attrs[name].some((old) => old[key] === v[key])) attrs[name].push(v);
      } else attrs[name] = value;
      if (name === "fulfillment_availability") {
        const blocked = this.inventoryBlocked(sku, marketplaceId);
        if (blocked) issues.push(blocked);
      }
    }
    const changed = Object.fromEntries([...touched].filter((t) => attrs[t]).map((t) => [t, attrs[t]]));
    issues.push(...valueIssues(l.productType ?? "PRODUCT", changed));
    for (const t of touched)
      if (!attrs[t] && requiredAttributes(l.productType ?? "PRODUCT", (l.requirements as Requirements) ?? "LISTING").includes(t))
        issues.push({
          code: "90220",
          message: `'${t}' is required but not supplied.`,
          severity: "ERROR",
          attributeNames: [t],
          categories: ["MISSING_ATTRIBUTE"],
        });
    return {
      issues,
      asin: l.asin,
      apply: () =>
        this.observed(l, sku, marketplaceId, () => {
          Object.assign(l, this.fieldsFrom(attrs), { attributes: this.stored(attrs), updated: this.ctx.now() });
          if (!attrs.purchasable_offer) l.price = "";
        }),
    };
  }

  planDelete(sku: string, marketplaceId: string): ListingChange {
    const l = this.find(SIM_SELLER_ID, sku, marketplaceId);
    if (!l)
      return {
        issues: [
          {
            code: "4000003",
            message: `SKU ${sku} does not exist in marketplace ${marketplaceId}.`,
            severity: "ERROR",
            categories: ["INVALID_ATTRIBUTE"],
          },
        ],
        apply: () => undefined,
      };
    return {
      issues: [],
      apply: () =>
        this.observed(l, sku, marketplaceId, () => {
          this.ctx.data.listings.splice(this.ctx.data.listings.indexOf(l), 1);
        }),
    };
  }

  // --- Listings Items API -----------------------------------------------------------------------------------

  private sellerCheck(sellerId: string): Answer | undefined {
    if (sellerId !== SIM_SELLER_ID)
      return [
        403,
        errors("Unauthorized", "Access to requested resource is denied.", `The access token is not valid for seller ${sellerId}.`),
      ];
    return undefined;
  }

  private issueJson(i: SimIssue, marketplaceId?: string): Record<string, unknown> {
    return { ...i, ...(marketplaceId ? { marketplaceIds: [marketplaceId] } : {}) };
  }

  itemJson(ls: SimListing[], sku: string, included: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { sku };
    if (included.includes("summaries"))
      out.summaries = ls.map((l) => ({
        marketplaceId: l.marketplaceId,
        asin: l.asin,
        productType: l.productType ?? "PRODUCT",
        conditionType: "new_new",
        status: this.statusOf(l),
        ...(l.fba && l.fnsku ? { fnSku: l.fnsku } : {}),
        itemName: l.title,
        createdDate: l.created.toISOString(),
        lastUpdatedDate: l.updated.toISOString(),
      }));
    if (included.includes("attributes")) {
      const merged: Attrs = {};
      for (const l of ls)
        for (const [k, v] of Object.entries(this.attributesOf(l)))
          (merged[k] ??= []).push(...v.map((x) => ({ ...x, marketplace_id: l.marketplaceId })));
      out.attributes = merged;
    }
    if (included.includes("issues")) out.issues = ls.flatMap((l) => this.issuesOf(l).map((i) => this.issueJson(i, l.marketplaceId)));
    if (included.includes("offers"))
      out.offers = ls
        .filter((l) => l.price)
        .map((l) => ({ marketplaceId: l.marketplaceId, offerType: "B2C", price: { currencyCode: l.currency, amount: l.price } }));
    if (included.includes("fulfillmentAvailability"))
      out.fulfillmentAvailability = ls.map((l) =>
        l.fba
          ? { fulfillmentChannelCode: l.marketplaceId === "ATVPDKIKX0DER" ? "AMAZON_NA" : "AMAZON_EU" }
          : { fulfillmentChannelCode: "DEFAULT", quantity: l.quantity },
      );
    if (included.includes("productTypes"))
      out.productTypes = ls.map((l) => ({ marketplaceId: l.marketplaceId, productType: l.productType ?? "PRODUCT" }));
    if (included.includes("procurement")) out.procurement = [];
    if (included.includes("relationships")) out.relationships = ls.map((l) => ({ marketplaceId: l.marketplaceId, relationships: [] }));
    return out;
  }

  get(p: Record<string, string>, q: URLSearchParams): Answer {
    const denied = this.sellerCheck(p.sellerId);
    if (denied) return denied;
    const mps = (q.get("marketplaceIds") ?? "").split(",").filter(Boolean);
    if (!mps.length) return bad("marketplaceIds is required.");
    const included = (q.get("includedData") ?? "").split(",").filter(Boolean);
    const unknown = included.find((i) => !LISTINGS_INCLUDED.includes(i));
    if (unknown) return bad(`Invalid includedData value ${unknown}.`);
    const ls = this.listings.filter(
      (l) => l.sku === p.sku && mps.includes(l.marketplaceId) && (l.sellerId ?? SIM_SELLER_ID) === p.sellerId,
    );
    if (!ls.length) return notFound(`SKU ${p.sku} not found in marketplace(s) ${mps.join(",")}.`);
    return [200, this.itemJson(ls, p.sku, included.length ? included : ["summaries"])];
  }

  private submission(
    sku: string,
    change: ListingChange,
    marketplaceId: string,
    preview: boolean,
    included: string[],
  ): Record<string, unknown> {
    const errs = change.issues.some((i) => i.severity === "ERROR");
    const status = errs ? "INVALID" : preview ? "VALID" : "ACCEPTED";
    return {
      sku,
      status,
      submissionId: randomUUID().replace(/-/g, ""),
      ...(included.includes("issues") ? { issues: change.issues.map((i) => this.issueJson(i, marketplaceId)) } : {}),
      ...(included.includes("identifiers") && !errs && change.asin ? { identifiers: [{ marketplaceId, asin: change.asin }] } : {}),
    };
  }

  put(p: Record<string, string>, q: URLSearchParams, body: any): Answer {
    const denied = this.sellerCheck(p.sellerId);
    if (denied) return denied;
    const mps = (q.get("marketplaceIds") ?? "").split(",").filter(Boolean);
    if (mps.length !== 1) return bad("marketplaceIds must hold exactly one marketplace.");
    if (!body?.productType || !body?.attributes || typeof body.attributes !== "object")
      return bad("productType and attributes are required.");
    const requirements: Requirements = body.requirements ?? "LISTING";
    const preview = q.get("mode") === "VALIDATION_PREVIEW";
    const included = (q.get("includedData") ?? "issues").split(",");
    const change = this.planPut(p.sku, mps[0], String(body.productType), requirements, body.attributes);
    const answer = this.submission(p.sku, change, mps[0], preview, included);
    if (answer.status === "ACCEPTED") change.apply();
    return [200, answer];
  }

  patch(p: Record<string, string>, q: URLSearchParams, body: any): Answer {
    const denied = this.sellerCheck(p.sellerId);
    if (denied) return denied;
    const mps = (q.get("marketplaceIds") ?? "").split(",").filter(Boolean);
    if (!mps.length) return bad("marketplaceIds is required.");
    if (!body?.productType || !Array.isArray(body.patches) || !body.patches.length) return bad("productType and patches are required.");
    const preview = q.get("mode") === "VALIDATION_PREVIEW";
    const included = (q.get("includedData") ?? "issues").split(",");
    const changes = mps.map((mp) => ({ mp, change: this.planPatch(p.sku, mp, String(body.productType), body.patches) }));
    const issues = changes.flatMap((c) => c.change.issues.map((i) => this.issueJson(i, c.mp)));
    const errs = issues.some((i) => i.severity === "ERROR");
    if (!errs && !preview) for (const c of changes) c.change.apply();
    return [
      200,
      {
        sku: p.sku,
        status: errs ? "INVALID" : preview ? "VALID" : "ACCEPTED",
        submissionId: randomUUID().replace(/-/g, ""),
        ...(included.includes("issues") ? { issues } : {}),
        ...(included.includes("identifiers") && !errs
          ? { identifiers: changes.filter((c) => c.change.asin).map((c) => ({ marketplaceId: c.mp, asin: c.change.asin })) }
          : {}),
      },
    ];
  }

  search(p: Record<string, string>, q: URLSearchParams): Answer {
    const denied = this.sellerCheck(p.sellerId);
    if (denied) return denied;
    const list = (n: string) => (q.get(n) ?? "").split(",").filter(Boolean);
    const mps = list("marketplaceIds");
    if (!mps.length) return bad("marketplaceIds is required.");
    const ids = list("identifiers");
    const type = q.get("identifiersType");
    if (ids.length > 20) return bad("identifiers takes at most 20 values.");
    if (ids.length && !type) return bad("identifiersType is required with identifiers.");
    const size = Number(q.get("pageSize") ?? 10);
    if (!Number.isInteger(size) || size < 1 || size > 20) return bad("pageSize must be between 1 and 20.");
    const included = list("includedData");
    const withSeverity = list("withIssueSeverity");
    const withStatus = list("withStatus");
    const withoutStatus = list("withoutStatus");
    const matchId = (l: SimListing) => {
      if (!ids.length) return true;
      const ean = this.catalog.get(l.asin)?.ean ?? (l.attributes?.externally_assigned_product_identifier?.[0]?.value as string | undefined);
      switch (type) {
        case "SKU":
          return ids.includes(l.sku);
        case "ASIN":
          return ids.includes(l.asin);
        case "FNSKU":
          return ids.includes(l.fnsku);
        case "EAN":
          return !!ean && ids.includes(ean);
        case "UPC":
          return !!ean && ids.includes(upcOf(ean) ?? "");
        case "GTIN":
          return !!ean && (ids.includes(ean) || ids.includes(gtin14Of(ean)));
        default:
          return false;
      }
    };
    const mine = this.listings.filter(
      (l) =>
        (l.sellerId ?? SIM_SELLER_ID) === p.sellerId &&
        mps.includes(l.marketplaceId) &&
        matchId(l) &&
        (!withSeverity.length || this.issuesOf(l).some((i) => withSeverity.includes(i.severity))) &&
        (!withStatus.length || withStatus.every((s) => this.statusOf(l).includes(s))) &&
        (!withoutStatus.length || withoutStatus.every((s) => !this.statusOf(l).includes(s))),
    );
    const skus = [...new Set(mine.map((l) => l.sku))].sort();
    let offset = 0;
    const token = q.get("pageToken");
    if (token) {
      const t = this.ctx.readPageToken(token, "listings");
      if (!t) return bad("Invalid pageToken.");
      offset = t.state.offset;
    }
    const page = skus.slice(offset, offset + size);
    const out: Record<string, unknown> = {
      numberOfResults: skus.length,
      items: page.map((sku) =>
        this.itemJson(
          mine.filter((l) => l.sku === sku),
          sku,
          included.length ? included : ["summaries"],
        ),
      ),
    };
    if (offset + size < skus.length) out.pagination = { nextToken: this.ctx.pageToken("listings", { offset: offset + size }) };
    return [200, out];
  }

  // --- Catalog Items 2022-04-01 ---------------------------------------------------------------------------

  private catalogItemJson(c: CatalogEntry, marketplaceId: string, included: string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { asin: c.asin };
    if (included.includes("identifiers"))
      out.identifiers = [
        {
          marketplaceId,
          identifiers: c.ean
            ? [
                { identifierType: "EAN", identifier: c.ean },
                ...(upcOf(c.ean) ? [{ identifierType: "UPC", identifier: upcOf(c.ean)! }] : []),
                { identifierType: "GTIN", identifier: gtin14Of(c.ean) },
              ]
            : [],
        },
      ];
    if (included.includes("summaries"))
      out.summaries = [
        {
          marketplaceId,
          brand: c.brand,
          itemClassification: "BASE_PRODUCT",
          itemName: c.title,
          manufacturer: c.brand === "DemoBrand" ? "Demo Manufacturing Ltd." : c.brand,
          websiteDisplayGroup: "pc_display_on_website",
        },
      ];
    if (included.includes("productTypes")) out.productTypes = [{ marketplaceId, productType: c.productType }];
    if (included.includes("attributes"))
      out.attributes = {
        item_name: [{ value: c.title, marketplace_id: marketplaceId }],
        brand: [{ value: c.brand, marketplace_id: marketplaceId }],
        ...(c.ean ? { externally_assigned_product_identifier: [{ type: "ean", value: c.ean, marketplace_id: marketplaceId }] } : {}),
      };
    if (included.includes("classifications")) out.classifications = [{ marketplaceId, classifications: [] }];
    if (included.includes("images")) out.images = [{ marketplaceId, images: [] }];
    return out;
  }

  searchCatalog(q: URLSearchParams): Answer {
    const list = (n: string) => (q.get(n) ?? "").split(",").filter(Boolean);
    const mps = list("marketplaceIds");
    if (mps.length !== 1) return bad("marketplaceIds must hold exactly one marketplace.");
    const ids = list("identifiers");
    const keywords = list("keywords");
    if (ids.length && keywords.length) return bad("identifiers and keywords cannot be used together.");
    if (!ids.length && !keywords.length) return bad("Either identifiers or keywords is required.");
    if (ids.length > 20 || keywords.length > 20) return bad("At most 20 identifiers or keywords are allowed.");
    const type = q.get("identifiersType");
    if (ids.length && !type) return bad("identifiersType is required with identifiers.");
    if (type === "SKU" && !q.get("sellerId")) return bad("sellerId is required when identifiersType is SKU.");
    const size = Number(q.get("pageSize") ?? 10);
    if (!Number.isInteger(size) || size < 1 || size > 20) return bad("pageSize must be between 1 and 20.");
    const included = list("includedData").length ? list("includedData") : ["summaries"];
    const mp = mps[0];
    const all = [...this.catalog.values()].filter((c) => c.marketplaceIds.includes(mp));
    const hits = all.filter((c) => {
      if (keywords.length) {
        const t = c.title.toLowerCase();
        const brands = list("brandNames");
        return keywords.every((k) => t.includes(k.toLowerCase())) && (!brands.length || brands.includes(c.brand));
      }
      switch (type) {
        case "ASIN":
          return ids.includes(c.asin);
        case "EAN":
          return !!c.ean && ids.includes(c.ean);
        case "UPC":
          return !!c.ean && ids.includes(upcOf(c.ean) ?? "");
        case "GTIN":
          return !!c.ean && (ids.includes(c.ean) || ids.includes(gtin14Of(c.ean)));
        case "SKU":
          return this.listings.some((l) => ids.includes(l.sku) && l.asin === c.asin && l.marketplaceId === mp);
        default:
          return false;
      }
    });
    let offset = 0;
    const token = q.get("pageToken");
    if (token) {
      const t = this.ctx.readPageToken(token, "catalog");
      if (!t) return bad("Invalid pageToken.");
      offset = t.state.offset;
    }
    const out: Record<string, unknown> = {
      numberOfResults: hits.length,
      items: hits.slice(offset, offset + size).map((c) => this.catalogItemJson(c, mp, included)),
    };
    if (offset + size < hits.length) out.pagination = { nextToken: this.ctx.pageToken("catalog", { offset: offset + size }) };
    if (keywords.length) out.refinements = { brands: [], classifications: [] };
    return [200, out];
  }

  // --- Product Type Definitions 2020-09-01 ------------------------------------------------------------------

  definition(p: Record<string, string>, q: URLSearchParams): Answer {
    const mps = (q.get("marketplaceIds") ?? "").split(",").filter(Boolean);
    if (!mps.length) return bad("marketplaceIds is required.");
    const d = PRODUCT_TYPES[p.productType];
    if (!d) return notFound(`Product type ${p.productType} was not found.`);
    const requirements = (q.get("requirements") ?? "LISTING") as Requirements;
    if (!["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"].includes(requirements))
      return bad(`Invalid requirements ${requirements}.`);
    const enforced = (q.get("requirementsEnforced") ?? "ENFORCED") !== "NOT_ENFORCED";
    const doc = schemaDocument(p.productType, requirements, enforced);
    const locale = q.get("locale") && q.get("locale") !== "DEFAULT" ? q.get("locale")! : (ISSUE_LOCALE_TAG[mps[0]] ?? "en_US");
    const key = `schemas/${p.productType}-${requirements}-${enforced ? "E" : "N"}.json`;
    const url = this.ctx.storeDocument(key, Buffer.from(JSON.stringify(doc)), "application/json", false);
    const metaUrl = this.ctx.storeDocument(
      "schemas/meta-schema-v1.json",
      Buffer.from(JSON.stringify(META_SCHEMA)),
      "application/json",
      false,
    );
    return [
      200,
      {
        metaSchema: { link: { resource: metaUrl, verb: "GET" }, checksum: checksum(META_SCHEMA) },
        schema: { link: { resource: url, verb: "GET" }, checksum: checksum(doc) },
        requirements,
        requirementsEnforced: enforced ? "ENFORCED" : "NOT_ENFORCED",
        propertyGroups: d.groups,
        locale,
        marketplaceIds: mps,
        productType: p.productType,
        displayName: d.displayName,
        productTypeVersion: { version: "U1.0", latest: true, releaseCandidate: false },
      },
    ];
  }

  /** For /_control/listings. */
  summary(l: SimListing): Record<string, unknown> {
    return {
      sku: l.sku,
      marketplaceId: l.marketplaceId,
      asin: l.asin,
      productType: l.productType,
      title: l.title,
      price: l.price,
      currency: l.currency,
      fba: l.fba,
      quantity: l.fba ? undefined : l.quantity,
      status: this.statusOf(l),
      issues: this.issuesOf(l),
    };
  }

  /** The D365 products D365 could publish that have no listing (demo-barcodes.ts), for /_control/seed. */
  unlisted() {
    return DEMO_UNLISTED_PRODUCTS;
  }
}
