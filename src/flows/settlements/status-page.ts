/**
 * The settlements section of `GET /api/status`: how many settlements are in each state, so finance and the
 * admin see at a glance what is posted, what waits for an approval and what needs a mapping.
 */
import type { StateStore } from "../../platform/ports";
import { listSettlementRecords, type SettlementStatus } from "./settlement-records";

export interface SettlementsStatus {
  total: number;
  byStatus: Partial<Record<SettlementStatus, number>>;
}

export async function summarizeSettlements(state: StateStore): Promise<SettlementsStatus> {
  const byStatus: Partial<Record<SettlementStatus, number>> = {};
  const records = await listSettlementRecords(state);
  for (const r of records) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  return { total: records.length, byStatus };
}
