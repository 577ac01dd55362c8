/**
 * Settlement rows -> a general journal for D365 (LedgerJournalLines), the way A2X posts a settlement
 * (notes/peers-and-style.md §2.1): one line per account, dimensions and posting period, plus the deposit
 * line for total-amount on the Amazon clearing/bank account; a settlement that crosses a month end is split
 * into one voucher per month, each balanced through a carried-forward account, so every month's income and
 * fees land in that month and the deposit is reconciled against one line.
 *
 * Sign convention: a settlement amount is seen from the seller (positive = Amazon owes the seller), so a
 * positive bucket is a credit (income, tax collected, reserve released) and a negative one a debit (fees,
 * refunds, reserve held); the deposit is a debit on the clearing account (a credit when negative).
 */
import { Dec, fromMinorUnits, MinorSum, toMoneyString } from "../../platform/money";
import { combinationKey, type SettlementAccounts } from "../../mapping/settlement-accounts";
import type { SettlementRow, SettlementSummary } from "./parser";

export interface UnmappedCombination {
  combination: string;
  transactionType: string;
  amountType: string;
  amountDescription: string;
  total: Dec;
  rowCount: number;
  /** The first line of the file that has it. */
  firstLine: number;
}

/** Running figures per settlement, used to judge anomalies against earlier settlements. */
export interface SettlementMetrics {
  units: number;
  orders: number;
  principal: Dec;
  orderFees: Dec;
  fulfillmentFees: Dec;
  commission: Dec;
  refundedPrincipal: Dec;
  reserveHeld: Dec;
  suspenseTotal: Dec;
  /** transaction-type / amount-type pairs seen. */
  transactionTypes: Set<string>;
}

interface Bucket {
  period: string;
  account: string;
  dimensions: Record<string, string>;
  text: string;
  kind: string;
  orderId: string;
  /** Σ amounts in minor units of the settlement's currency: exact, and no decimal object per row. */
  sum: MinorSum;
  rowCount: number;
}

/** The running metrics in minor units; `SettlementAggregator.metrics` turns them into decimals when read. */
interface MetricSums {
  principal: MinorSum;
  orderFees: MinorSum;
  fulfillmentFees: MinorSum;
  commission: MinorSum;
  refundedPrincipal: MinorSum;
  reserveHeld: MinorSum;
  suspenseTotal: MinorSum;
}

/** Streams rows in: maps each one and adds it to its bucket. Memory grows with accounts and periods, not rows. */
export class SettlementAggregator {
  readonly buckets = new Map<string, Bucket>();
  readonly unmapped = new Map<string, UnmappedCombination>();
  private readonly unmappedSums = new Map<string, MinorSum>();
  private readonly sums: MetricSums = {
    principal: new MinorSum(),
    orderFees: new MinorSum(),
    fulfillmentFees: new MinorSum(),
    commission: new MinorSum(),
    refundedPrincipal: new MinorSum(),
    reserveHeld: new MinorSum(),
    suspenseTotal: new MinorSum(),
  };
  private units = 0;
  private orders = 0;
  private readonly transactionTypes = new Set<string>();
  /** Digits of the currency's minor unit, from the summary the parser hands with every row. */
  private minorUnit = 2;

  /** The figures so far, as decimals (made when read: once per settlement, not per row). */
  get metrics(): SettlementMetrics {
    const d = (s: MinorSum) => fromMinorUnits(s, this.minorUnit);
    const s = this.sums;
    return {
      units: this.units,
      orders: this.orders,
      principal: d(s.principal),
      orderFees: d(s.orderFees),
      fulfillmentFees: d(s.fulfillmentFees),
      commission: d(s.commission),
      refundedPrincipal: d(s.refundedPrincipal),
      reserveHeld: d(s.reserveHeld),
      suspenseTotal: d(s.suspenseTotal),
      transactionTypes: this.transactionTypes,
    };
  }
  /** marketplace-name of the first Amazon marketplace row (MCF rows say "Non-Amazon ..."). */
  marketplace: string | undefined;
  private lastOrderId = "";
  private readonly detailed: boolean;
  private readonly split: boolean;

  constructor(
    readonly accounts: SettlementAccounts,
    options: { detailed?: boolean; splitAtMonthEnd?: boolean } = {},
  ) {
    this.detailed = options.detailed ?? accounts.file.journal.mode === "detailed";
    this.split = options.splitAtMonthEnd ?? accounts.file.journal.splitAtMonthEnd;
  }

