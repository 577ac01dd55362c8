/**
 * Sync records: one per products sync (timer or POST /api/products/sync), so its status URL can say whether
 * every publish batch it sent has been handled, and what they did. Table "productSyncs": partition "sync",
 * row = sync id, with the plan; "productSyncBatches": partition = sync id, row = batch number, written once
 * per handled batch (a redelivered batch overwrites its own row, so nothing counts twice).
 */
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";

export const SYNCS_TABLE = "productSyncs";
export const SYNC_BATCHES_TABLE = "productSyncBatches";

export interface SyncPlan {
  syncId: string;
  startedAt: Date;
  source: string;
  /** Listings (item x marketplace) compared with D365. */
  listings: number;
  /** Items sent to publish (something changed, or their record is stale). */
  items: number;
  batches: number;
  counts: Record<string, number>;
  problems: string[];
}

export interface SyncStatus extends SyncPlan {
  status: "running" | "done";
  batchesDone: number;
  /** What the handled batches did (created, offers, patched, unchanged, review, ...). */
  results: Record<string, number>;
  finishedAt?: Date;
}

interface PlanRow extends StateEntity {
  startedAt: Date;
  source: string;
  listings: number;
  items: number;
  batches: number;
  counts: string;
  problems: string;
}

interface BatchRow extends StateEntity {
  counts: string;
  doneAt: Date;
}

export async function saveSyncPlan(state: StateStore, plan: SyncPlan): Promise<void> {
  const row: PlanRow = {
    partitionKey: "sync",
    rowKey: safeKey(plan.syncId),
    startedAt: plan.startedAt,
    source: plan.source,
    listings: plan.listings,
    items: plan.items,
    batches: plan.batches,
    counts: JSON.stringify(plan.counts),
    problems: JSON.stringify(plan.problems.slice(0, 50)),
  };
  await state.upsert(SYNCS_TABLE, row);
}

export async function recordSyncBatch(
  state: StateStore,
  syncId: string,
  batch: number,
  counts: Record<string, number>,
  at: Date,
): Promise<void> {
  const row: BatchRow = {
    partitionKey: safeKey(syncId),
    rowKey: String(batch).padStart(6, "0"),
    counts: JSON.stringify(counts),
    doneAt: at,
  };
  await state.upsert(SYNC_BATCHES_TABLE, row);
}

export async function getSyncStatus(state: StateStore, syncId: string): Promise<SyncStatus | undefined> {
  const plan = await state.get<PlanRow>(SYNCS_TABLE, "sync", safeKey(syncId));
  if (!plan) return undefined;
  const results: Record<string, number> = {};
  let batchesDone = 0;
  let finishedAt: Date | undefined;
  for await (const b of state.query<BatchRow>(SYNC_BATCHES_TABLE, { partitionKey: safeKey(syncId) })) {
    batchesDone++;
    for (const [k, v] of Object.entries(JSON.parse(b.entity.counts) as Record<string, number>)) results[k] = (results[k] ?? 0) + v;
    if (!finishedAt || b.entity.doneAt > finishedAt) finishedAt = b.entity.doneAt;
  }
  const p = plan.entity;
  const done = batchesDone >= p.batches;
  return {
    syncId,
    startedAt: p.startedAt,
    source: p.source,
    listings: p.listings,
    items: p.items,
    batches: p.batches,
    counts: JSON.parse(p.counts) as Record<string, number>,
    problems: JSON.parse(p.problems) as string[],
    status: done ? "done" : "running",
    batchesDone,
    results,
    ...(done ? { finishedAt: finishedAt ?? p.startedAt } : {}),
  };
}
