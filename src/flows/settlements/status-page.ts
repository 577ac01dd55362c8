/**
 * The settlements section of `GET /api/status`: how many settlements are in each state, which ones need a person
 * (with the reason and what to do), and the reports that could not be downloaded or started (with the reason;
 * the next poll tries them again), so finance and the admin see at a glance what is created, what waits and what
 * is stuck.
 */
import type { StateStore } from "../../platform/ports";
import { listSettlementRecords, pendingReports, type SettlementStatus } from "./settlement-records";

const NEEDS_A_PERSON: ReadonlySet<SettlementStatus> = new Set(["needs-mapping", "needs-attention", "conflict", "failed"]);

export interface SettlementsStatus {
  total: number;
  byStatus: Partial<Record<SettlementStatus, number>>;
  /** Settlements a person must look at: at most 20, newest first. */
  needsAttention: { settlementId: string; status: SettlementStatus; reason: string; suggestion?: string }[];
  /** Reports seen but not started: being fetched, or failed with the reason (retried by the next poll). */
  reports: { reportId: string; status: "fetching" | "failed"; error?: string; attempts: number }[];
}

export async function summarizeSettlements(state: StateStore): Promise<SettlementsStatus> {
  const byStatus: Partial<Record<SettlementStatus, number>> = {};
  const [records, reports] = await Promise.all([listSettlementRecords(state), pendingReports(state)]);
  for (const r of records) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  return {
    total: records.length,
    byStatus,
    needsAttention: records
      .filter((r) => NEEDS_A_PERSON.has(r.status))
      .slice(0, 20)
      .map((r) => ({
        settlementId: r.settlementId,
        status: r.status,
        reason: r.conflict?.detail ?? r.reasons[r.reasons.length - 1] ?? r.status,
        ...(r.conflict ? { suggestion: r.conflict.suggestion } : {}),
      })),
    reports: reports.map((r) => ({
      reportId: r.reportId,
      status: r.lastError && !r.claim ? "failed" : "fetching",
      ...(r.lastError ? { error: r.lastError } : {}),
      attempts: r.attempts,
    })),
  };
}
