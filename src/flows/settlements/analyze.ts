/**
 * The analysis of a settlement, offline and streaming (steps 2-5 of the import in docs/settlements.md): parse
 * and validate, map, build the journal, judge anomalies. The preview CLI prints the result; the orchestration
 * posts it.
 */
import { type Dec, toMoneyString as money, toMoneyString } from "../../platform/money";
import type { SettlementAccounts } from "../../mapping/settlement-accounts";
import { detectAnomalies, snapshotOf, type Anomaly, type MetricsSnapshot } from "./anomalies";
import { buildJournal, type JournalLine, SettlementAggregator, type SettlementJournal, type UnmappedCombination } from "./journal";
import { parseSettlement, type ByteSource, type FileFormat, type ParseOutcome, type RowProblem, type SettlementSummary } from "./parser";

export interface AnalyzeOptions {
  /** Metrics of earlier settlements (from their settlement records), for anomalies; asked for once the summary row is read. */
  history?: (summary: SettlementSummary) => Promise<MetricsSnapshot[]>;
  detailed?: boolean;
  splitAtMonthEnd?: boolean;
}

export interface SettlementAnalysis {
  parse: ParseOutcome;
  /** marketplace-name of the settlement's Amazon rows (MCF rows say "Non-Amazon ..."). */
  marketplace?: string;
  /** The legal entity the mapping's `legalEntities` names for it; undefined: the default (D365_COMPANY). */
  legalEntity?: string;
  journal?: SettlementJournal;
  unmapped: UnmappedCombination[];
  anomalies: Anomaly[];
  metrics?: MetricsSnapshot;
  postable: boolean;
  /** Why it cannot be posted (empty when postable). */
  reasons: string[];
}

