/**
 * Finances in the simulator beyond listFinancialEvents: Finances v0 listFinancialEventsByOrderId and Finances
 * 2024-06-19 listTransactions, both from the same money events as the settlements (data.ts), so every source
 * agrees. Transactions: order events → transactionType "Shipment", refunds → "Refund" (with REFUND_ID = the
 * adjustment id; Amazon documents only "Shipment", see docs/spapi.md), storage fees → "ServiceFee"; amounts are
 * JSON numbers as Amazon sends them; status RELEASED; related identifiers ORDER_ID, SHIPMENT_ID / REFUND_ID and,
 * once settled, SETTLEMENT_ID.
 */
import { createHash } from "node:crypto";
import { dec } from "../../platform/money";
import { DEMO_MARKETPLACES, DEMO_PRODUCTS } from "../demo-catalog";
import { type Answer, bad, type SimContext } from "./context";
import type { MoneyEvent } from "./data";
import { SIM_SELLER_ID } from "./seed";
import { financialEventsJson } from "./wire";

const num = (s: string) => Number(s);
const sumOf = (evs: MoneyEvent[]) => evs.reduce((s, e) => s.plus(e.amount), dec("0")).toFixed(2);

export class FinancesSim {
  constructor(private readonly ctx: SimContext) {}

  byOrder(orderId: string, q: URLSearchParams): Answer {
    const size = Number(q.get("MaxResultsPerPage") ?? 100);
    if (!Number.isInteger(size) || size < 1 || size > 100) return bad("MaxResultsPerPage must be between 1 and 100.");
    if (q.get("NextToken")) return bad("Invalid NextToken.");
    const evs = this.ctx.data.events.filter((e) => e.orderId === orderId);
    return [200, { payload: { FinancialEvents: financialEventsJson(evs) } }];
  }

  private settlementOf(e: MoneyEvent): string | undefined {
    return this.ctx.data.settlements.find((s) => s.events.includes(e))?.settlementId;
  }

