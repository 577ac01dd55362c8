/**
 * What the FBA reconciliation keeps in state:
 * - table "inventoryFbaStock", per (marketplace, SellerSKU) in bucket rows (bucket-store.ts): Amazon's last known FBA quantities, ASIN and
 *   FNSKU (from the summaries, refreshed by FBA_INVENTORY_AVAILABILITY_CHANGES). The FBM push never sends a quantity
 *   to a SKU listed here (a DEFAULT quantity would turn an FBA listing into a merchant-fulfilled one), and the SKU
 *   cross-reference suggestions are read from it;
 * - table "inventoryFbaDiscrepancies", one row per (marketplace, item) that differs, with the date it was first
 *   seen to differ (kept while it keeps differing, whatever the amount) and the journal prepared for it;
 * - table "inventoryFbaRuns", one row per marketplace: the last reconciliation (when, counts, the open journal).
 */
import { Dec } from "../../platform/money";
import type { StateEntity, StateOperation, StateStore } from "../../platform/ports";
import { safeKey, unsafeKey } from "../../platform/state-keys";
import { BucketStore, decodeBucket } from "./bucket-store";
import type { AmazonQuantities, ItemComparison } from "./fba-compare";
import type { FbaStock, JournalKind } from "./ports";

export const FBA_STOCK_TABLE = "inventoryFbaStock";
export const DISCREPANCIES_TABLE = "inventoryFbaDiscrepancies";
export const FBA_RUNS_TABLE = "inventoryFbaRuns";

// -------------------------------------------------------------------------------------------------------
// Amazon's FBA stock per SKU

/** A SKU's stock inside its bucket row (bucket-store.ts). */
type StockEntry = Omit<FbaStock, "marketplaceId" | "sellerSku"> & { seenAt: string };

const stockStore = (state: StateStore) => new BucketStore<StockEntry>(state, FBA_STOCK_TABLE);

function toEntry(s: FbaStock, seenAt: Date): StockEntry {
  const { marketplaceId: _m, sellerSku: _s, ...rest } = s;
  return { ...rest, seenAt: seenAt.toISOString() };
}

function toStock(marketplaceId: string, sellerSku: string, e: StockEntry): FbaStock & { seenAt: Date } {
  const { seenAt, ...rest } = e;
  return { marketplaceId, sellerSku, ...rest, seenAt: new Date(seenAt) };
}

const QUANTITY_FIELDS = [
  "fulfillable",
  "inboundWorking",
  "inboundShipped",
  "inboundReceiving",
  "reserved",
  "unfulfillable",
  "researching",
] as const;

function sameStock(a: FbaStock, b: FbaStock): boolean {
  return QUANTITY_FIELDS.every((k) => a[k] === b[k]) && a.asin === b.asin && a.fnSku === b.fnSku;
}

export async function readFbaStock(state: StateStore, marketplaceId: string): Promise<Map<string, FbaStock & { seenAt: Date }>> {
  const out = new Map<string, FbaStock & { seenAt: Date }>();
  for (const [sku, e] of await stockStore(state).readAll(marketplaceId)) out.set(sku, toStock(marketplaceId, sku, e));
  return out;
}

export async function getFbaStock(state: StateStore, marketplaceId: string, sellerSku: string): Promise<FbaStock | undefined> {
  const e = (await stockStore(state).readSome(marketplaceId, [sellerSku])).get(sellerSku);
  return e ? toStock(marketplaceId, sellerSku, e) : undefined;
}

/** The SKUs Amazon fulfills in this marketplace (every SKU its FBA summaries listed). */
export async function knownFbaSkus(state: StateStore, marketplaceId: string): Promise<Set<string>> {
  return new Set((await stockStore(state).readAll(marketplaceId)).keys());
}

