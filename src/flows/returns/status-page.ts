/**
 * The returns section of `GET /api/status`: returns by where they stand with D365 and by refund, the refunds
 * without a return, how many need a person, and the last sync (when, what it read, rows it could not read).
 */
import type { StateStore } from "../../platform/ports";
import { type ImportStatus, ReturnStore, type RefundMatchState, type RefundState } from "./records";
import { lastSync } from "./sync";

/** The status page reads at most this many return records; beyond it the counts say they are partial. */
export const RETURNS_STATUS_SCAN_LIMIT = 20_000;

export interface ReturnsStatus {
  total: number;
  byStatus: Partial<Record<ImportStatus, number>>;
  byRefund: Partial<Record<RefundState, number>>;
  refunds: Partial<Record<RefundMatchState, number>>;
  /** Returns and refunds a person should look at (GET /api/returns?status=review). */
  needsReview: number;
  partial: boolean;
  lastSync?: {
    finishedAt?: string;
    trigger?: string;
    status: string;
    from: string;
    to: string;
    reports: {
      kind: string;
      marketplaceId: string;
      status: string;
      rows?: number;
      badRows?: number;
      firstBadRows?: { line: number; message: string }[];
    }[];
    enqueued: number;
  };
}

export async function summarizeReturns(state: StateStore, limit = RETURNS_STATUS_SCAN_LIMIT): Promise<ReturnsStatus> {
  const store = new ReturnStore(state);
  const out: ReturnsStatus = { total: 0, byStatus: {}, byRefund: {}, refunds: {}, needsReview: 0, partial: false };
  for await (const r of store.returns()) {
    if (out.total >= limit) {
      out.partial = true;
      break;
    }
    out.total++;
    out.byStatus[r.status] = (out.byStatus[r.status] ?? 0) + 1;
    out.byRefund[r.refundState] = (out.byRefund[r.refundState] ?? 0) + 1;
    if (r.status === "needs-order" || r.status === "needs-mapping" || r.status === "failed" || r.refundState === "no-refund")
      out.needsReview++;
  }
  for await (const f of store.refunds()) {
    out.refunds[f.state] = (out.refunds[f.state] ?? 0) + 1;
    if (f.state === "without-return" || f.state === "partly-matched") out.needsReview++;
  }
  const last = await lastSync(state);
  if (last) {
    out.lastSync = {
      ...(last.finishedAt ? { finishedAt: last.finishedAt } : {}),
      ...(last.trigger ? { trigger: last.trigger } : {}),
      status: last.status,
      from: last.from,
      to: last.to,
      reports: last.reports.map((r) => ({
        kind: r.kind,
        marketplaceId: r.marketplaceId,
        status: r.status,
        ...(r.rows !== undefined ? { rows: r.rows } : {}),
        ...(r.problemCount ? { badRows: r.problemCount, firstBadRows: (r.problems ?? []).slice(0, 5) } : {}),
      })),
      enqueued: last.enqueued,
    };
  }
  return out;
}
