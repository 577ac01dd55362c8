/**
 * Use case: publish a batch of D365 items to their marketplaces — the work of one message of the products
 * queue (or of POST /api/products/{itemNumber}/publish).
 *
 * Per marketplace:
 * 1. The desired listing of each item (load.ts). When its hash equals the one the item's record keeps and
 *    nothing forces it, nothing is sent: not a read, not a write.
 * 2. Items the app has not seen listed (or must check again) are read from Amazon: searchListingsItems by
 *    SKU, 20 a call.
 * 3. Match before create: an item with no listing is looked up in Amazon's catalog by the ASIN in its
 *    sku-crossref.json entry, else by its barcode (searchCatalogItems, 20 a call). A match is listed as an
 *    offer on that ASIN (LISTING_OFFER_ONLY); only an item the catalog does not know gets a full listing.
 * 4. Every write is first checked against the product type definition (cached per product type and
 *    marketplace) and sent with mode VALIDATION_PREVIEW (for patches unless PRODUCTS_PREVIEW=new-listings);
 *    anything either refuses becomes a review item with Amazon's own message and nothing is written, so a
 *    listing is never half published. Then putListingsItem for a new listing, patchListingsItem with the
 *    attributes that changed (per-attribute hashes of what Amazon last accepted; for a listing read from
 *    Amazon, the attributes whose live value differs) for an existing one.
 * 5. The record keeps SKU, ASIN, FNSKU, status, issues, hashes and the values published; an ASIN or FNSKU
 *    that sku-crossref.json lacks becomes a suggestion for it (the file is the admin's: never rewritten).
 *
 * Idempotent: a batch delivered twice finds its items' hashes recorded and sends nothing again. A listing
 * Amazon refuses with a 400 becomes a review item (the batch goes on); throttling and outages throw, so the
 * message is redelivered and the items already done are skipped.
 */
import type { MarketplaceMapping } from "../../mapping/marketplaces";
import type { ProductsFile } from "../../mapping/products";
import type { SkuMapping } from "../../mapping/sku-crossref";
import type { Clock } from "../../platform/clock";
import { NotFoundError, ValidationError, describeError } from "../../platform/errors";
import type { StateStore } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import {
  attributeHashes,
  buildAttributes,
  CREATE_ONLY,
  checkDefinition,
  patchesAgainst,
  patchesSince,
  requirementsFor,
  summarize,
} from "./attributes";
import { type DesiredListing, planHash } from "./desired";
import { type CrossrefSuggestion, getListingRecord, type ListingRecord, newRecord, updateListingRecord } from "./listing-records";
import { listingKey, loadDesired, productsContext } from "./load";
import type {
  AmazonListing,
  Attributes,
  BarcodeType,
  ListingIssue,
  PatchOperation,
  ProductTypeInfo,
  Requirements,
  Submission,
} from "./model";
import type { AmazonListings, D365Products } from "./ports";
import type { ProductTypeDefinitions } from "./product-types";
import { closeReview, openReview } from "./review";

export interface PublishDeps {
  d365: D365Products;
  amazon: AmazonListings;
  definitions: ProductTypeDefinitions;
  /** mappings/products.json (undefined: the flow is not configured). */
  mapping: ProductsFile | undefined;
  /** sku-crossref.json entries. */
  crossref: readonly SkuMapping[];
  /** marketplaces.json by marketplace id. */
  marketplace: (marketplaceId: string) => MarketplaceMapping | undefined;
  state: StateStore;
  clock: Clock;
  telemetry: Telemetry;
  /** The products queue (review items are parked on it, so a replay publishes again). */
  queue: string;
  /** PRODUCTS_PREVIEW. */
  preview: "always" | "new-listings";
}

export interface PublishRequest {
  itemNumbers: string[];
  marketplaceIds?: string[];
  /** Read these items' listings from Amazon again. */
  refreshItems?: string[];
  /** Send even when nothing changed (reads the live listing first). */
  force?: boolean;
}

export type ListingAction =
  | "created"
  | "offer-created"
  | "patched"
  | "in-step"
  | "unchanged"
  | "review"
  | "needs-mapping"
  | "not-sold"
  | "not-found";

