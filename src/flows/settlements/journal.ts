/**
 * Settlement rows -> a general journal for D365 (LedgerJournalLines), the way the accounting tools finance
 * teams use for Amazon (A2X, Celigo) post a settlement: one line per account, dimensions and posting period, plus the deposit
 * line for total-amount on the Amazon clearing/bank account; a settlement that crosses a month end is split
 * into one voucher per month, each balanced through a carried-forward account, so every month's income and
 * fees land in that month and the deposit is reconciled against one line.
 *
 * Sign convention: a settlement amount is seen from the seller (positive = Amazon owes the seller), so a
 * positive bucket is a credit (income, tax collected, reserve released) and a negative one a debit (fees,
 * refunds, reserve held); the deposit is a debit on the clearing account (a credit when negative).
 */
import { Dec, fromMinorUnits, MinorSum, toMoneyString } from "../../platform/money";
import { combinationKey, type ResolvedAccount, type SettlementAccounts } from "../../mapping/settlement-accounts";
import type { SettlementRow, SettlementSummary } from "./parser";
import { type BooksTimeZone, booksTimeZone, LocalDates } from "./time-zones";

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

/** The rows of one mapping rule in one time slot (and one order, when detailed): summed as they stream in. */
interface Cell {
  resolved: ResolvedAccount;
  /** UTC quarter-hour or bare date (SettlementRow.postedSlot): its month is decided once the books' time zone is known. */
  slot: string;
  orderId: string;
  sum: MinorSum;
  rowCount: number;
}

/** One journal line before it is numbered: the cells of one period, account, dimensions, text (and order). */
interface Bucket {
  period: string;
  account: string;
  dimensions: Record<string, string>;
  text: string;
  kind: string;
  orderId: string;
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
    // Cells are found through the resolved rule (one object per rule) and the time slot, without building a key
    // string per row (the parser hands the same slot string for every row of a quarter-hour); per order when detailed.
    let bySlot = this.byResolved.get(resolved);
    if (!bySlot) this.byResolved.set(resolved, (bySlot = new Map()));
    const subKey = orderId ? `${row.postedSlot}\u0001${orderId}` : row.postedSlot;
    const c = bySlot.get(subKey);
    if (c) {
      c.sum.add(row.amountMinor);
      c.rowCount++;
      return;
    }
    const cell: Cell = { resolved, slot: row.postedSlot, orderId, sum: new MinorSum(), rowCount: 1 };
    cell.sum.add(row.amountMinor);
    bySlot.set(subKey, cell);
  };
  private readonly byResolved = new Map<ResolvedAccount, Map<string, Cell>>();

  /**
   * The journal's buckets: every cell goes to the month of its local posting date in `dates`' time zone (or to
   * "all" when the settlement is not split); two rules with the same account, dimensions and text share a bucket.
   */
  buckets(dates: LocalDates): Map<string, Bucket> {
    const out = new Map<string, Bucket>();
    for (const cells of this.byResolved.values()) {
      for (const cell of cells.values()) {
        const r = cell.resolved;
        const period = this.split ? dates.of(cell.slot).slice(0, 7) : "all";
        const dimsKey = Object.keys(r.dimensions).length ? JSON.stringify(r.dimensions) : "";
        const key = `${period}\u0001${r.account}\u0001${dimsKey}\u0001${r.text}\u0001${cell.orderId}`;
        let b = out.get(key);
        if (!b) {
          b = {
            period,
            account: r.account,
            dimensions: r.dimensions,
            text: r.text,
            kind: r.kind ?? "other",
            orderId: cell.orderId,
            sum: new MinorSum(),
            rowCount: 0,
          };
          out.set(key, b);
        }
        b.sum.addSum(cell.sum);
        b.rowCount += cell.rowCount;
      }
    }
    return out;
  }
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

/**
 * One line of a settlement's general journal: the one shape from the analysis to the D365 port (the preview
 * shows it, the analysis keeps it in a blob for the activities that create it, the adapter writes it as a
 * LedgerJournalLines row or a DMF row). Amounts are decimal strings ("12.30"), so it round-trips through JSON.
 */
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
  debit: string;
  credit: string;
  currency: string;
  text: string;
  /** What the line books (income, fee, reserve, deposit, carried-forward, ...), from the mapping rule. */
  kind: string;
  /** The settlement id: D365 keeps it on the line (LedgerJournalLines.Document), so the lines can be found again. */
  document: string;
  /**
   * The line's identity in D365, independent of its position and line number: date, account type, account
   * display value (main account and dimensions) and text (`lineKey`). Unique within a journal.
   */
  key: string;
  /** Set when a closed ledger period moved the line: the date it belongs to. */
  originalDate?: string;
}

/** The identity of a journal line, built the same way from the app's line and from a line read back from D365. */
export function lineKey(l: { date: string; accountType: string; accountDisplayValue: string; text: string }): string {
  return `${l.date.slice(0, 10)}|${l.accountType}|${l.accountDisplayValue}|${l.text}`;
}

