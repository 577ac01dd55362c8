/**
 * Listing records: what the app knows of each item's listing per marketplace — its seller SKU, ASIN and
 * FNSKU, Amazon's status and issues, the hash of what was last sent (so nothing is sent when nothing
 * changed) and the values last published. Table "productListings": partition = item number, row =
 * marketplace id; "productSkus" finds the item of a SKU (partition = marketplace id, row = SKU) for
 * notifications, which name SKUs. No buyer data: products only.
 */
import type { Clock } from "../../platform/clock";
import { withEtagRetry } from "../../platform/etag-retry";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
import type { ListingIssue, Requirements } from "./model";

export const LISTINGS_TABLE = "productListings";
export const SKU_INDEX_TABLE = "productSkus";

/**
 * - published: Amazon accepted what the app sent (or the live listing already showed it);
 * - review: something stops it (Amazon refused it, its live listing has errors): a review item says what;
 * - needs-mapping: the mapping gives no product type, price or similar, so nothing was sent;
 * - pending: seen, not yet published (a batch is on its way).
 */
export type ListingState = "published" | "review" | "needs-mapping" | "pending";
export const LISTING_STATES: readonly ListingState[] = ["published", "review", "needs-mapping", "pending"];

export interface CrossrefSuggestion {
  sellerSku: string;
  itemNumber: string;
  asin?: string;
  fnsku?: string;
}

export interface ListingRecord {
  itemNumber: string;
  marketplaceId: string;
  sku: string;
  company: string;
  state: ListingState;
  productType?: string;
  requirements?: Requirements;
  /** The listing exists on Amazon (read or created by the app). */
  listed: boolean;
  asin?: string;
  fnsku?: string;
  /** Amazon's status: BUYABLE, DISCOVERABLE (empty when suppressed), DELETED. */
  amazonStatus: string[];
  issues: ListingIssue[];
  /** Hash of the desired listing last handled (published, or stopped in review). */
  planHash?: string;
  /** Hash per attribute of what Amazon accepted. */
  attributeHashes: Record<string, string>;
  /** The values last published, as a person reads them. */
  published: Record<string, string>;
  publishedAt?: Date;
  /** When the app last read the listing from Amazon (or was told by a notification). */
  checkedAt?: Date;
  updatedAt?: Date;
  lastAction?: string;
  /** An entry for sku-crossref.json the admin may add or correct (ASIN / FNSKU Amazon knows). */
  crossrefSuggestion?: CrossrefSuggestion;
}

interface Row extends StateEntity {
  itemNumber: string;
  marketplaceId: string;
  sku: string;
  company: string;
  state: string;
  productType?: string;
  requirements?: string;
  listed?: boolean;
  asin?: string;
  fnsku?: string;
  amazonStatus?: string;
  issues?: string;
  planHash?: string;
  attributeHashes?: string;
  published?: string;
  publishedAt?: Date;
  checkedAt?: Date;
  updatedAt?: Date;
  lastAction?: string;
  crossrefSuggestion?: string;
}

const MAX_ISSUES = 25;
const MAX_TEXT = 30_000;

function parse<T>(json: string | undefined, fallback: T): T {
  if (!json) return fallback;
  try {
    return JSON.parse(json) as T;
  } catch {
    return fallback;
  }
}

/** JSON within a Table property's limit (64 KiB): issues beyond 25 and overlong texts are cut. */
function bounded(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= MAX_TEXT ? text : JSON.stringify({ truncated: true, length: text.length });
}

function toRecord(r: Row): ListingRecord {
  return {
    itemNumber: r.itemNumber,
    marketplaceId: r.marketplaceId,
    sku: r.sku,
    company: r.company,
    state: r.state as ListingState,
    ...(r.productType ? { productType: r.productType } : {}),
    ...(r.requirements ? { requirements: r.requirements as Requirements } : {}),
    listed: r.listed ?? false,
    ...(r.asin ? { asin: r.asin } : {}),
    ...(r.fnsku ? { fnsku: r.fnsku } : {}),
    amazonStatus: parse<string[]>(r.amazonStatus, []),
    issues: parse<ListingIssue[]>(r.issues, []),
    ...(r.planHash ? { planHash: r.planHash } : {}),
    attributeHashes: parse<Record<string, string>>(r.attributeHashes, {}),
    published: parse<Record<string, string>>(r.published, {}),
    ...(r.publishedAt ? { publishedAt: r.publishedAt } : {}),
    ...(r.checkedAt ? { checkedAt: r.checkedAt } : {}),
    ...(r.updatedAt ? { updatedAt: r.updatedAt } : {}),
    ...(r.lastAction ? { lastAction: r.lastAction } : {}),
    ...(r.crossrefSuggestion ? { crossrefSuggestion: parse<CrossrefSuggestion | undefined>(r.crossrefSuggestion, undefined) } : {}),
  };
}