  private transactions(): Record<string, unknown>[] {
    const groups = new Map<string, MoneyEvent[]>();
    for (const e of this.ctx.data.events) {
      if (e.transactionType === "other-transaction" && e.amountDescription !== "Storage Fee") continue; // reserves are no transactions
      const key = `${e.transactionType}|${e.orderId ?? e.amountDescription}|${e.adjustmentId ?? e.shipmentId ?? ""}|${e.posted.getTime()}|${e.marketplaceId}`;
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    const out: Record<string, unknown>[] = [];
    for (const [key, evs] of groups) {
      const f = evs[0];
      const mp = DEMO_MARKETPLACES.find((m) => m.marketplaceId === f.marketplaceId);
      const cur = (amount: string) => ({ currencyCode: f.currency, currencyAmount: num(amount) });
      const type = f.transactionType === "Order" ? "Shipment" : f.transactionType === "Refund" ? "Refund" : "ServiceFee";
      const settlement = this.settlementOf(f);
      const related = [
        ...(f.orderId ? [{ relatedIdentifierName: "ORDER_ID", relatedIdentifierValue: f.orderId }] : []),
        ...(f.shipmentId ? [{ relatedIdentifierName: "SHIPMENT_ID", relatedIdentifierValue: f.shipmentId }] : []),
        ...(f.adjustmentId ? [{ relatedIdentifierName: "REFUND_ID", relatedIdentifierValue: f.adjustmentId }] : []),
        ...(settlement ? [{ relatedIdentifierName: "SETTLEMENT_ID", relatedIdentifierValue: settlement }] : []),
      ];
      const byItem = new Map<string, MoneyEvent[]>();
      for (const e of evs)
        byItem.set(e.orderItemCode ?? e.amountDescription, [...(byItem.get(e.orderItemCode ?? e.amountDescription) ?? []), e]);
      const breakdown = (list: MoneyEvent[]) => {
        const groupsOf = new Map<string, MoneyEvent[]>();
        for (const e of list) groupsOf.set(e.amountType, [...(groupsOf.get(e.amountType) ?? []), e]);
        return [...groupsOf.entries()].map(([t, g]) => ({
          breakdownType:
            t === "ItemPrice" ? "ProductCharges" : t === "ItemFees" ? "AmazonFees" : t === "ItemWithheldTax" ? "TaxWithheld" : t,
          breakdownAmount: cur(sumOf(g)),
          breakdowns: g.map((e) => ({ breakdownType: e.amountDescription, breakdownAmount: cur(e.amount) })),
        }));
      };
      out.push({
        sellingPartnerMetadata: { sellingPartnerId: SIM_SELLER_ID, accountType: "PAYABLE", marketplaceId: f.marketplaceId },
        relatedIdentifiers: related,
        transactionType: type,
        transactionId: createHash("sha256").update(key).digest("hex").slice(0, 32),
        transactionStatus: "RELEASED",
        postedDate: f.posted.toISOString(),
        totalAmount: cur(sumOf(evs)),
        marketplaceDetails: { marketplaceId: f.marketplaceId, marketplaceName: mp?.name ?? "Amazon.com" },
        items: f.orderId
          ? [...byItem.values()].map((ie) => ({
              ...(ie[0].merchantAdjustmentItemId
                ? {
                    relatedIdentifiers: [
                      { itemRelatedIdentifierName: "ORDER_ADJUSTMENT_ITEM_ID", itemRelatedIdentifierValue: ie[0].merchantAdjustmentItemId },
                    ],
                  }
                : {}),
              totalAmount: cur(sumOf(ie)),
              breakdowns: breakdown(ie),
              contexts: [
                {
                  contextType: "ProductContext",
                  asin: DEMO_PRODUCTS.find((p) => p.sku === ie[0].sku)?.asin ?? "B0UNKNOWN1",
                  sku: ie[0].sku ?? "",
                  quantityShipped: ie[0].quantity ?? 1,
                  fulfillmentNetwork: ie[0].fulfillmentId ?? "MFN",
                },
              ],
            }))
          : [],
        breakdowns: breakdown(evs),
      });
    }
    return out.sort((a, b) => String(a.postedDate).localeCompare(String(b.postedDate)));
  }

  listTransactions(q: URLSearchParams): Answer {
    const token = q.get("nextToken");
    let state: { ids: number[]; offset: number };
    const all = this.transactions();
    if (token) {
      const t = this.ctx.readPageToken(token, "transactions");
      if (!t) return bad("Invalid nextToken.");
      state = t.state;
    } else {
      const name = q.get("relatedIdentifierName");
      const value = q.get("relatedIdentifierValue");
      if (name && !["ORDER_ID", "FINANCIAL_EVENT_GROUP_ID"].includes(name))
        return bad("relatedIdentifierName must be ORDER_ID or FINANCIAL_EVENT_GROUP_ID.");
      if (!!name !== !!value) return bad("relatedIdentifierName and relatedIdentifierValue go together.");
      const after = q.get("postedAfter") ? new Date(q.get("postedAfter")!) : undefined;
      const before = q.get("postedBefore") ? new Date(q.get("postedBefore")!) : undefined;
      if ((after && Number.isNaN(after.getTime())) || (before && Number.isNaN(before.getTime()))) return bad("Invalid date.");
      if (!after && !name) return bad("postedAfter is required when no related identifier is given.");
      const limit = this.ctx.now().getTime() - 120_000;
      if (after && after.getTime() > limit) return bad("postedAfter must be more than two minutes before the request.");
      const mp = q.get("marketplaceId");
      const status = q.get("transactionStatus");
      const ids: number[] = [];
      all.forEach((t, i) => {
        const posted = new Date(String(t.postedDate));
        const rel = t.relatedIdentifiers as { relatedIdentifierName: string; relatedIdentifierValue: string }[];
        if (after && posted < after) return;
        if (before && posted >= before) return;
        if (mp && (t.marketplaceDetails as { marketplaceId: string }).marketplaceId !== mp) return;
        if (status && t.transactionStatus !== status) return;
        if (name === "ORDER_ID" && !rel.some((r) => r.relatedIdentifierName === "ORDER_ID" && r.relatedIdentifierValue === value)) return;
        if (
          name === "FINANCIAL_EVENT_GROUP_ID" &&
          !rel.some((r) => r.relatedIdentifierName === "SETTLEMENT_ID" && r.relatedIdentifierValue === value)
        )
          return;
        ids.push(i);
      });
      state = { ids, offset: 0 };
    }
    const size = 50;
    const page = state.ids.slice(state.offset, state.offset + size).map((i) => all[i]);
    const payload: Record<string, unknown> = { transactions: page };
    if (state.offset + size < state.ids.length)
      payload.nextToken = this.ctx.pageToken("transactions", { ...state, offset: state.offset + size });
    return [200, { payload }];
  }
}
