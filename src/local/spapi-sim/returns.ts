/**
 * Returns in the simulator: seeded returns of seeded orders (FBA and FBM), their refunds in the money events
 * (so Finances v0, Finances 2024-06-19 and later settlements agree), and the two returns reports:
 * GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA and GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE (tab separated,
 * windows-1252 like Amazon's other flat files, gzip).
 *
 * The scenarios (default seed; docs/spapi.md has the table): a full FBA return whose refund is already settled,
 * two partial returns of one FBA line on different days (one order, two license plates), an FBA return with a
 * reason code meant to be missing from the mapping (FOUND_BETTER_PRICE), a return without refund, a malformed
 * row, two FBM returns on one order (one partial), refunds without a return. New refunds are posted after the
 * last settlement period, so the seeded settlements stay exactly as they were.
 */
import { createHash } from "node:crypto";
import iconv from "iconv-lite";
import { FBA_RETURNS_COLUMNS, FBM_RETURNS_COLUMNS } from "../../amazon/reports";
import { dec, toMoneyString } from "../../platform/money";
import { DEMO_PRODUCTS } from "../demo-catalog";
import type { SimContext } from "./context";
import { orderTotal, partialRefundEvents, type SimItem, type SimOrder } from "./data";
import { MCF_NETWORK } from "./seed";

export interface SimReturn {
  id: string;
  channel: "FBA" | "FBM";
  scenario: string;
  marketplaceId: string;
  amazonOrderId: string;
  orderItemId: string;
  sku: string;
  asin: string;
  fnsku: string;
  title: string;
  quantity: number;
  /** FBA: processed at the fulfillment center; FBM: return requested. */
  returnDate: Date;
  reason: string;
  /** FBA detailed-disposition. */
  disposition?: string;
  status: string;
  licensePlateNumber?: string;
  fulfillmentCenterId?: string;
  customerComments?: string;
  /** FBM Amazon RMA ID. */
  rma?: string;
  /** The refund that goes with it, if Amazon refunded. */
  refund?: { adjustmentId: string; posted: string; amount: string; alreadySettled: boolean };
  /** A row Amazon wrote badly (bad date, quantity not a number): parsers must report it with its line number. */
  malformed?: boolean;
}