function toRow(x: ListingRecord): Row {
  return {
    partitionKey: safeKey(x.itemNumber),
    rowKey: safeKey(x.marketplaceId),
    itemNumber: x.itemNumber,
    marketplaceId: x.marketplaceId,
    sku: x.sku,
    company: x.company,
    state: x.state,
    productType: x.productType,
    requirements: x.requirements,
    listed: x.listed,
    asin: x.asin,
    fnsku: x.fnsku,
    amazonStatus: JSON.stringify(x.amazonStatus),
    issues: bounded(x.issues.slice(0, MAX_ISSUES).map((i) => ({ ...i, message: i.message.slice(0, 1000) }))),
    planHash: x.planHash,
    attributeHashes: bounded(x.attributeHashes),
    published: bounded(x.published),
    publishedAt: x.publishedAt,
    checkedAt: x.checkedAt,
    updatedAt: x.updatedAt,
    lastAction: x.lastAction,
    crossrefSuggestion: x.crossrefSuggestion ? JSON.stringify(x.crossrefSuggestion) : undefined,
  };
}

export async function getListingRecord(state: StateStore, itemNumber: string, marketplaceId: string): Promise<ListingRecord | undefined> {
  const row = await state.get<Row>(LISTINGS_TABLE, safeKey(itemNumber), safeKey(marketplaceId));
  return row ? toRecord(row.entity) : undefined;
}

/** Every marketplace's record of one item. */
export async function listItemRecords(state: StateStore, itemNumber: string): Promise<ListingRecord[]> {
  const out: ListingRecord[] = [];
  for await (const row of state.query<Row>(LISTINGS_TABLE, { partitionKey: safeKey(itemNumber) })) out.push(toRecord(row.entity));
  return out;
}

/** Every record (the sync compares them all with D365; the status page counts them). */
export async function* allListingRecords(state: StateStore): AsyncIterable<ListingRecord> {
  for await (const row of state.query<Row>(LISTINGS_TABLE)) yield toRecord(row.entity);
}

/** The item whose listing has this SKU in the marketplace (undefined when the app never handled the SKU). */
export async function itemOfSku(state: StateStore, sku: string, marketplaceId: string): Promise<string | undefined> {
  const row = await state.get<StateEntity & { itemNumber: string }>(SKU_INDEX_TABLE, safeKey(marketplaceId), safeKey(sku));
  return row?.entity.itemNumber;
}

/** The marketplaces where the app handled this SKU. */
export async function marketplacesOfSku(state: StateStore, sku: string): Promise<{ marketplaceId: string; itemNumber: string }[]> {
  const out: { marketplaceId: string; itemNumber: string }[] = [];
  for await (const row of state.query<StateEntity & { itemNumber: string; marketplaceId: string; sku: string }>(SKU_INDEX_TABLE))
    if (row.entity.sku === sku) out.push({ marketplaceId: row.entity.marketplaceId, itemNumber: row.entity.itemNumber });
  return out;
}

/**
 * Reads, changes and writes one record, safe against a concurrent writer (a notification's refresh and a
 * publish of the same listing); creates it from `init` when missing. Returns the record written.
 */
export async function updateListingRecord(
  state: StateStore,
  key: { itemNumber: string; marketplaceId: string },
  init: () => ListingRecord,
  change: (r: ListingRecord) => void,
  clock: Clock,
): Promise<ListingRecord> {
  const written = await withEtagRetry(async () => {
    const current = await state.get<Row>(LISTINGS_TABLE, safeKey(key.itemNumber), safeKey(key.marketplaceId));
    const record = current ? toRecord(current.entity) : init();
    const skuBefore = current ? record.sku : undefined;
    change(record);
    record.updatedAt = clock.now();
    const row = toRow(record);
    if (current) await state.replace(LISTINGS_TABLE, row, current.etag);
    else await state.insert(LISTINGS_TABLE, row);
    return { record, skuChanged: skuBefore !== record.sku };
  });
  if (written.skuChanged)
    await state.upsert(SKU_INDEX_TABLE, {
      partitionKey: safeKey(key.marketplaceId),
      rowKey: safeKey(written.record.sku),
      itemNumber: key.itemNumber,
      marketplaceId: key.marketplaceId,
      sku: written.record.sku,
    });
  return written.record;
}

/** A new record of an item's listing in a marketplace. */
export function newRecord(x: { itemNumber: string; marketplaceId: string; sku: string; company: string }): ListingRecord {
  return { ...x, state: "pending", listed: false, amazonStatus: [], issues: [], attributeHashes: {}, published: {} };
}
