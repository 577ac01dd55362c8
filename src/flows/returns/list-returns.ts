/**
 * GET /api/returns?status=...: the returns with their D365 return order, reason, disposition and refund, and
 * the refunds without a return, as people look at them. `status` filters by where a return stands with D365
 * (pending, waiting-for-order, needs-order, needs-mapping, header-created, imported, failed), by its refund
 * (refunded, partly-refunded, awaiting-refund, no-refund), `refund-without-return` (refunds no return
 * accounts for, after the review period; `awaiting-return` before it), or `review` (everything a person
 * should look at: needs-order, needs-mapping, failed, no-refund and refunds without a return).
 */
import { z } from "zod";
import { dec, sum, toMoneyString } from "../../platform/money";
import type { StateStore } from "../../platform/ports";
import { IMPORT_STATUSES, ReturnStore, type RefundRecord, type ReturnRecord } from "./records";

export const RETURN_LIST_FILTERS = [
  ...IMPORT_STATUSES,
  "refunded",
  "partly-refunded",
  "awaiting-refund",
  "no-refund",
  "not-expected",
  "refund-without-return",
  "awaiting-return",
  "review",
] as const;
export type ReturnListFilter = (typeof RETURN_LIST_FILTERS)[number];

export const ReturnListQuery = z
  .object({
    status: z.enum(RETURN_LIST_FILTERS).optional(),
    amazonOrderId: z.string().min(1).max(64).optional(),
    top: z.coerce.number().int().min(1).max(5000).default(500),
  })
  .strict();
export type ReturnListQuery = z.infer<typeof ReturnListQuery>;

export interface ReturnListItem {
  kind: "return";
  key: string;
  channel: ReturnRecord["channel"];
  amazonOrderId: string;
  returnId: string;
  marketplaceId?: string;
  returnDate: string;
  status: ReturnRecord["status"];
  dataAreaId?: string;
  salesOrderNumber?: string;
  returnOrderNumber?: string;
  rmaNumber?: string;
  reason: string;
  reasonCode?: string;
  warehouseId?: string;
  lines: {
    sku: string;
    quantity: number;
    reason: string;
    disposition?: string;
    amazonStatus?: string;
    itemNumber?: string;
    dispositionCode?: string;
  }[];
  refund: { state: ReturnRecord["refundState"]; quantity: number; amount?: string; currency?: string; postedDates: string[] };
  review?: ReturnRecord["review"];
  lastError?: string;
}

export interface RefundListItem {
  kind: "refund";
  key: string;
  amazonOrderId: string;
  marketplaceId?: string;
  postedDate: string;
  currency: string;
  refundedToBuyer: string;
  state: RefundRecord["state"];
  unmatchedQuantity: number;
  matchedReturns: string[];
  items: RefundRecord["items"];
}

const REVIEW_STATUSES = new Set<string>(["needs-order", "needs-mapping", "failed"]);

export function toListItem(r: ReturnRecord): ReturnListItem {
  return {
    kind: "return",
    key: r.key,
    channel: r.channel,
    amazonOrderId: r.amazonOrderId,
    returnId: r.returnId,
    ...(r.marketplaceId ? { marketplaceId: r.marketplaceId } : {}),
    returnDate: r.returnDate,
    status: r.status,
    ...(r.dataAreaId ? { dataAreaId: r.dataAreaId } : {}),
    ...(r.salesOrderNumber ? { salesOrderNumber: r.salesOrderNumber } : {}),
    ...(r.returnOrderNumber ? { returnOrderNumber: r.returnOrderNumber } : {}),
    ...(r.rmaNumber ? { rmaNumber: r.rmaNumber } : {}),
    reason: r.items[0]?.reason ?? "",
    ...(r.reasonCode ? { reasonCode: r.reasonCode } : {}),
    ...(r.warehouseId ? { warehouseId: r.warehouseId } : {}),
    lines: r.items.map((i) => {
      const line = r.lines?.find((l) => l.sku === i.sku);
      return {
        sku: i.sku,
        quantity: i.quantity,
        reason: i.reason,
        ...(i.disposition ? { disposition: i.disposition } : {}),
        ...(i.amazonStatus ? { amazonStatus: i.amazonStatus } : {}),
        ...(line ? { itemNumber: line.itemNumber } : {}),
        ...(line?.dispositionCode ? { dispositionCode: line.dispositionCode } : {}),
      };
    }),
    refund: {
      state: r.refundState,
      quantity: r.refundedQuantity,
      ...(r.refunds.length ? { amount: sumMoney(r.refunds.map((x) => x.amount)), currency: r.refunds[0]!.currency } : {}),
      postedDates: [...new Set(r.refunds.map((x) => x.postedDate))],
    },
    ...(r.review ? { review: r.review } : {}),
    ...(r.lastError && r.status !== "imported" ? { lastError: r.lastError } : {}),
  };
}

function sumMoney(amounts: string[]): string {
  return toMoneyString(sum(amounts.map((a) => dec(a))));
}

function matchesReturn(r: ReturnRecord, status: ReturnListFilter | undefined): boolean {
  if (!status) return true;
  if (status === "review") return REVIEW_STATUSES.has(r.status) || r.refundState === "no-refund";
  return r.status === status || r.refundState === status;
}

function matchesRefund(f: RefundRecord, status: ReturnListFilter | undefined): boolean {
  if (status === "refund-without-return") return f.state === "without-return" || f.state === "partly-matched";
  if (status === "awaiting-return") return f.state === "awaiting-return";
  if (status === "review") return f.state === "without-return" || f.state === "partly-matched";
  return false;
}

export async function listReturns(
  state: StateStore,
  query: ReturnListQuery,
): Promise<{ returns: ReturnListItem[]; refunds: RefundListItem[]; truncated: boolean }> {
  const store = new ReturnStore(state);
  const returns: ReturnListItem[] = [];
  const refunds: RefundListItem[] = [];
  let truncated = false;
  const records: { returns: ReturnRecord[]; refunds: RefundRecord[] } = query.amazonOrderId
    ? await store.order(query.amazonOrderId)
    : { returns: [], refunds: [] };
  const allReturns: AsyncIterable<ReturnRecord> | ReturnRecord[] = query.amazonOrderId ? records.returns : store.returns();
  for await (const r of allReturns) {
    if (!matchesReturn(r, query.status)) continue;
    if (returns.length >= query.top) {
      truncated = true;
      break;
    }
    returns.push(toListItem(r));
  }
  const allRefunds: AsyncIterable<RefundRecord> | RefundRecord[] = query.amazonOrderId ? records.refunds : store.refunds();
  for await (const f of allRefunds) {
    if (!matchesRefund(f, query.status) && !(query.amazonOrderId && !query.status)) continue;
    if (refunds.length >= query.top) {
      truncated = true;
      break;
    }
    refunds.push({
      kind: "refund",
      key: f.key,
      amazonOrderId: f.amazonOrderId,
      ...(f.marketplaceId ? { marketplaceId: f.marketplaceId } : {}),
      postedDate: f.postedDate,
      currency: f.currency,
      refundedToBuyer: f.refundedToBuyer,
      state: f.state,
      unmatchedQuantity: f.unmatchedQuantity,
      matchedReturns: f.matchedReturns,
      items: f.items,
    });
  }
  returns.sort((a, b) => a.returnDate.localeCompare(b.returnDate) || a.key.localeCompare(b.key));
  refunds.sort((a, b) => a.postedDate.localeCompare(b.postedDate) || a.key.localeCompare(b.key));
  return { returns, refunds, truncated };
}