/** Replaces the marketplace's stock with `stock`: writes SKUs that changed, removes SKUs Amazon no longer lists. */
export async function replaceFbaStock(
  state: StateStore,
  marketplaceId: string,
  stock: readonly FbaStock[],
  seenAt: Date,
): Promise<{ written: number; removed: number }> {
  const before = await readFbaStock(state, marketplaceId);
  const changes = new Map<string, StockEntry | undefined>();
  for (const s of stock) {
    const old = before.get(s.sellerSku);
    before.delete(s.sellerSku);
    if (old && sameStock(old, s)) continue;
    changes.set(s.sellerSku, toEntry(s, seenAt));
  }
  for (const gone of before.keys()) changes.set(gone, undefined);
  await stockStore(state).write(marketplaceId, changes);
  return { written: changes.size - before.size, removed: before.size };
}

export async function putFbaStock(state: StateStore, stock: FbaStock, seenAt: Date): Promise<void> {
  await stockStore(state).write(stock.marketplaceId, new Map([[stock.sellerSku, toEntry(stock, seenAt)]]));
}

/** Every marketplace's stock rows (for the cross-reference suggestions). */
export async function* allFbaStock(state: StateStore): AsyncIterable<FbaStock> {
  for await (const row of state.query(FBA_STOCK_TABLE)) {
    const marketplaceId = unsafeKey(row.entity.partitionKey);
    for (const [sku, e] of Object.entries(decodeBucket<StockEntry>(row.entity))) yield toStock(marketplaceId, sku, e);
  }
}

// -------------------------------------------------------------------------------------------------------
// Discrepancies

export interface Discrepancy extends ItemComparison {
  warehouseId: string;
  company: string;
  /** When this item was first seen to differ (unbroken since). */
  since: Date;
  /** The last reconciliation (or notification) that saw it differ. */
  lastSeenAt: Date;
  journal?: { kind: JournalKind; journalNumber: string };
}

interface DiscrepancyRow extends StateEntity {
  marketplaceId: string;
  itemNumber: string;
  sellerSkus: string;
  warehouseId: string;
  company: string;
  amazon: string;
  amazonCompared: string;
  d365OnHand: string;
  difference: string;
  since: Date;
  lastSeenAt: Date;
  journalKind?: string;
  journalNumber?: string;
}

function toDiscrepancy(r: DiscrepancyRow): Discrepancy {
  return {
    marketplaceId: r.marketplaceId,
    itemNumber: r.itemNumber,
    sellerSkus: r.sellerSkus ? r.sellerSkus.split(",") : [],
    warehouseId: r.warehouseId,
    company: r.company,
    amazon: JSON.parse(r.amazon) as AmazonQuantities,
    amazonCompared: r.amazonCompared,
    d365OnHand: r.d365OnHand,
    difference: r.difference,
    since: r.since,
    lastSeenAt: r.lastSeenAt,
    ...(r.journalNumber ? { journal: { kind: r.journalKind as JournalKind, journalNumber: r.journalNumber } } : {}),
  };
}

function discrepancyRow(d: Discrepancy): DiscrepancyRow {
  return {
    partitionKey: safeKey(d.marketplaceId),
    rowKey: safeKey(d.itemNumber),
    marketplaceId: d.marketplaceId,
    itemNumber: d.itemNumber,
    sellerSkus: d.sellerSkus.join(","),
    warehouseId: d.warehouseId,
    company: d.company,
    amazon: JSON.stringify(d.amazon),
    amazonCompared: d.amazonCompared,
    d365OnHand: d.d365OnHand,
    difference: d.difference,
    since: d.since,
    lastSeenAt: d.lastSeenAt,
    journalKind: d.journal?.kind,
    journalNumber: d.journal?.journalNumber,
  };
}

export async function readDiscrepancies(state: StateStore, marketplaceId?: string): Promise<Discrepancy[]> {
  const out: Discrepancy[] = [];
  const q = marketplaceId ? { partitionKey: safeKey(marketplaceId) } : {};
  for await (const row of state.query<DiscrepancyRow>(DISCREPANCIES_TABLE, q)) out.push(toDiscrepancy(row.entity));
  return out;
}

/**
 * Stores the comparison of a marketplace (all items, or only `items` given by a notification): items that differ
 * are written (keeping `since` and the journal of an earlier row), items that agree are removed.
 */