export interface ListingOutcome {
  itemNumber: string;
  marketplaceId: string;
  action: ListingAction;
  sku?: string;
  asin?: string;
  /** Attributes a patch changed. */
  patched?: string[];
  issues?: ListingIssue[];
}

export interface PublishOutcome {
  listings: ListingOutcome[];
  counts: Record<string, number>;
  problems: string[];
}

interface Work {
  d: DesiredListing;
  record: ListingRecord | undefined;
  hash: string;
}

const todayOf = (clock: Clock) => clock.now().toISOString().slice(0, 10);

export async function publishProducts(req: PublishRequest, deps: PublishDeps): Promise<PublishOutcome> {
  const ctx = productsContext(deps.mapping, deps.marketplace, deps.crossref, req.marketplaceIds);
  const { desired, products } = await loadDesired(ctx, deps.d365, { itemNumbers: req.itemNumbers, today: todayOf(deps.clock) });
  const known = new Set([...products.values()].flat().map((p) => p.itemNumber.toLowerCase()));
  const refresh = new Set((req.refreshItems ?? []).map((i) => i.toLowerCase()));
  const listings: ListingOutcome[] = [];
  for (const m of ctx.settings) {
    const work: Work[] = [];
    for (const itemNumber of req.itemNumbers) {
      const d = desired.get(listingKey(itemNumber, m.marketplaceId));
      if (!d) {
        listings.push({
          itemNumber,
          marketplaceId: m.marketplaceId,
          action: known.has(itemNumber.toLowerCase()) ? "not-sold" : "not-found",
        });
        continue;
      }
      const record = await getListingRecord(deps.state, d.itemNumber, d.marketplaceId);
      const hash = planHash(d);
      const fresh = !req.force && !refresh.has(d.itemNumber.toLowerCase());
      if (fresh && record && record.planHash === hash && record.sku === d.sku) {
        listings.push({ itemNumber: d.itemNumber, marketplaceId: d.marketplaceId, sku: d.sku, action: "unchanged" });
        continue;
      }
      work.push({ d, record, hash });
    }
    if (work.length) listings.push(...(await publishMarketplace(work, m.marketplaceId, req, refresh, deps)));
  }
  const counts: Record<string, number> = {};
  for (const l of listings) counts[l.action] = (counts[l.action] ?? 0) + 1;
  return { listings, counts, problems: ctx.problems };
}

async function publishMarketplace(
  work: Work[],
  marketplaceId: string,
  req: PublishRequest,
  refresh: Set<string>,
  deps: PublishDeps,
): Promise<ListingOutcome[]> {
  const out: ListingOutcome[] = [];
  const ready: Work[] = [];
  for (const w of work) {
    if (w.d.problems.length) out.push(await needsMapping(w, deps));
    else ready.push(w);
  }
  // The live listing of every item not known to be listed under this SKU, to be checked again, or whose last
  // write has no known outcome (the answer was lost): Amazon may have applied it, so compare before sending again.
  const mustRead = ready.filter(
    (w) =>
      !w.record?.listed ||
      w.record.sku !== w.d.sku ||
      w.record.lastAction === "submitting" ||
      req.force ||
      refresh.has(w.d.itemNumber.toLowerCase()),
  );
  const readAt = deps.clock.now();
  const live = mustRead.length ? await deps.amazon.readListings([...new Set(mustRead.map((w) => w.d.sku))], marketplaceId) : new Map();
  const read = new Set(mustRead);
  const unlisted = ready.filter((w) => (read.has(w) ? !live.has(w.d.sku) : !w.record?.listed));
  const matches = await matchCatalog(unlisted, marketplaceId, deps);
  for (const w of ready) {
    try {
      if (read.has(w)) {
        const listing = live.get(w.d.sku);
        out.push(listing ? await reconcile(w, listing, readAt, deps) : await create(w, matches.get(w.d.itemNumber), deps));
      } else if (w.record?.listed) out.push(await update(w, w.record, deps));
      else out.push(await create(w, matches.get(w.d.itemNumber), deps));
    } catch (err) {
      // Amazon refused the request itself (400), or the listing vanished under a patch: this listing waits for a
      // person; the rest of the batch goes on. Anything else (throttling, outages) is retried with the message.
      if (!(err instanceof ValidationError) && !(err instanceof NotFoundError)) throw err;
      const issue: ListingIssue = { code: err.code, message: describeError(err), severity: "ERROR", source: "amazon" };
      out.push(await stop(w, "listing-invalid", [issue], deps, { listed: err instanceof NotFoundError ? false : undefined }));
    }
  }
  return out;
}

