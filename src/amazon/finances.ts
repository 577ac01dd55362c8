/**
 * Refunds (and the other money events) from the Finances API, as one `Refund` model from either source:
 *
 * - **Finances 2024-06-19 `listTransactions`** — the recommended source: Amazon deprecated the v0
 *   listFinancialEvents / ByGroupId / ByOrderId operations and asks callers to move to listTransactions
 *   (changelog "Deprecation of Finances v0 operations"; the removal date is given as 28 Aug 2026 in one
 *   version of the notice and 27 Aug 2027 in another). It filters by ORDER_ID, carries the marketplace id and
 *   is paired with the TRANSACTION_UPDATE notification. A refund is recognised by `transactionType` "Refund"
 *   or a REFUND_ID related identifier (Amazon documents only "Shipment" as a type: see docs/spapi.md).
 * - **Finances v0 `listFinancialEventsByOrderId`** — `RefundEventList` per order (SKU, adjustment item id,
 *   charge and fee adjustments), kept because the settlement flow already reads v0 and for as long as Amazon
 *   serves it.
 *
 * Amounts arrive as JSON numbers in both versions; the client quotes them before parsing (client.ts), so they
 * stay decimal strings here. Sign: negative = money back to the buyer (refunded principal).
 */
import { z } from "zod";
import { dec, sum, toMoneyString } from "../platform/money";
import type { SpApiContext } from "./context";
import { isoDate } from "./context";
import * as S from "./schemas";

const decimalString = z.string().regex(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/, { error: "must be a decimal string" });
const Currency = z.looseObject({ currencyCode: z.string().optional(), currencyAmount: decimalString.optional() });

type BreakdownT = { breakdownType?: string; breakdownAmount?: z.infer<typeof Currency>; breakdowns?: BreakdownT[] };
const Breakdown: z.ZodType<BreakdownT> = z.lazy(() =>
  z.looseObject({ breakdownType: z.string().optional(), breakdownAmount: Currency.optional(), breakdowns: z.array(Breakdown).optional() }),
);