export interface SimRefundWithoutReturn {
  marketplaceId: string;
  amazonOrderId: string;
  sku: string;
  quantity: number;
  adjustmentId: string;
  posted: string;
  amount: string;
  alreadySettled: boolean;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const US = "ATVPDKIKX0DER";
const UK = "A1F83G8C2ARO7P";
const DE = "A1PA6795UKMFR9";

const code = (seed: string, n: number) =>
  createHash("sha256")
    .update(seed)
    .digest("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .slice(0, n)
    .toUpperCase();

/** The reason code the returns mapping is meant not to know (Amazon's reason list is open-ended). */
export const UNMAPPED_RETURN_REASON = "FOUND_BETTER_PRICE";

/** Sum refunded to the buyer for these events (principal and tax, positive). */
function refundedAmount(events: { amountType: string; amountDescription: string; amount: string }[]): string {
  const paid = events.filter((e) => e.amountType === "ItemPrice").reduce((s, e) => s.plus(e.amount), dec("0"));
  return toMoneyString(paid.negated());
}

export class ReturnsSim {
  private returns: SimReturn[] = [];
  private noReturn: SimRefundWithoutReturn[] = [];

  constructor(private readonly ctx: SimContext) {}

  all(): SimReturn[] {
    return [...this.returns];
  }

  refundsWithoutReturn(): SimRefundWithoutReturn[] {
    return [...this.noReturn];
  }

  /** Seeds the scenarios on the generated data (after generateData; appends refund events). */
  seed(): void {
    this.returns = [];
    this.noReturn = [];
    const d = this.ctx.data;
    const settledUntil = Math.max(...d.settlements.map((s) => s.end.getTime()));
    const base = d.base.getTime();
    let refundSlot = 0;
    const newRefundAt = () => new Date(Math.max(settledUntil + HOUR, base - 14 * HOUR) + refundSlot++ * HOUR);
    const orderAt = (mp: string, k: number) => d.orders.filter((o) => o.marketplaceId === mp)[k];
    const existingRefund = (o: SimOrder, item: SimItem) =>
      d.events.filter((e) => e.transactionType === "Refund" && e.orderId === o.amazonOrderId && e.orderItemCode === item.orderItemId);
    const when = (o: SimOrder, days: number) => new Date(Math.min(o.lastUpdateDate.getTime() + days * DAY + 3 * HOUR, base - 3 * HOUR));

    const add = (
      scenario: string,
      channel: "FBA" | "FBM",
      mp: string,
      k: number,
      pick: (o: SimOrder) => SimItem | undefined,
      opts: {
        quantity?: number;
        days: number;
        reason: string;
        disposition?: string;
        status?: string;
        comments?: string;
        refund: "existing" | "new" | "none";
        malformed?: boolean;
      },
    ) => {
      const o = orderAt(mp, k);
      if (!o || o.status !== "Shipped" || o.fulfillmentChannel !== (channel === "FBA" ? "AFN" : "MFN")) return;
      const item = pick(o);
      if (!item) return;
      const quantity = opts.quantity ?? item.quantity;
      const id = `${channel}-${o.amazonOrderId}-${item.orderItemId}-${this.returns.filter((r) => r.orderItemId === item.orderItemId).length + 1}`;
      const product = DEMO_PRODUCTS.find((p) => p.sku === item.sku);
      let refund: SimReturn["refund"];
      if (opts.refund === "existing") {
        const evs = existingRefund(o, item);
        if (evs.length)
          refund = {
            adjustmentId: evs[0].adjustmentId!,
            posted: evs[0].posted.toISOString(),
            amount: refundedAmount(evs),
            alreadySettled: true,
          };
      } else if (opts.refund === "new") {
        const adj = `amzn1:crow:${code(`refund:${id}`, 12).toLowerCase()}`;
        const evs = partialRefundEvents(o, item, quantity, newRefundAt(), adj);
        d.events.push(...evs);
        refund = { adjustmentId: adj, posted: evs[0].posted.toISOString(), amount: refundedAmount(evs), alreadySettled: false };
      }
      const net = MCF_NETWORK[mp] ?? MCF_NETWORK[US];
      this.returns.push({
        id,
        channel,
        scenario,
        marketplaceId: mp,
        amazonOrderId: o.amazonOrderId,
        orderItemId: item.orderItemId,
        sku: item.sku,
        asin: item.asin,
        fnsku: product?.fnsku ?? "",
        title: item.title,
        quantity,
        returnDate: when(o, opts.days),
        reason: opts.reason,
        ...(channel === "FBA"
          ? {
              disposition: opts.disposition ?? "SELLABLE",
              licensePlateNumber: `LPN${code(`lpn:${id}`, 9)}`,
              fulfillmentCenterId: net.centers[this.returns.length % 2],
              status: opts.status ?? "Unit returned to inventory",
            }
          : { rma: `D${code(`rma:${id}`, 8)}RMA`, status: opts.status ?? "Approved" }),
        ...(opts.comments ? { customerComments: opts.comments } : {}),
        ...(refund ? { refund } : {}),
        ...(opts.malformed ? { malformed: true } : {}),
      });
    };
    const first = (o: SimOrder) => o.items[0];
    const multi = (o: SimOrder) => o.items.find((i) => i.quantity >= 2);
    const secondLine = (o: SimOrder) => o.items.slice(1).find((i) => i.quantity >= 2) ?? o.items[1];

    // FBA customer returns
    add("fba-full-return-refund-settled", "FBA", US, 6, first, {
      days: 6,
      reason: "DEFECTIVE",
      disposition: "DEFECTIVE",
      refund: "existing",
    });
    add("fba-partial-return", "FBA", US, 18, multi, {
      quantity: 1,
      days: 4,
      reason: "UNWANTED_ITEM",
      disposition: "SELLABLE",
      refund: "new",
    });
    add("fba-second-return-same-order", "FBA", US, 18, multi, {
      quantity: 1,
      days: 7,
      reason: "NOT_AS_DESCRIBED",
      disposition: "CUSTOMER_DAMAGED",
      refund: "new",
      comments: "Colour is different from the photo",
    });
    add("fba-unmapped-reason", "FBA", UK, 6, first, {
      days: 5,
      reason: UNMAPPED_RETURN_REASON,
      disposition: "SELLABLE",
      refund: "existing",
    });
    add("fba-carrier-damaged-reimbursed", "FBA", DE, 6, first, {
      days: 6,
      reason: "DEFECTIVE",
      disposition: "CARRIER_DAMAGED",
      status: "Reimbursed",
      refund: "existing",
      comments: "Gerät lässt sich nicht einschalten – Verpackung beschädigt",
    });
    add("fba-return-without-refund", "FBA", UK, 18, multi, {
      quantity: 1,
      days: 5,
      reason: "UNWANTED_ITEM",
      disposition: "SELLABLE",
      refund: "none",
    });
    add("fba-malformed-row", "FBA", US, 2, first, {
      days: 8,
      reason: "UNWANTED_ITEM",
      disposition: "SELLABLE",
      refund: "none",
      malformed: true,
    });
    // Seller-fulfilled returns
    add("fbm-full-return-refund-settled", "FBM", US, 17, first, { days: 2, reason: "DEFECTIVE", refund: "existing" });
    add("fbm-second-return-same-order-partial", "FBM", US, 17, secondLine, {
      quantity: 1,
      days: 5,
      reason: "UNWANTED_ITEM",
      refund: "new",
    });
    add("fbm-full-return-refund-settled", "FBM", DE, 17, first, { days: 3, reason: "NOT_AS_DESCRIBED", refund: "existing" });
    add("fbm-return-without-refund", "FBM", UK, 7, first, { days: 4, reason: "ORDERED_WRONG_ITEM", status: "Authorized", refund: "none" });

    // Refunds without any return: one already settled (UK, generated with the orders) and one new (DE).
    for (const e of d.events.filter((x) => x.transactionType === "Refund" && x.amountDescription === "Principal")) {
      if (this.returns.some((r) => r.amazonOrderId === e.orderId && r.orderItemId === e.orderItemCode)) continue;
      const evs = d.events.filter((x) => x.transactionType === "Refund" && x.adjustmentId === e.adjustmentId);
      this.noReturn.push({
        marketplaceId: e.marketplaceId,
        amazonOrderId: e.orderId!,
        sku: e.sku!,
        quantity:
          e.quantity ??
          d.orders.find((o) => o.amazonOrderId === e.orderId)?.items.find((i) => i.orderItemId === e.orderItemCode)?.quantity ??
          1,
        adjustmentId: e.adjustmentId!,
        posted: e.posted.toISOString(),
        amount: refundedAmount(evs),
        alreadySettled: e.posted.getTime() < settledUntil,
      });
    }
    const o = orderAt(DE, 2);
    if (o?.status === "Shipped") {
      const item = o.items[0];
      const adj = `amzn1:crow:${code(`refund-only:${o.amazonOrderId}`, 12).toLowerCase()}`;
      const evs = partialRefundEvents(o, item, item.quantity, newRefundAt(), adj);
      d.events.push(...evs);
      this.noReturn.push({
        marketplaceId: DE,
        amazonOrderId: o.amazonOrderId,
        sku: item.sku,
        quantity: item.quantity,
        adjustmentId: adj,
        posted: evs[0].posted.toISOString(),
        amount: refundedAmount(evs),
        alreadySettled: false,
      });
    }
  }

  /** Adds a return (control endpoint); with `refund` a refund of the returned quantity is posted now. */
  add(input: {
    channel: "FBA" | "FBM";
    amazonOrderId: string;
    sku?: string;
    quantity?: number;
    reason?: string;
    disposition?: string;
    refund?: boolean;
    returnDate?: string;
  }): SimReturn {
    const o = this.ctx.data.orders.find((x) => x.amazonOrderId === input.amazonOrderId);
    if (!o) throw new Error(`no order ${input.amazonOrderId}`);
    const item = input.sku ? o.items.find((i) => i.sku === input.sku) : o.items[0];
    if (!item) throw new Error(`order ${input.amazonOrderId} has no item ${input.sku}`);
    const quantity = input.quantity ?? item.quantity;
    const id = `${input.channel}-${o.amazonOrderId}-${item.orderItemId}-${this.returns.filter((r) => r.orderItemId === item.orderItemId).length + 1}`;
    let refund: SimReturn["refund"];
    if (input.refund) {
      const adj = `amzn1:crow:${code(`refund:${id}`, 12).toLowerCase()}`;
      const evs = partialRefundEvents(o, item, quantity, this.ctx.now(), adj);
      this.ctx.data.events.push(...evs);
      refund = { adjustmentId: adj, posted: evs[0].posted.toISOString(), amount: refundedAmount(evs), alreadySettled: false };
    }
    const net = MCF_NETWORK[o.marketplaceId] ?? MCF_NETWORK[US];
    const r: SimReturn = {
      id,
      channel: input.channel,
      scenario: "added",
      marketplaceId: o.marketplaceId,
      amazonOrderId: o.amazonOrderId,
      orderItemId: item.orderItemId,
      sku: item.sku,
      asin: item.asin,
      fnsku: DEMO_PRODUCTS.find((p) => p.sku === item.sku)?.fnsku ?? "",
      title: item.title,
      quantity,
      returnDate: input.returnDate ? new Date(input.returnDate) : this.ctx.now(),
      reason: input.reason ?? "UNWANTED_ITEM",
      ...(input.channel === "FBA"
        ? {
            disposition: input.disposition ?? "SELLABLE",
            licensePlateNumber: `LPN${code(`lpn:${id}`, 9)}`,
            fulfillmentCenterId: net.centers[0],
            status: "Unit returned to inventory",
          }
        : { rma: `D${code(`rma:${id}`, 8)}RMA`, status: "Approved" }),
      ...(refund ? { refund } : {}),
    };
    this.returns.push(r);
    return r;
  }

  private inWindow(r: SimReturn, marketplaceIds: string[], start?: string, end?: string): boolean {
    return (
      r.channel !== undefined &&
      marketplaceIds.includes(r.marketplaceId) &&
      (!start || r.returnDate >= new Date(start)) &&
      (!end || r.returnDate <= new Date(end))
    );
  }

  /** GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA for the window (windows-1252 bytes). */
  fbaReport(marketplaceIds: string[], start?: string, end?: string): Buffer {
    const rows: string[] = [FBA_RETURNS_COLUMNS.join("\t")];
    for (const r of this.returns
      .filter((x) => x.channel === "FBA" && this.inWindow(x, marketplaceIds, start, end))
      .sort((a, b) => a.returnDate.getTime() - b.returnDate.getTime())) {
      rows.push(
        [
          r.malformed ? "2026-13-45T25:61:00+00:00" : r.returnDate.toISOString().replace(/\.\d{3}Z$/, "+00:00"),
          r.amazonOrderId,
          r.sku,
          r.asin,
          r.fnsku,
          r.title,
          r.malformed ? "two" : String(r.quantity),
          r.fulfillmentCenterId ?? "",
          r.disposition ?? "",
          r.reason,
          r.status,
          r.licensePlateNumber ?? "",
          r.customerComments ?? "",
        ].join("\t"),
      );
    }
    return iconv.encode(rows.join("\n") + "\n", "win1252");
  }

  /** GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE for the window (windows-1252 bytes). */
  fbmReport(marketplaceIds: string[], start?: string, end?: string): Buffer {
    const rows: string[] = [FBM_RETURNS_COLUMNS.join("\t")];
    const day = (d: Date) => d.toISOString().slice(0, 10);
    for (const r of this.returns
      .filter((x) => x.channel === "FBM" && this.inWindow(x, marketplaceIds, start, end))
      .sort((a, b) => a.returnDate.getTime() - b.returnDate.getTime())) {
      const o = this.ctx.data.orders.find((x) => x.amazonOrderId === r.amazonOrderId)!;
      const item = o.items.find((i) => i.orderItemId === r.orderItemId)!;
      const values: Record<(typeof FBM_RETURNS_COLUMNS)[number], string> = {
        "Order ID": r.amazonOrderId,
        "Order date": day(o.purchaseDate),
        "Return request date": day(r.returnDate),
        "Return request status": r.status,
        "Amazon RMA ID": r.rma ?? "",
        "Merchant RMA ID": "",
        "Label type": "AmazonUnPaidLabel",
        "Label cost": "0.00",
        "Currency code": o.currency,
        "Return carrier": "",
        "Tracking ID": "",
        "Label to be paid by": "Customer",
        "A-to-Z Claim": "N",
        "Is prime": o.isPrime ? "Y" : "N",
        ASIN: r.asin,
        "Merchant SKU": r.sku,
        "Item Name": r.title,
        "Return quantity": String(r.quantity),
        "Return Reason": r.reason,
        "In policy": "Y",
        "Return type": "C-Returns",
        Resolution: "StandardRefund",
        "Invoice number": "",
        "Return delivery date": r.status === "Approved" ? day(new Date(r.returnDate.getTime() + 2 * DAY)) : "",
        "Order Amount": orderTotal(o),
        "Order quantity": String(item.quantity),
        "SafeT Action reason": "",
        "SafeT claim id": "",
        "SafeT claim state": "",
        "SafeT claim creation time": "",
        "SafeT claim reimbursement amount": "",
        "Refunded Amount": r.refund?.amount ?? "0.00",
      };
      rows.push(FBM_RETURNS_COLUMNS.map((c) => values[c]).join("\t"));
    }
    return iconv.encode(rows.join("\n") + "\n", "win1252");
  }
}