/** ASIN per item for the unlisted items the catalog knows: by the ASIN in sku-crossref.json, else by barcode. */
async function matchCatalog(unlisted: Work[], marketplaceId: string, deps: PublishDeps): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!deps.mapping?.matchCatalog || !unlisted.length) return out;
  const byAsin = unlisted.filter((w) => w.d.crossrefAsin);
  if (byAsin.length) {
    const found = await deps.amazon.findCatalogItems([...new Set(byAsin.map((w) => w.d.crossrefAsin!))], "asin", marketplaceId);
    for (const w of byAsin) if (found.has(w.d.crossrefAsin!)) out.set(w.d.itemNumber, found.get(w.d.crossrefAsin!)!);
  }
  const byType = new Map<BarcodeType, Work[]>();
  for (const w of unlisted)
    if (!out.has(w.d.itemNumber) && w.d.barcode) byType.set(w.d.barcode.type, [...(byType.get(w.d.barcode.type) ?? []), w]);
  for (const [type, ws] of byType) {
    const found = await deps.amazon.findCatalogItems([...new Set(ws.map((w) => w.d.barcode!.value))], type, marketplaceId);
    for (const w of ws) if (found.has(w.d.barcode!.value)) out.set(w.d.itemNumber, found.get(w.d.barcode!.value)!);
  }
  return out;
}

function init(w: Work): () => ListingRecord {
  return () => newRecord({ itemNumber: w.d.itemNumber, marketplaceId: w.d.marketplaceId, sku: w.d.sku, company: w.d.company });
}

function suggestionFor(
  w: Work,
  asin: string | undefined,
  fnsku: string | undefined,
  crossref: readonly SkuMapping[],
): CrossrefSuggestion | undefined {
  if (!asin && !fnsku) return undefined;
  const entry = crossref.find((e) => e.sellerSku === w.d.sku && (!e.marketplaceIds || e.marketplaceIds.includes(w.d.marketplaceId)));
  const differs =
    !entry ||
    entry.itemNumber.toLowerCase() !== w.d.itemNumber.toLowerCase() ||
    (asin && entry.asin !== asin) ||
    (fnsku && entry.fnsku !== fnsku);
  if (!differs) return undefined;
  return { sellerSku: w.d.sku, itemNumber: w.d.itemNumber, ...(asin ? { asin } : {}), ...(fnsku ? { fnsku } : {}) };
}

/** A mapping gap: nothing is sent; a review item says what to add. */
async function needsMapping(w: Work, deps: PublishDeps): Promise<ListingOutcome> {
  const issues: ListingIssue[] = w.d.problems.map((p) => ({ code: p.code, message: p.message, severity: "ERROR", source: "mapping" }));
  await updateListingRecord(
    deps.state,
    w.d,
    init(w),
    (r) => {
      r.sku = w.d.sku;
      if (!r.listed) r.state = "needs-mapping";
      r.planHash = w.hash;
      r.lastAction = "needs-mapping";
      r.issues = [...r.issues.filter((i) => i.source === undefined || i.source === "amazon"), ...issues];
    },
    deps.clock,
  );
  const suggestion = w.d.problems.find((p) => p.suggestion !== undefined)?.suggestion;
  await openReview(
    deps.state,
    deps.queue,
    { itemNumber: w.d.itemNumber, marketplaceId: w.d.marketplaceId, sku: w.d.sku, reason: "needs-mapping", issues, suggestion },
    deps.clock,
    deps.telemetry,
  );
  return { itemNumber: w.d.itemNumber, marketplaceId: w.d.marketplaceId, sku: w.d.sku, action: "needs-mapping", issues };
}