  add = (row: SettlementRow, summary?: SettlementSummary): void => {
    if (summary) this.minorUnit = summary.minorUnit;
    const resolved = this.accounts.resolve(row);
    this.observe(row, resolved?.kind);
    if (!resolved) {
      const key = combinationKey(row);
      const u = this.unmapped.get(key);
      if (u) {
        this.unmappedSums.get(key)!.add(row.amountMinor);
        u.rowCount++;
      } else {
        const sum = new MinorSum();
        sum.add(row.amountMinor);
        this.unmappedSums.set(key, sum);
        const minorUnit = this.minorUnit;
        this.unmapped.set(key, {
          combination: key,
          transactionType: row.transactionType,
          amountType: row.amountType,
          amountDescription: row.amountDescription,
          get total() {
            return fromMinorUnits(sum, minorUnit);
          },
          rowCount: 1,
          firstLine: row.line,
        });
      }
      return;
    }
    const orderId = this.detailed ? row.orderId : "";
    // Buckets are found through the resolved rule (one object per rule) and the posting day, without building a
    // key string per row (the parser hands the same day string for every row of a day); per order when detailed.
    let byPeriod = this.byResolved.get(resolved);
    if (!byPeriod) this.byResolved.set(resolved, (byPeriod = new Map()));
    const subKey = orderId ? `${row.postedDate}\u0001${orderId}` : row.postedDate;
    const b = byPeriod.get(subKey);
    if (b) {
      b.sum.add(row.amountMinor);
      b.rowCount++;
      return;
    }
    const period = this.split ? row.postedDate.slice(0, 7) : "all";
    const dimsKey = Object.keys(resolved.dimensions).length ? JSON.stringify(resolved.dimensions) : "";
    const key = `${period}\u0001${resolved.account}\u0001${dimsKey}\u0001${resolved.text}\u0001${orderId}`;
    // Two rules with the same account, dimensions and text share one bucket.
    const shared = this.buckets.get(key);
    if (shared) {
      shared.sum.add(row.amountMinor);
      shared.rowCount++;
      byPeriod.set(subKey, shared);
      return;
    }
    const bucket: Bucket = {
      period,
      account: resolved.account,
      dimensions: resolved.dimensions,
      text: resolved.text,
      kind: resolved.kind ?? "other",
      orderId,
      sum: new MinorSum(),
      rowCount: 1,
    };
    bucket.sum.add(row.amountMinor);
    this.buckets.set(key, bucket);
    byPeriod.set(subKey, bucket);
  };
  private readonly byResolved = new Map<object, Map<string, Bucket>>();
  private readonly seenTypes = new Map<string, Set<string>>();

  private observe(row: SettlementRow, kind: string | undefined): void {
    const m = this.sums;
    const amount = row.amountMinor;
    let seen = this.seenTypes.get(row.transactionType);
    if (!seen) this.seenTypes.set(row.transactionType, (seen = new Set()));
    if (!seen.has(row.amountType)) {
      seen.add(row.amountType);
      if (this.transactionTypes.size < 500) this.transactionTypes.add(`${row.transactionType} / ${row.amountType}`);
    }
    if (!this.marketplace && row.marketplaceName && !/^non-amazon/i.test(row.marketplaceName)) this.marketplace = row.marketplaceName;
    if (kind === "reserve" && amount < 0) m.reserveHeld.add(-amount);
    if (kind === "suspense") m.suspenseTotal.add(amount);
    if (row.transactionType === "Order") {
      // Rows of one order come together in the file: counting changes of order-id counts orders without a set.
      if (row.orderId && row.orderId !== this.lastOrderId) {
        this.orders++;
        this.lastOrderId = row.orderId;
      }
      if (row.amountType === "ItemPrice" && row.amountDescription === "Principal") {
        m.principal.add(amount);
        this.units += row.quantity ?? 0;
      } else if (row.amountType === "ItemFees") {
        m.orderFees.add(amount);
        if (row.amountDescription === "FBAPerUnitFulfillmentFee") m.fulfillmentFees.add(amount);
        if (row.amountDescription === "Commission") m.commission.add(amount);
      }
    } else if (row.transactionType === "Refund" && row.amountType === "ItemPrice" && row.amountDescription === "Principal") {
      m.refundedPrincipal.add(0 - amount);
    }
  }
}

export interface JournalLine {
  /** 1-based, deterministic: the same file always yields the same numbers (resume without duplicates). */
  lineNumber: number;
  /** 1-based voucher index (one per posting period). */
  voucher: number;
  /** Transaction date, yyyy-MM-dd. */
  date: string;
  account: string;
  accountType: "Ledger" | "Bank";
  /** AccountDisplayValue: the main account followed by dimension values in the ledger dimension format. */
  accountDisplayValue: string;
  dimensions: Record<string, string>;
  debit: Dec;
  credit: Dec;
  currency: string;
  text: string;
  kind: string;
}

