/**
 * Matching refunds to returns, one Amazon order at a time (pure; recomputed from everything known about the
 * order, so the order in which returns and refunds arrive does not matter and a re-run changes nothing).
 *
 * Per SKU, the returned units (returns in the order of their dates) are paired with the refunded units
 * (refunds in the order they were posted): Amazon often refunds when the carrier scans the parcel, days before
 * the unit reaches the fulfilment centre, so a refund may come before its return. A refund item without a
 * quantity (Amazon does not always give one) covers the next return of its SKU in full. Units no return
 * accounts for are a refund without a return; a return without any refund after the review period is
 * listed too — the cases finance asks about. MCF returns are left out: Amazon did not sell those orders, the
 * seller's own sales channel refunds the buyer.
 */
import { Dec, toMoneyString } from "../../platform/money";
import type { RefundEvent, ReturnChannel } from "./model";
import type { AllocatedRefund, RefundMatchState, RefundState } from "./records";

export interface ReturnForMatching {
  key: string;
  channel: ReturnChannel;
  returnDate: string;
  items: { sku: string; quantity: number }[];
}

export interface ReturnMatch {
  refunds: AllocatedRefund[];
  refundedQuantity: number;
  refundState: RefundState;
}

export interface RefundMatch {
  matchedReturns: string[];
  unmatchedQuantity: number;
  state: RefundMatchState;
}

export interface MatchOptions {
  now: Date;
  /** A return without a refund, or a refund without a return, is listed for review after this many days. */
  reviewAfterDays: number;
}

const DAY = 86_400_000;

export function matchRefunds(
  returns: ReturnForMatching[],
  refunds: RefundEvent[],
  options: MatchOptions,
): { returns: Map<string, ReturnMatch>; refunds: Map<string, RefundMatch> } {
  const overdue = (iso: string) => options.now.getTime() - Date.parse(iso) > options.reviewAfterDays * DAY;
  const returnOut = new Map<string, ReturnMatch>();
  const refundOut = new Map<string, RefundMatch>();
  const amazonSold = returns.filter((r) => r.channel !== "MCF");
  for (const r of returns)
    returnOut.set(r.key, { refunds: [], refundedQuantity: 0, refundState: r.channel === "MCF" ? "not-expected" : "awaiting-refund" });
  for (const f of refunds) refundOut.set(f.key, { matchedReturns: [], unmatchedQuantity: 0, state: "awaiting-return" });

  // Open slots: each returned SKU of each return, oldest return first.
  const slots = amazonSold
    .slice()
    .sort((a, b) => a.returnDate.localeCompare(b.returnDate) || a.key.localeCompare(b.key))
    .flatMap((r) => r.items.map((i) => ({ key: r.key, sku: i.sku, open: i.quantity })));

  const ordered = refunds.slice().sort((a, b) => a.postedDate.localeCompare(b.postedDate) || a.key.localeCompare(b.key));
  for (const f of ordered) {
    const fm = refundOut.get(f.key)!;
    for (const item of f.items) {
      const candidates = slots.filter((s) => s.sku === item.sku && s.open > 0);
      let want = item.quantity ?? candidates[0]?.open ?? 1;
      const units = want;
      for (const s of candidates) {
        if (want <= 0) break;
        const take = Math.min(s.open, want);
        s.open -= take;
        want -= take;
        const rm = returnOut.get(s.key)!;
        rm.refundedQuantity += take;
        rm.refunds.push({
          refundKey: f.key,
          postedDate: f.postedDate,
          quantity: take,
          amount: share(item.refundedToBuyer, take, units),
          currency: f.currency,
        });
        if (!fm.matchedReturns.includes(s.key)) fm.matchedReturns.push(s.key);
      }
      fm.unmatchedQuantity += Math.max(0, want);
    }
    fm.state =
      fm.unmatchedQuantity === 0 && fm.matchedReturns.length > 0
        ? "matched"
        : fm.matchedReturns.length > 0
          ? "partly-matched"
          : overdue(f.postedDate)
            ? "without-return"
            : "awaiting-return";
  }
  for (const r of amazonSold) {
    const rm = returnOut.get(r.key)!;
    const quantity = r.items.reduce((n, i) => n + i.quantity, 0);
    rm.refundState =
      rm.refundedQuantity >= quantity && quantity > 0
        ? "refunded"
        : rm.refundedQuantity > 0
          ? "partly-refunded"
          : overdue(r.returnDate)
            ? "no-refund"
            : "awaiting-refund";
  }
  return { returns: returnOut, refunds: refundOut };
}

/** The part of an item's refunded amount that belongs to `take` of its `units` units. */
function share(amount: string, take: number, units: number): string {
  if (take >= units || units <= 0) return toMoneyString(new Dec(amount));
  return toMoneyString(new Dec(amount).times(take).dividedBy(units).toDecimalPlaces(2));
}