/** A listing stopped before Amazon changed anything (refused by the definition or by Amazon): review item, hash kept. */
async function stop(
  w: Work,
  reason: "listing-invalid",
  issues: ListingIssue[],
  deps: PublishDeps,
  opts: { suggestion?: unknown; listed?: boolean } = {},
): Promise<ListingOutcome> {
  await updateListingRecord(
    deps.state,
    w.d,
    init(w),
    (r) => {
      r.sku = w.d.sku;
      r.state = "review";
      r.planHash = w.hash;
      r.lastAction = "refused";
      if (opts.listed !== undefined) r.listed = opts.listed;
      r.issues = issues;
    },
    deps.clock,
  );
  await openReview(
    deps.state,
    deps.queue,
    { itemNumber: w.d.itemNumber, marketplaceId: w.d.marketplaceId, sku: w.d.sku, reason, issues, suggestion: opts.suggestion },
    deps.clock,
    deps.telemetry,
  );
  return { itemNumber: w.d.itemNumber, marketplaceId: w.d.marketplaceId, sku: w.d.sku, action: "review", issues };
}

/** What the admin could add for attributes the definition requires (the allowed values when it lists them). */
function templateSuggestion(w: Work, issues: ListingIssue[], def: ProductTypeInfo): unknown {
  const names = [...new Set(issues.filter((i) => i.severity === "ERROR").flatMap((i) => i.attributeNames ?? []))].filter(
    (n) => !CREATE_ONLY.has(n) && n !== "purchasable_offer",
  );
  if (!names.length) return undefined;
  // Attribute names are values here, not keys: the review store redacts keys that look like personal data.
  const add = names.map((n) => {
    const a = def.attributes[n];
    return {
      attribute: n,
      ...(a?.title ? { title: a.title } : {}),
      source: a?.enum?.length ? { constant: `<one of ${a.enum.slice(0, 12).join(", ")}>` } : { field: "<a D365 field>" },
    };
  });
  // A template of its own for the item group (extending the one it uses) keeps the other groups' listings as they are.
  return { file: "products.json", itemGroup: w.d.itemGroup, productType: def.productType, template: w.d.template, add };
}

/** Issues that stop a write: the definition's errors, or Amazon's INVALID answer. */
function blocking(local: ListingIssue[], answer: Submission | undefined): boolean {
  return local.some((i) => i.severity === "ERROR") || answer?.status === "INVALID";
}

function merged(local: ListingIssue[], answer: Submission | undefined): ListingIssue[] {
  const amazon = (answer?.issues ?? []).map((i) => ({ ...i, source: "amazon" as const }));
  // Amazon's own message first; the definition's finding only where Amazon said nothing about that attribute.
  const covered = new Set(amazon.flatMap((i) => i.attributeNames ?? []));
  return [...amazon, ...local.filter((i) => !(i.attributeNames ?? []).every((n) => covered.has(n)))];
}

/** A new listing: an offer on the catalog's ASIN, or the full attribute set. */
async function create(w: Work, asin: string | undefined, deps: PublishDeps): Promise<ListingOutcome> {
  const requirements = requirementsFor(asin);
  const def = await deps.definitions.get(w.d.productType, w.d.marketplaceId, requirements);
  const { attributes, ignored } = buildAttributes(w.d, def, { asin });
  const local = checkDefinition(attributes, def, { create: true });
  const listing = { sku: w.d.sku, marketplaceId: w.d.marketplaceId, productType: w.d.productType, requirements, attributes };
  const preview = await deps.amazon.put(listing, "VALIDATION_PREVIEW");
  if (blocking(local, preview)) {
    const issues = merged(local, preview);
    return stop(w, "listing-invalid", issues, deps, { suggestion: templateSuggestion(w, issues, def) });
  }
  // The record (and its SKU) exists before Amazon has the listing, so the status notification Amazon may send
  // before this put returns finds the item.
  await updateListingRecord(
    deps.state,
    w.d,
    init(w),
    (r) => {
      r.sku = w.d.sku;
      r.lastAction = "submitting";
    },
    deps.clock,
  );
  const answer = await deps.amazon.put(listing);
  if (answer.status === "INVALID") {
    const issues = merged([], answer);
    return stop(w, "listing-invalid", issues, deps, { suggestion: templateSuggestion(w, issues, def) });
  }
  const finalAsin = answer.asin ?? asin;
  await updateListingRecord(
    deps.state,
    w.d,
    init(w),
    (r) => {
      r.sku = w.d.sku;
      r.state = "published";
      r.listed = true;
      r.productType = w.d.productType;
      r.requirements = requirements;
      if (finalAsin) r.asin = finalAsin;
      r.issues = (answer.issues ?? []).map((i) => ({ ...i, source: "amazon" as const }));
      r.planHash = w.hash;
      r.attributeHashes = attributeHashes(attributes);
      r.published = { ...summarize(attributes), ...(ignored.length ? { "(not in the definition)": ignored.join(", ") } : {}) };
      r.publishedAt = deps.clock.now();
      r.checkedAt = deps.clock.now();
      r.lastAction = asin ? "offer-created" : "created";
      const s = suggestionFor(w, finalAsin, r.fnsku, deps.crossref);
      if (s) r.crossrefSuggestion = s;
      else delete r.crossrefSuggestion;
    },
    deps.clock,
  );
  await closeReview(deps.state, deps.queue, w.d.itemNumber, w.d.marketplaceId);
  return {
    itemNumber: w.d.itemNumber,
    marketplaceId: w.d.marketplaceId,
    sku: w.d.sku,
    action: asin ? "offer-created" : "created",
    ...(finalAsin ? { asin: finalAsin } : {}),
  };
}