/**
 * The voucher a line belongs to, the same for every import of the settlement: AMZ-<settlement id>-<index>. The
 * app writes it on every line (OData and DMF), so each month's lines form one voucher whatever order they were
 * created in; the journal name allocates the real voucher numbers at posting (docs/settlements.md).
 */
export function voucherLabel(line: Pick<JournalLine, "document" | "voucher">): string {
  return `AMZ-${line.document}-${line.voucher}`;
}

export interface SettlementJournal {
  description: string;
  currency: string;
  lines: JournalLine[];
  totalDebit: Dec;
  totalCredit: Dec;
  balanced: boolean;
  periods: string[];
  /** The time zone the month-end split used, and where it came from. */
  timeZone: BooksTimeZone;
}

export function journalDescription(settlementId: string, currency: string): string {
  return `Amazon settlement ${settlementId} ${currency}`;
}

/**
 * The description of a settlement's journal while the app fills it: the recurring "Post journals" batch job
 * selects descriptions that start with "Amazon settlement" (docs/settlements.md), so a journal on hold is out of
 * its reach until the app has verified it and renamed it to `journalDescription` (at most 60 characters).
 */
export function heldDescription(settlementId: string, currency: string): string {
  return `HOLD ${journalDescription(settlementId, currency)} (importing)`;
}

function lastDayOfMonth(period: string): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

export function buildJournal(
  summary: SettlementSummary,
  agg: SettlementAggregator,
  options: { timeZone?: string } = {},
): SettlementJournal {
  const accounts = agg.accounts;
  const currency = summary.currency;
  const digits = summary.minorUnit;
  const timeZone: BooksTimeZone = options.timeZone
    ? { zone: options.timeZone, source: "mapping" }
    : booksTimeZone(accounts, currency, agg.marketplace);
  const local = new LocalDates(timeZone.zone);
  const endDate = local.of(summary.endDate);
  const buckets = [...agg.buckets(local).values()]
    .filter((b) => !b.sum.isZero())
    .map((b) => ({ ...b, amount: fromMinorUnits(b.sum, digits) }));
  const periods = [...new Set(buckets.map((b) => b.period))].sort();
  if (periods.length === 0) periods.push(endDate.slice(0, 7));
  const lastPeriod = periods[periods.length - 1]!;
  // Each voucher is dated at its month's end; the month the settlement ends in, at the settlement end date.
  const dateOf = (period: string) => (period === "all" || period === endDate.slice(0, 7) ? endDate : lastDayOfMonth(period));

  const lines: (Omit<JournalLine, "lineNumber" | "debit" | "credit" | "key"> & { debit: Dec; credit: Dec })[] = [];
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
      document: summary.settlementId,
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
  const numbered = withUniqueKeys(
    lines.map((l, i): Omit<JournalLine, "key"> => {
      totalDebit = totalDebit.plus(l.debit);
      totalCredit = totalCredit.plus(l.credit);
      return { lineNumber: i + 1, ...l, debit: toMoneyString(l.debit, digits), credit: toMoneyString(l.credit, digits) };
    }),
  );
  return {
    description: journalDescription(summary.settlementId, currency),
    currency,
    lines: numbered,
    totalDebit,
    totalCredit,
    balanced: totalDebit.eq(totalCredit),
    periods: periods[0] === "all" ? [endDate.slice(0, 7)] : periods,
    timeZone,
  };
}

/**
 * Gives every line its key. Two lines of one journal with the same date, account and text cannot happen with the
 * buckets above (their text or date differs), but a text cut at 60 characters could make two equal: the later
 * one then gets a number at the end of its text, so no two lines share an identity in D365.
 */
export function withUniqueKeys(lines: Omit<JournalLine, "key">[]): JournalLine[] {
  const seen = new Set<string>();
  return lines.map((l) => {
    let text = l.text;
    let key = lineKey({ ...l, text });
    for (let n = 2; seen.has(key); n++) {
      const suffix = ` #${n}`;
      text = `${l.text.slice(0, 60 - suffix.length)}${suffix}`;
      key = lineKey({ ...l, text });
    }
    seen.add(key);
    return { ...l, text, key };
  });
}

/**
 * Moves the lines of vouchers whose date is in a closed (or on-hold) ledger period to another date (the first
 * day of the first open period): the text keeps the date they belong to, so the move is visible in the ledger
 * and the keys stay unique. `moves` maps an original date to the new one.
 */
export function moveLines(lines: JournalLine[], moves: ReadonlyMap<string, string>): JournalLine[] {
  return withUniqueKeys(
    lines.map(({ key: _key, ...l }) => {
      const original = l.originalDate ?? l.date;
      const to = moves.get(original);
      if (!to || to === l.date) return l;
      const note = ` (for ${original})`;
      return { ...l, date: to, originalDate: original, text: `${l.text.slice(0, 60 - note.length)}${note}` };
    }),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