export interface SettlementJournal {
  description: string;
  currency: string;
  lines: JournalLine[];
  totalDebit: Dec;
  totalCredit: Dec;
  balanced: boolean;
  periods: string[];
}

export function journalDescription(settlementId: string, currency: string): string {
  return `Amazon settlement ${settlementId} ${currency}`;
}

function lastDayOfMonth(period: string): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

export function buildJournal(summary: SettlementSummary, agg: SettlementAggregator): SettlementJournal {
  const accounts = agg.accounts;
  const currency = summary.currency;
  const endDate = summary.endDate.slice(0, 10);
  const buckets = [...agg.buckets.values()]
    .filter((b) => !b.sum.isZero())
    .map((b) => ({ ...b, amount: fromMinorUnits(b.sum, summary.minorUnit) }));
  const periods = [...new Set(buckets.map((b) => b.period))].sort();
  if (periods.length === 0) periods.push(endDate.slice(0, 7));
  const lastPeriod = periods[periods.length - 1]!;
  // Each voucher is dated at its month's end; the month the settlement ends in, at the settlement end date.
  const dateOf = (period: string) => (period === "all" || period === endDate.slice(0, 7) ? endDate : lastDayOfMonth(period));

  const lines: Omit<JournalLine, "lineNumber">[] = [];
  const push = (
    voucher: number,
    date: string,
    account: string,
    accountType: "Ledger" | "Bank",
    dimensions: Record<string, string>,
    amount: Dec,
    text: string,
    kind: string,
  ) => {
    if (amount.isZero()) return;
    lines.push({
      voucher,
      date,
      account,
      accountType,
      accountDisplayValue: accountType === "Ledger" ? accounts.displayValue(account, dimensions) : account,
      dimensions,
      debit: amount.isNegative() ? amount.negated() : new Dec(0),
      credit: amount.isNegative() ? new Dec(0) : amount,
      currency,
      text: text.slice(0, 60),
      kind,
    });
  };

  const carried: { voucher: number; net: Dec; period: string }[] = [];
  periods.forEach((period, i) => {
    const voucher = i + 1;
    const date = dateOf(period);
    const inPeriod = buckets
      .filter((b) => b.period === period)
      .sort(
        (a, b) =>
          cmp(a.account, b.account) ||
          cmp(JSON.stringify(a.dimensions), JSON.stringify(b.dimensions)) ||
          cmp(a.text, b.text) ||
          cmp(a.orderId, b.orderId),
      );
    let net = new Dec(0);
    for (const b of inPeriod) {
      net = net.plus(b.amount);
      push(voucher, date, b.account, "Ledger", b.dimensions, b.amount, b.orderId ? `${b.text} ${b.orderId}` : b.text, b.kind);
    }
    if (period !== lastPeriod) {
      // The month's net is parked on the carried-forward account and taken back in the last voucher.
      push(
        voucher,
        date,
        accounts.file.carriedForwardAccount,
        "Ledger",
        {},
        net.negated(),
        `Carried forward to ${lastPeriod}`,
        "carried-forward",
      );
      carried.push({ voucher, net, period });
    }
  });
  const lastVoucher = periods.length;
  const lastDate = dateOf(lastPeriod);
  for (const c of carried)
    push(
      lastVoucher,
      lastDate,
      accounts.file.carriedForwardAccount,
      "Ledger",
      {},
      c.net,
      `Carried forward from ${c.period}`,
      "carried-forward",
    );
  const clearing = accounts.clearingFor(currency, agg.marketplace);
  push(
    lastVoucher,
    lastDate,
    clearing.account,
    clearing.accountType,
    clearing.dimensions ?? {},
    summary.totalAmount.negated(),
    `Amazon deposit ${summary.settlementId} ${summary.depositDate.slice(0, 10)}`,
    "deposit",
  );

  let totalDebit = new Dec(0);
  let totalCredit = new Dec(0);
  const numbered = lines.map((l, i) => {
    totalDebit = totalDebit.plus(l.debit);
    totalCredit = totalCredit.plus(l.credit);
    return { lineNumber: i + 1, ...l };
  });
  return {
    description: journalDescription(summary.settlementId, currency),
    currency,
    lines: numbered,
    totalDebit,
    totalCredit,
    balanced: toMoneyString(totalDebit) === toMoneyString(totalCredit),
    periods: periods[0] === "all" ? [endDate.slice(0, 7)] : periods,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