/** A listing read from Amazon: patch the attributes whose live value differs; keep its status, issues, ASIN, FNSKU. */
async function reconcile(w: Work, listing: AmazonListing, readAt: Date, deps: PublishDeps): Promise<ListingOutcome> {
  const requirements: Requirements = w.record?.requirements ?? "LISTING";
  const def = await deps.definitions.get(listing.productType, w.d.marketplaceId, requirements);
  const { attributes } = buildAttributes(w.d, def);
  const patches = patchesAgainst(attributes, listing.attributes);
  const seen = (r: ListingRecord) => {
    r.sku = w.d.sku;
    r.listed = true;
    r.productType = listing.productType;
    r.requirements = requirements;
    if (listing.asin) r.asin = listing.asin;
    if (listing.fnsku) r.fnsku = listing.fnsku;
    // A notification handled since the read knows better than the read.
    if (r.checkedAt && r.checkedAt.getTime() > readAt.getTime()) return;
    r.amazonStatus = listing.status;
    r.issues = listing.issues;
    r.checkedAt = readAt;
  };
  if (!patches.length) {
    const record = await updateListingRecord(
      deps.state,
      w.d,
      init(w),
      (r) => {
        seen(r);
        r.planHash = w.hash;
        r.attributeHashes = attributeHashes(attributes);
        r.published = summarize(attributes);
        r.lastAction = "in-step";
        setReviewState(r);
        const s = suggestionFor(w, r.asin, r.fnsku, deps.crossref);
        if (s) r.crossrefSuggestion = s;
        else delete r.crossrefSuggestion;
      },
      deps.clock,
    );
    await syncIssuesReview(w, record, deps);
    return {
      itemNumber: w.d.itemNumber,
      marketplaceId: w.d.marketplaceId,
      sku: w.d.sku,
      action: "in-step",
      ...(record.asin ? { asin: record.asin } : {}),
    };
  }
  return submitPatch(w, { productType: listing.productType, requirements }, def, attributes, patches, deps, seen);
}

/** A listing the app published before: patch the attributes whose hash changed since. */
async function update(w: Work, record: ListingRecord, deps: PublishDeps): Promise<ListingOutcome> {
  const productType = record.productType ?? w.d.productType;
  const requirements = record.requirements ?? "LISTING";
  const def = await deps.definitions.get(productType, w.d.marketplaceId, requirements);
  const { attributes } = buildAttributes(w.d, def);
  const patches = patchesSince(attributes, record.attributeHashes);
  if (!patches.length) {
    await updateListingRecord(
      deps.state,
      w.d,
      init(w),
      (r) => {
        r.planHash = w.hash;
        r.lastAction = "unchanged";
      },
      deps.clock,
    );
    return { itemNumber: w.d.itemNumber, marketplaceId: w.d.marketplaceId, sku: w.d.sku, action: "unchanged" };
  }
  return submitPatch(w, { productType, requirements }, def, attributes, patches, deps);
}

