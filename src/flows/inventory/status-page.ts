/**
 * The inventory section of `GET /api/status`: the last FBM push (per marketplace: SKUs, changes, the path taken,
 * refusals, a feed still being processed), and the last FBA reconciliation per marketplace (discrepancies, the
 * journal waiting for review). It reads a handful of rows the runs write, never the per-SKU tables.
 */
import type { StateEntity, StateStore } from "../../platform/ports";
import { listReconciliations, readDiscrepancies } from "./fba-records";
import type { PushResult } from "./push";
import { listPendingFeeds } from "./push-records";

export const STATUS_TABLE = "inventoryStatus";
const PARTITION = "summary";

interface SummaryRow extends StateEntity {
  json: string;
}

/** Keeps the last full push's counts for the status page (refused SKUs: the first 20). */
export async function writePushSummary(state: StateStore, result: PushResult): Promise<void> {
  const summary = {
    outcome: result.outcome,
    trigger: result.trigger,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    ...(result.error ? { error: result.error } : {}),
    unmappedItems: result.unmappedItems.count,
    excluded: result.excluded.count,
    marketplaces: result.marketplaces.map((m) => ({
      marketplaceId: m.marketplaceId,
      ok: m.ok,
      skus: m.skus,
      changed: m.changed,
      path: m.path,
      accepted: m.accepted,
      refused: m.refused.length,
      heldBack: m.heldBack,
      ...(m.feed ? { feed: m.feed } : {}),
      ...(m.waitingForFeed ? { waitingForFeed: m.waitingForFeed } : {}),
      ...(m.error ? { error: m.error } : {}),
    })),
  };
  await state.upsert(STATUS_TABLE, { partitionKey: PARTITION, rowKey: "push", json: JSON.stringify(summary).slice(0, 30_000) });
}

export interface InventoryStatus {
  push?: unknown;
  pendingFeeds: { marketplaceId: string; feedId: string; submittedAt: Date; messages: number }[];
  fba: {
    marketplaceId: string;
    reconciledAt: Date;
    skus: number;
    discrepancies: number;
    unmappedSkus: number;
    unmappedItems: number;
    openJournal?: { kind: string; journalNumber: string; lines: number };
    error?: string;
  }[];
  /** Items that differ between Amazon FBA and D365 over all marketplaces (GET /api/inventory/fba/discrepancies). */
  discrepancies: number;
}

export async function summarizeInventory(state: StateStore): Promise<InventoryStatus> {
  const push = await state.get<SummaryRow>(STATUS_TABLE, PARTITION, "push");
  const pendingFeeds = (await listPendingFeeds(state)).map(({ marketplaceId, feedId, submittedAt, messages }) => ({
    marketplaceId,
    feedId,
    submittedAt,
    messages,
  }));
  // Counted from the rows (notifications change them between reconciliations); only differing items have one.
  const differing = new Map<string, number>();
  for (const d of await readDiscrepancies(state)) differing.set(d.marketplaceId, (differing.get(d.marketplaceId) ?? 0) + 1);
  const fba = (await listReconciliations(state)).map((r) => ({
    marketplaceId: r.marketplaceId,
    reconciledAt: r.reconciledAt,
    skus: r.skus,
    discrepancies: differing.get(r.marketplaceId) ?? 0,
    unmappedSkus: r.unmappedSkus.length,
    unmappedItems: r.unmappedItems.length,
    ...(r.openJournal
      ? { openJournal: { kind: r.openJournal.kind, journalNumber: r.openJournal.journalNumber, lines: r.openJournal.lines } }
      : {}),
    ...(r.error ? { error: r.error } : {}),
  }));
  return {
    ...(push ? { push: JSON.parse(push.entity.json) } : {}),
    pendingFeeds,
    fba,
    discrepancies: fba.reduce((n, r) => n + r.discrepancies, 0),
  };
}
