/**
 * The orders section of `GET /api/status`: how many Amazon orders the ledger holds in each state (complete,
 * waiting for Amazon, needing a mapping, ...), so an admin sees at a glance what waits and what needs a person,
 * and how many orders were handed over for import and are not applied yet (in the queue, being imported, or
 * waiting for the sweeper to send them again).
 */
import type { StateStore } from "../../platform/ports";
import { ORDER_HANDOVER_TABLE, StateOrderLedger, type LedgerStatus } from "./ledger";

/** The status page reads at most this many ledger rows; beyond it the counts say they are partial. */
export const LEDGER_STATUS_SCAN_LIMIT = 20_000;

export interface OrdersStatus {
  total: number;
  byStatus: Partial<Record<LedgerStatus, number>>;
  /** True when the ledger has more rows than the status page reads. */
  partial: boolean;
  /** Orders handed over for import and not applied yet (the ledger's open hand-overs; at most the scan limit). */
  handedOverOpen: number;
}

export async function summarizeOrderLedger(state: StateStore, limit = LEDGER_STATUS_SCAN_LIMIT): Promise<OrdersStatus> {
  const byStatus: Partial<Record<LedgerStatus, number>> = {};
  const ledger = new StateOrderLedger(state);
  let handedOverOpen = 0;
  for await (const _ of state.query(ORDER_HANDOVER_TABLE, { top: limit })) handedOverOpen++;
  let total = 0;
  for await (const entry of ledger.list()) {
    if (total >= limit) return { total, byStatus, partial: true, handedOverOpen };
    total++;
    byStatus[entry.status] = (byStatus[entry.status] ?? 0) + 1;
  }
  return { total, byStatus, partial: false, handedOverOpen };
}
