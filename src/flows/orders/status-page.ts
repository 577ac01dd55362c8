/**
 * The orders section of `GET /api/status`: how many Amazon orders the ledger holds in each state (complete,
 * waiting for Amazon, needing a mapping, ...), so an admin sees at a glance what waits and what needs a person.
 */
import type { StateStore } from "../../platform/ports";
import { StateOrderLedger, type LedgerStatus } from "./ledger";

/** The status page reads at most this many ledger rows; beyond it the counts say they are partial. */
export const LEDGER_STATUS_SCAN_LIMIT = 20_000;

export interface OrdersStatus {
  total: number;
  byStatus: Partial<Record<LedgerStatus, number>>;
  /** True when the ledger has more rows than the status page reads. */
  partial: boolean;
}

export async function summarizeOrderLedger(state: StateStore, limit = LEDGER_STATUS_SCAN_LIMIT): Promise<OrdersStatus> {
  const byStatus: Partial<Record<LedgerStatus, number>> = {};
  let total = 0;
  for await (const entry of new StateOrderLedger(state).list()) {
    if (total >= limit) return { total, byStatus, partial: true };
    total++;
    byStatus[entry.status] = (byStatus[entry.status] ?? 0) + 1;
  }
  return { total, byStatus, partial: false };
}
