/**
 * Use case: the products sync (timer PRODUCTS_SYNC_SCHEDULE, POST /api/products/sync). It reads the released
 * products every marketplace sells from D365 (with their bar codes and trade agreement prices), works out
 * each desired listing and compares its hash with the listing's record. Only items where something changed
 * (a price, a name, the mapping), that were never published, or whose record is older than
 * PRODUCTS_REFRESH_HOURS (the catch-up for lost listing notifications) are sent to the products queue, in
 * batches of PRODUCTS_BATCH_SIZE; everything else costs no SP-API call at all. It calls no SP-API itself, so
 * it answers quickly; the sync record says when every batch is done (GET /api/products/sync/{syncId}).
 */
import type { MarketplaceMapping } from "../../mapping/marketplaces";
import type { ProductsFile } from "../../mapping/products";
import type { SkuMapping } from "../../mapping/sku-crossref";
import type { Clock } from "../../platform/clock";
import type { MessageBus } from "../../platform/ports";
import type { StateStore } from "../../platform/ports";
import { startRun } from "../../platform/run-records";
import type { Telemetry } from "../../platform/telemetry";
import { planHash } from "./desired";
import { allListingRecords, type ListingRecord } from "./listing-records";
import { listingKey, loadDesired, productsContext } from "./load";
import { publishBatchMessage } from "./messages";
import type { D365Products } from "./ports";
import { saveSyncPlan, type SyncPlan } from "./sync-records";

export const SYNC_FLOW = "products-sync";

export interface SyncDeps {
  d365: D365Products;
  mapping: ProductsFile | undefined;
  crossref: readonly SkuMapping[];
  marketplace: (marketplaceId: string) => MarketplaceMapping | undefined;
  state: StateStore;
  bus: MessageBus;
  queue: string;
  clock: Clock;
  telemetry: Telemetry;
}

export interface SyncOptions {
  source: "timer" | "http";
  batchSize: number;
  /** Records older than this are read from Amazon again; 0: never. */
  refreshHours: number;
  /** Send every selected item (as after a mapping change Amazon must see), not only the changed ones. */
  force?: boolean;
  marketplaceIds?: string[];
}

export type SyncOutcome = SyncPlan;

function newSyncId(clock: Clock): string {
  const t = clock
    .now()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${t}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function syncProducts(opts: SyncOptions, deps: SyncDeps): Promise<SyncOutcome> {
  const startedAt = deps.clock.now();
  const syncId = newSyncId(deps.clock);
  const run = await startRun(deps.state, { flow: SYNC_FLOW }, deps.clock);
  try {
    const ctx = productsContext(deps.mapping, deps.marketplace, deps.crossref, opts.marketplaceIds);
    const { desired } = await loadDesired(ctx, deps.d365, { today: startedAt.toISOString().slice(0, 10) });
    const records = new Map<string, ListingRecord>();
    for await (const r of allListingRecords(deps.state)) records.set(listingKey(r.itemNumber, r.marketplaceId), r);
    const changed = new Set<string>();
    const stale = new Set<string>();
    const counts = { listings: desired.size, new: 0, changed: 0, stale: 0, unchanged: 0 };
    const staleBefore = opts.refreshHours > 0 ? startedAt.getTime() - opts.refreshHours * 3_600_000 : undefined;
    for (const [key, d] of desired) {
      const r = records.get(key);
      if (!r) counts.new++;
      else if (opts.force || r.planHash !== planHash(d) || r.sku !== d.sku) counts.changed++;
      else if (staleBefore !== undefined && r.listed && (r.checkedAt?.getTime() ?? 0) < staleBefore) {
        counts.stale++;
        stale.add(d.itemNumber);
        continue;
      } else {
        counts.unchanged++;
        continue;
      }
      changed.add(d.itemNumber);
    }
    const items = [...new Set([...changed, ...stale])].sort();
    const batches: string[][] = [];
    for (let i = 0; i < items.length; i += opts.batchSize) batches.push(items.slice(i, i + opts.batchSize));
    const plan: SyncPlan = {
      syncId,
      startedAt,
      source: opts.source,
      listings: desired.size,
      items: items.length,
      batches: batches.length,
      counts,
      problems: ctx.problems,
    };
    await saveSyncPlan(deps.state, plan);
    const messages = batches.map((itemNumbers, batch) => {
      const refreshItems = itemNumbers.filter((i) => stale.has(i) && !changed.has(i));
      return publishBatchMessage({
        kind: "publish",
        itemNumbers,
        ...(opts.marketplaceIds ? { marketplaceIds: opts.marketplaceIds } : {}),
        ...(refreshItems.length ? { refreshItems } : {}),
        ...(opts.force ? { force: true } : {}),
        syncId,
        batch,
      });
    });
    for (let i = 0; i < messages.length; i += 100) await deps.bus.send(deps.queue, messages.slice(i, i + 100));
    await run.finish({ outcome: "succeeded", counts: { ...counts, items: items.length, batches: batches.length } });
    for (const p of ctx.problems) deps.telemetry.log("warn", "products.sync.problem", { problem: p });
    deps.telemetry.metric("products.sync.items", items.length, { source: opts.source });
    return plan;
  } catch (err) {
    await run.finish({ outcome: "failed", error: err });
    throw err;
  }
}