async function submitPatch(
  w: Work,
  listing: { productType: string; requirements: Requirements },
  def: ProductTypeInfo,
  attributes: Attributes,
  patches: PatchOperation[],
  deps: PublishDeps,
  seen?: (r: ListingRecord) => void,
): Promise<ListingOutcome> {
  const changed: Attributes = Object.fromEntries(patches.filter((p) => p.op === "replace").map((p) => [p.attribute, p.value ?? []]));
  const deletes = patches.filter((p) => p.op === "delete").map((p) => p.attribute);
  const local = checkDefinition(changed, def, { create: false, deletes });
  const change = { sku: w.d.sku, marketplaceId: w.d.marketplaceId, productType: listing.productType, patches };
  const preview = deps.preview === "always" || local.length ? await deps.amazon.patch(change, "VALIDATION_PREVIEW") : undefined;
  const refuse = async (answer: Submission | undefined, loc: ListingIssue[]) => {
    const issues = merged(loc, answer);
    if (seen) await updateListingRecord(deps.state, w.d, init(w), seen, deps.clock);
    return stop(w, "listing-invalid", issues, deps, { suggestion: templateSuggestion(w, issues, def) });
  };
  if (blocking(local, preview)) return refuse(preview, local);
  // As before a put: the record and its SKU exist before Amazon changes the listing (and notifies).
  await updateListingRecord(
    deps.state,
    w.d,
    init(w),
    (r) => {
      seen?.(r);
      r.sku = w.d.sku;
      r.lastAction = "submitting";
    },
    deps.clock,
  );
  const answer = await deps.amazon.patch(change);
  if (answer.status === "INVALID") return refuse(answer, []);
  const names = new Set(patches.map((p) => p.attribute));
  const record = await updateListingRecord(
    deps.state,
    w.d,
    init(w),
    (r) => {
      seen?.(r);
      r.sku = w.d.sku;
      r.listed = true;
      r.productType = listing.productType;
      r.requirements = listing.requirements;
      r.planHash = w.hash;
      // What Amazon now has: the hashes of every managed attribute as the flow would send it.
      r.attributeHashes = attributeHashes(attributes);
      r.published = summarize(attributes);
      r.publishedAt = deps.clock.now();
      r.lastAction = "patched";
      // Issues about the attributes just set are Amazon's to re-raise (its notification says when they clear).
      r.issues = [
        ...r.issues.filter(
          (i) =>
            !(i.attributeNames?.length && i.attributeNames.every((n) => names.has(n))) &&
            i.source !== "definition" &&
            i.source !== "mapping",
        ),
        ...(answer.issues ?? []).map((i) => ({ ...i, source: "amazon" as const })),
      ];
      setReviewState(r);
      const s = suggestionFor(w, r.asin, r.fnsku, deps.crossref);
      if (s) r.crossrefSuggestion = s;
      else delete r.crossrefSuggestion;
    },
    deps.clock,
  );
  await syncIssuesReview(w, record, deps);
  return {
    itemNumber: w.d.itemNumber,
    marketplaceId: w.d.marketplaceId,
    sku: w.d.sku,
    action: "patched",
    patched: [...names],
    ...(record.asin ? { asin: record.asin } : {}),
  };
}

const hasErrors = (r: ListingRecord) => r.issues.some((i) => i.severity === "ERROR");

function setReviewState(r: ListingRecord): void {
  r.state = hasErrors(r) ? "review" : "published";
}

/** A live listing with errors is a review item with Amazon's messages; without errors none is. */
async function syncIssuesReview(w: Work, record: ListingRecord, deps: PublishDeps): Promise<void> {
  if (hasErrors(record))
    await openReview(
      deps.state,
      deps.queue,
      { itemNumber: w.d.itemNumber, marketplaceId: w.d.marketplaceId, sku: record.sku, reason: "listing-issues", issues: record.issues },
      deps.clock,
      deps.telemetry,
    );
  else await closeReview(deps.state, deps.queue, w.d.itemNumber, w.d.marketplaceId);
}