export async function storeComparison(
  state: StateStore,
  input: { marketplaceId: string; company: string; warehouseId: string; items: readonly ItemComparison[]; at: Date; partial: boolean },
): Promise<Discrepancy[]> {
  const before = new Map((await readDiscrepancies(state, input.marketplaceId)).map((d) => [d.itemNumber, d]));
  const ops: StateOperation[] = [];
  const differing: Discrepancy[] = [];
  const seen = new Set<string>();
  for (const item of input.items) {
    seen.add(item.itemNumber);
    const old = before.get(item.itemNumber);
    if (new Dec(item.difference).isZero()) {
      if (old) ops.push({ kind: "delete", partitionKey: safeKey(input.marketplaceId), rowKey: safeKey(item.itemNumber) });
      continue;
    }
    const d: Discrepancy = {
      ...item,
      company: input.company,
      warehouseId: input.warehouseId,
      since: old?.since ?? input.at,
      lastSeenAt: input.at,
      ...(old?.journal ? { journal: old.journal } : {}),
    };
    differing.push(d);
    ops.push({ kind: "upsert", entity: discrepancyRow(d) });
  }
  if (!input.partial) {
    for (const [itemNumber] of before) {
      if (!seen.has(itemNumber)) ops.push({ kind: "delete", partitionKey: safeKey(input.marketplaceId), rowKey: safeKey(itemNumber) });
    }
  }
  if (ops.length) await state.batch(DISCREPANCIES_TABLE, ops);
  return differing;
}

/** Notes the journal prepared for these items. */
export async function markJournal(
  state: StateStore,
  items: readonly Discrepancy[],
  journal: { kind: JournalKind; journalNumber: string },
): Promise<void> {
  if (!items.length) return;
  await state.batch(
    DISCREPANCIES_TABLE,
    items.map((d) => ({ kind: "upsert", entity: discrepancyRow({ ...d, journal }) })),
  );
}

// -------------------------------------------------------------------------------------------------------
// The last reconciliation per marketplace

export interface ReconciliationSummary {
  marketplaceId: string;
  company: string;
  warehouseId: string;
  reconciledAt: Date;
  compare: string[];
  skus: number;
  items: number;
  discrepancies: number;
  unmappedSkus: string[];
  unmappedItems: string[];
  /** The reconciliation journal waiting for review in D365 (one at a time per marketplace). */
  openJournal?: { kind: JournalKind; journalNumber: string; description: string; lines: number; createdAt: Date };
  /** A journal being created (header and lines are separate writes): resumed by the next run. */
  creatingJournal?: { kind: JournalKind; description: string };
  error?: string;
}

interface SummaryRow extends StateEntity {
  json: string;
}

const SUMMARY_PARTITION = "marketplace";

export async function readReconciliation(state: StateStore, marketplaceId: string): Promise<ReconciliationSummary | undefined> {
  const row = await state.get<SummaryRow>(FBA_RUNS_TABLE, SUMMARY_PARTITION, safeKey(marketplaceId));
  return row ? reviveSummary(row.entity.json) : undefined;
}

export async function listReconciliations(state: StateStore): Promise<ReconciliationSummary[]> {
  const out: ReconciliationSummary[] = [];
  for await (const row of state.query<SummaryRow>(FBA_RUNS_TABLE, { partitionKey: SUMMARY_PARTITION }))
    out.push(reviveSummary(row.entity.json));
  return out;
}

export async function writeReconciliation(state: StateStore, s: ReconciliationSummary): Promise<void> {
  const capped = { ...s, unmappedSkus: s.unmappedSkus.slice(0, 200), unmappedItems: s.unmappedItems.slice(0, 200) };
  await state.upsert(FBA_RUNS_TABLE, { partitionKey: SUMMARY_PARTITION, rowKey: safeKey(s.marketplaceId), json: JSON.stringify(capped) });
}

function reviveSummary(json: string): ReconciliationSummary {
  const s = JSON.parse(json) as ReconciliationSummary & { reconciledAt: string };
  return {
    ...s,
    reconciledAt: new Date(s.reconciledAt),
    ...(s.openJournal ? { openJournal: { ...s.openJournal, createdAt: new Date(s.openJournal.createdAt) } } : {}),
  };
}