export async function analyzeSettlement(
  source: ByteSource,
  accounts: SettlementAccounts,
  options: AnalyzeOptions = {},
): Promise<SettlementAnalysis> {
  const agg = new SettlementAggregator(accounts, { detailed: options.detailed, splitAtMonthEnd: options.splitAtMonthEnd });
  const parse = await parseSettlement(source, agg.add);
  const reasons: string[] = [];
  if (parse.fatal) reasons.push(parse.fatal.message);
  if (parse.problemCount)
    reasons.push(`${parse.problemCount} row(s) cannot be read (first: line ${parse.problems[0]!.line}: ${parse.problems[0]!.message})`);
  if (parse.summary && !parse.fatal && !parse.reconciled) {
    const money = (d: Dec) => toMoneyString(d, parse.summary!.minorUnit);
    reasons.push(
      `the rows add up to ${money(parse.sumOfAmounts)} but total-amount is ${money(parse.summary.totalAmount)} ` +
        `(difference ${money(parse.summary.totalAmount.minus(parse.sumOfAmounts))}): truncated or incomplete file`,
    );
  }
  const unmapped = [...agg.unmapped.values()];
  if (unmapped.length)
    reasons.push(
      `${unmapped.length} combination(s) have no rule in settlement-accounts.json: ${unmapped.map((u) => u.combination).join("; ")}`,
    );
  const marketplace = agg.marketplace;
  if (!parse.summary || parse.fatal) return { parse, marketplace, unmapped, anomalies: [], postable: false, reasons };

  const s = parse.summary;
  const legalEntity = accounts.legalEntityFor(s.currency, marketplace)?.dataAreaId;
  const journal = buildJournal(s, agg);
  if (!journal.balanced && parse.reconciled && unmapped.length === 0) reasons.push("the journal does not balance");
  const metrics = snapshotOf(s.settlementId, s.currency, s.endDate, agg.metrics);
  const history = options.history ? await options.history(s) : [];
  const anomalies = detectAnomalies(metrics, history, {
    suspenseTotal: agg.metrics.suspenseTotal,
    totalAmount: s.totalAmount,
  });
  return {
    parse,
    marketplace,
    legalEntity,
    journal,
    unmapped,
    anomalies,
    metrics,
    postable: reasons.length === 0 && journal.balanced,
    reasons,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The preview document (`d365-amazon settlement preview <file> --json`); also the settlement record's detail.

export interface PreviewDocument {
  settlementId: string | null;
  currency: string | null;
  startDate: string | null;
  endDate: string | null;
  depositDate: string | null;
  totalAmount: string | null;
  sumOfAmounts: string;
  /** Digits of the currency's minor unit: amounts are printed with this many decimals. */
  minorUnit: number;
  marketplace: string | null;
  /** The legal entity the mapping names for the settlement (null: D365_COMPANY). */
  legalEntity: string | null;
  rowCount: number;
  reconciled: boolean;
  postable: boolean;
  reasons: string[];
  format: FileFormat | null;
  problems: RowProblem[];
  problemCount: number;
  journal: {
    description: string;
    balanced: boolean;
    totalDebit: string;
    totalCredit: string;
    periods: string[];
    /** The time zone of the books the month-end split used, and where it came from (mapping, marketplace, currency, utc). */
    timeZone: { zone: string; source: string };
    /** The journal's lines (without their kind, settlement id and key). */
    lines: Omit<JournalLine, "kind" | "document" | "key" | "originalDate">[];
  } | null;
  unmapped: { combination: string; total: string; rowCount: number; firstLine: number; suggestedRule: unknown }[];
  anomalies: Anomaly[];
}

export function previewDocument(a: SettlementAnalysis, accounts: SettlementAccounts): PreviewDocument {
  const s = a.parse.summary;
  const digits = s?.minorUnit ?? 2;
  const toMoneyString = (d: Dec) => money(d, digits);
  return {
    settlementId: s?.settlementId ?? null,
    currency: s?.currency ?? null,
    startDate: s?.startDate ?? null,
    endDate: s?.endDate ?? null,
    depositDate: s?.depositDate ?? null,
    totalAmount: s ? toMoneyString(s.totalAmount) : null,
    sumOfAmounts: toMoneyString(a.parse.sumOfAmounts),
    minorUnit: digits,
    marketplace: a.marketplace ?? null,
    legalEntity: a.legalEntity ?? null,
    rowCount: a.parse.rowCount,
    reconciled: a.parse.reconciled,
    postable: a.postable,
    reasons: a.reasons,
    format: a.parse.format ?? null,
    problems: a.parse.problems,
    problemCount: a.parse.problemCount,
    journal: a.journal
      ? {
          description: a.journal.description,
          balanced: a.journal.balanced,
          totalDebit: toMoneyString(a.journal.totalDebit),
          totalCredit: toMoneyString(a.journal.totalCredit),
          periods: a.journal.periods,
          timeZone: a.journal.timeZone,
          lines: a.journal.lines.map((l) => ({
            lineNumber: l.lineNumber,
            voucher: l.voucher,
            account: l.account,
            accountType: l.accountType,
            accountDisplayValue: l.accountDisplayValue,
            dimensions: l.dimensions,
            debit: l.debit,
            credit: l.credit,
            currency: l.currency,
            date: l.date,
            text: l.text,
          })),
        }
      : null,
    unmapped: a.unmapped.map((u) => ({
      combination: u.combination,
      total: toMoneyString(u.total),
      rowCount: u.rowCount,
      firstLine: u.firstLine,
      suggestedRule: accounts.suggestRule(u),
    })),
    anomalies: a.anomalies,
  };
}

/** The preview as a readable table. */
export function formatPreview(doc: PreviewDocument): string {
  const out: string[] = [];
  const day = (iso: string | null) => iso?.slice(0, 10) ?? "?";
  out.push(
    `Settlement ${doc.settlementId ?? "?"}  ${doc.currency ?? ""}  ${day(doc.startDate)} .. ${day(doc.endDate)}  deposit ${day(doc.depositDate)}`,
  );
  if (doc.format) {
    const f = doc.format;
    const unknown = f.unknownColumns.length ? `, unknown columns ignored: ${f.unknownColumns.join(", ")}` : "";
    out.push(
      `Format: ${f.variant} (${f.columns} columns), ${f.encoding}, decimal "${f.decimalSeparator ?? "?"}", ` +
        `dates ${f.dateStyles.join("/") || "?"}${unknown}`,
    );
  }
  out.push(
    `Rows: ${doc.rowCount}   total-amount: ${doc.totalAmount ?? "?"}   sum of amounts: ${doc.sumOfAmounts}   reconciled: ${doc.reconciled ? "yes" : "NO"}`,
  );
  if (doc.journal) {
    const why = {
      mapping: "from the mapping",
      marketplace: `default of ${doc.marketplace}`,
      currency: `default for ${doc.currency}`,
      utc: "no zone known",
    };
    const source = why[doc.journal.timeZone.source as keyof typeof why] ?? doc.journal.timeZone.source;
    out.push(`Month-end split in ${doc.journal.timeZone.zone} (${source}); legal entity: ${doc.legalEntity ?? "D365_COMPANY (default)"}`);
  }
  if (doc.journal) {
    const rows = doc.journal.lines.map((l) => [
      String(l.lineNumber),
      String(l.voucher),
      l.date,
      l.accountDisplayValue,
      /^0(\.0+)?$/.test(l.debit) ? "" : l.debit,
      /^0(\.0+)?$/.test(l.credit) ? "" : l.credit,
      l.currency,
      l.text,
    ]);
    const head = ["#", "V", "Date", "Account", "Debit", "Credit", "Cur", "Text"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const right = new Set([0, 1, 4, 5]);
    const fmt = (r: string[]) =>
      r
        .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd();
    out.push("", `Journal: ${doc.journal.description}`, fmt(head), widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of rows) out.push(fmt(r));
    out.push(
      `Totals: debit ${doc.journal.totalDebit}  credit ${doc.journal.totalCredit}  ${doc.journal.balanced ? "balanced" : "NOT BALANCED"}`,
    );
  }
  if (doc.unmapped.length) {
    out.push("", "Unmapped combinations (add a rule to mappings/settlement-accounts.json):");
    for (const u of doc.unmapped)
      out.push(
        `  ${u.combination}: ${u.total} in ${u.rowCount} row(s), first at line ${u.firstLine}; suggested rule ${JSON.stringify(u.suggestedRule)}`,
      );
  }
  if (doc.problems.length) {
    out.push("", `Rows that cannot be read (${doc.problemCount}):`);
    for (const p of doc.problems) out.push(`  line ${p.line}: ${p.message}`);
  }
  if (doc.anomalies.length) {
    out.push("", "Anomalies:");
    for (const a of doc.anomalies) out.push(`  [${a.severity}] ${a.message}`);
  }
  out.push("", doc.postable ? "Postable: yes" : `Postable: NO — ${doc.reasons.join("; ")}`);
  return out.join("\n");
}