export const Transaction = z.looseObject({
  sellingPartnerMetadata: z.looseObject({ sellingPartnerId: z.string().optional(), marketplaceId: z.string().optional() }).optional(),
  relatedIdentifiers: z.array(z.looseObject({ relatedIdentifierName: z.string(), relatedIdentifierValue: z.string() })).optional(),
  transactionType: z.string().optional(),
  transactionId: z.string().optional(),
  transactionStatus: z.string().optional(),
  postedDate: z.string().optional(),
  totalAmount: Currency.optional(),
  marketplaceDetails: z.looseObject({ marketplaceId: z.string().optional(), marketplaceName: z.string().optional() }).optional(),
  items: z
    .array(
      z.looseObject({
        relatedIdentifiers: z
          .array(z.looseObject({ itemRelatedIdentifierName: z.string(), itemRelatedIdentifierValue: z.string() }))
          .optional(),
        totalAmount: Currency.optional(),
        breakdowns: z.array(Breakdown).optional(),
        contexts: z
          .array(
            z.looseObject({
              contextType: z.string(),
              sku: z.string().optional(),
              asin: z.string().optional(),
              quantityShipped: z.number().int().optional(),
              fulfillmentNetwork: z.string().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
  breakdowns: z.array(Breakdown).optional(),
});
export type Transaction = z.infer<typeof Transaction>;

const ListTransactionsResponse = z.looseObject({
  payload: z.looseObject({ nextToken: z.string().optional(), transactions: z.array(Transaction).optional() }).optional(),
});

export interface RefundItem {
  sku?: string;
  asin?: string;
  orderAdjustmentItemId?: string;
  quantity?: number;
  /** Sum of all the item's amounts: the effect on the seller's balance (decimal string). */
  amount: string;
  /** What went back to the buyer for this item: principal, tax, shipping (negative; decimal string). */
  refundedToBuyer: string;
  /**
   * Every amount: `charge` (principal, tax, shipping refunded), `fee` (commission returned, refund commission),
   * `tax-withheld` (marketplace facilitator tax Amazon gives back), `promotion`; `type` is Amazon's name
   * (2024-06-19: the breakdown path, e.g. "ProductCharges/Principal").
   */
  parts: { group: "charge" | "fee" | "tax-withheld" | "promotion" | "other"; type: string; amount: string }[];
}

export interface Refund {
  amazonOrderId: string;
  postedDate: string;
  marketplaceId?: string;
  marketplaceName?: string;
  /** v0: the adjustment has no id of its own (undefined); 2024-06-19: REFUND_ID or transactionId. */
  refundId?: string;
  currency: string;
  /** Sum of all items: the effect on the seller's balance (decimal string). */
  total: string;
  /** Sum of the items' refundedToBuyer (negative). */
  refundedToBuyer: string;
  items: RefundItem[];
  source: "finances-2024-06-19" | "finances-v0";
}

export interface TransactionsQuery {
  postedAfter?: Date | string;
  postedBefore?: Date | string;
  marketplaceId?: string;
  transactionStatus?: "DEFERRED" | "RELEASED" | "DEFERRED_RELEASED";
  /** Filters by ORDER_ID (then postedAfter is optional). */
  amazonOrderId?: string;
}

const money = (amounts: string[]) => toMoneyString(sum(amounts.map((a) => dec(a))));

type Part = RefundItem["parts"][number];

/** The group of a 2024-06-19 breakdown by its top-level type (names are not enumerated by Amazon: by pattern). */
function groupOf(topLevel: string): Part["group"] {
  if (/charge|principal|product/i.test(topLevel)) return "charge";
  if (/withheld/i.test(topLevel)) return "tax-withheld";
  if (/fee|commission/i.test(topLevel)) return "fee";
  if (/promo/i.test(topLevel)) return "promotion";
  return "other";
}

/** Leaves of a breakdown tree with their path as type (e.g. "ProductCharges/Principal"). */
function leaves(b: BreakdownT[] | undefined, prefix = "", top = ""): Part[] {
  return (b ?? []).flatMap((x) => {
    const type = prefix ? `${prefix}/${x.breakdownType ?? ""}` : (x.breakdownType ?? "");
    const group = top || (x.breakdownType ?? "");
    if (x.breakdowns?.length) return leaves(x.breakdowns, type, group);
    return x.breakdownAmount?.currencyAmount !== undefined
      ? [{ group: groupOf(group), type, amount: x.breakdownAmount.currencyAmount }]
      : [];
  });
}

const buyerPart = (parts: Part[]) => money(parts.filter((p) => p.group === "charge").map((p) => p.amount));

/** Refunds in v0 financial events (RefundEventList). */
export function refundsFromEvents(events: S.FinancialEvents): Refund[] {
  return (events.RefundEventList ?? []).map((e) => {
    let currency = "";
    const items: RefundItem[] = (e.ShipmentItemAdjustmentList ?? []).map((i) => {
      const raw = i as Record<string, any>;
      const parts: (Part & { cur?: string })[] = [
        ...(i.ItemChargeAdjustmentList ?? []).map((c) => ({
          group: "charge" as const,
          type: c.ChargeType ?? "",
          amount: c.ChargeAmount?.CurrencyAmount ?? "0",
          cur: c.ChargeAmount?.CurrencyCode,
        })),
        ...(i.ItemFeeAdjustmentList ?? []).map((f) => ({
          group: "fee" as const,
          type: f.FeeType ?? "",
          amount: f.FeeAmount?.CurrencyAmount ?? "0",
          cur: f.FeeAmount?.CurrencyCode,
        })),
        ...((raw.ItemTaxWithheldList ?? []) as any[]).flatMap((w) =>
          ((w?.TaxesWithheld ?? []) as any[]).map((t) => ({
            group: "tax-withheld" as const,
            type: String(t?.ChargeType ?? ""),
            amount: String(t?.ChargeAmount?.CurrencyAmount ?? "0"),
          })),
        ),
        ...((raw.PromotionAdjustmentList ?? []) as any[]).map((p) => ({
          group: "promotion" as const,
          type: String(p?.PromotionType ?? "Promotion"),
          amount: String(p?.PromotionAmount?.CurrencyAmount ?? "0"),
        })),
      ];
      currency ||= parts.find((p) => p.cur)?.cur ?? "";
      const clean: Part[] = parts.map(({ group, type, amount }) => ({ group, type, amount }));
      return {
        sku: i.SellerSKU,
        orderAdjustmentItemId: i.OrderAdjustmentItemId,
        quantity: i.QuantityShipped,
        amount: money(clean.map((p) => p.amount)),
        refundedToBuyer: buyerPart(clean),
        parts: clean,
      };
    });
    return {
      amazonOrderId: e.AmazonOrderId ?? "",
      postedDate: e.PostedDate ?? "",
      marketplaceName: e.MarketplaceName,
      currency,
      total: money(items.map((i) => i.amount)),
      refundedToBuyer: money(items.map((i) => i.refundedToBuyer)),
      items,
      source: "finances-v0" as const,
    };
  });
}

/** True when a 2024-06-19 transaction is a refund. */
export function isRefundTransaction(t: Transaction): boolean {
  return /refund/i.test(t.transactionType ?? "") || (t.relatedIdentifiers ?? []).some((r) => r.relatedIdentifierName === "REFUND_ID");
}

/** A 2024-06-19 refund transaction as a Refund (undefined for other types or without an order id). */
export function refundFromTransaction(t: Transaction): Refund | undefined {
  if (!isRefundTransaction(t)) return undefined;
  const id = (name: string) => t.relatedIdentifiers?.find((r) => r.relatedIdentifierName === name)?.relatedIdentifierValue;
  const orderId = id("ORDER_ID");
  if (!orderId) return undefined;
  const items: RefundItem[] = (t.items ?? []).map((i) => {
    const product = i.contexts?.find((c) => c.contextType === "ProductContext");
    const parts = leaves(i.breakdowns);
    return {
      sku: product?.sku,
      asin: product?.asin,
      quantity: product?.quantityShipped,
      orderAdjustmentItemId: i.relatedIdentifiers?.find((r) => r.itemRelatedIdentifierName === "ORDER_ADJUSTMENT_ITEM_ID")
        ?.itemRelatedIdentifierValue,
      amount:
        i.totalAmount?.currencyAmount !== undefined ? toMoneyString(dec(i.totalAmount.currencyAmount)) : money(parts.map((p) => p.amount)),
      refundedToBuyer: buyerPart(parts),
      parts,
    };
  });
  return {
    amazonOrderId: orderId,
    postedDate: t.postedDate ?? "",
    marketplaceId: t.marketplaceDetails?.marketplaceId ?? t.sellingPartnerMetadata?.marketplaceId,
    marketplaceName: t.marketplaceDetails?.marketplaceName,
    refundId: id("REFUND_ID") ?? t.transactionId,
    currency: t.totalAmount?.currencyCode ?? "",
    total:
      t.totalAmount?.currencyAmount !== undefined ? toMoneyString(dec(t.totalAmount.currencyAmount)) : money(items.map((i) => i.amount)),
    refundedToBuyer: money(items.map((i) => i.refundedToBuyer)),
    items,
    source: "finances-2024-06-19",
  };
}

export class FinancesApi {
  constructor(private readonly ctx: SpApiContext) {}

  /** Finances 2024-06-19 transactions, page after page (Amazon may send empty pages with a nextToken). */
  async *transactions(q: TransactionsQuery): AsyncIterable<Transaction> {
    let next: string | undefined;
    const base = {
      postedAfter: isoDate(q.postedAfter),
      postedBefore: isoDate(q.postedBefore),
      marketplaceId: q.marketplaceId,
      transactionStatus: q.transactionStatus,
      ...(q.amazonOrderId ? { relatedIdentifierName: "ORDER_ID", relatedIdentifierValue: q.amazonOrderId } : {}),
    };
    do {
      // Amazon: call again "with the same arguments" plus the token.
      const r = await this.ctx.call("listTransactions", ListTransactionsResponse, { query: { ...base, nextToken: next } });
      yield* r.payload?.transactions ?? [];
      next = r.payload?.nextToken;
    } while (next);
  }

  /** Refunds posted in a window (listTransactions). */
  async refunds(q: Omit<TransactionsQuery, "amazonOrderId"> & { postedAfter: Date | string }): Promise<Refund[]> {
    const out: Refund[] = [];
    for await (const t of this.transactions(q)) {
      const r = refundFromTransaction(t);
      if (r) out.push(r);
    }
    return out;
  }

  /** Refunds of one order: listTransactions by ORDER_ID (default) or Finances v0 listFinancialEventsByOrderId. */
  async refundsForOrder(amazonOrderId: string, source: "finances-2024-06-19" | "finances-v0" = "finances-2024-06-19"): Promise<Refund[]> {
    if (source === "finances-v0") return refundsFromEvents(await this.eventsByOrder(amazonOrderId));
    const out: Refund[] = [];
    for await (const t of this.transactions({ amazonOrderId })) {
      const r = refundFromTransaction(t);
      if (r) out.push(r);
    }
    return out;
  }

  /** Finances v0: every financial event of one order (all pages merged). */
  async eventsByOrder(amazonOrderId: string): Promise<S.FinancialEvents> {
    const merged: Record<string, unknown[]> = {};
    let next: string | undefined;
    do {
      const r = await this.ctx.call("listFinancialEventsByOrderId", S.payloadOf(S.ListFinancialEventsPayload), {
        path: { orderId: amazonOrderId },
        query: { NextToken: next },
      });
      for (const [k, v] of Object.entries(r.payload.FinancialEvents ?? {})) if (Array.isArray(v)) (merged[k] ??= []).push(...v);
      next = r.payload.NextToken;
    } while (next);
    return S.FinancialEvents.parse(merged);
  }
}
