/**
 * The settlement import, step by step (docs/settlements.md): keep the file, analyze it, prepare the journal in
 * D365 (journal name and ledger periods checked, the journal found or created ON HOLD), create its lines (or send
 * one DMF package), verify it line by line, and release it to the posting job. Each step is an idempotent
 * activity of the durable orchestration (orchestration.ts): running one twice, or after a crash, gives the same
 * result and never creates a second journal or a duplicate line.
 *
 * The journal is identified by D365's number (recorded as soon as D365 gives it), else by its description (held
 * or released), else by the settlement id D365 keeps in every line's Document. Its lines are identified by their
 * key (date, account and dimensions, text: `lineKey`), never by their position.
 */
import { createHash } from "node:crypto";
import { ConflictError, InternalError, isAppError, NotFoundError, ValidationError } from "../../platform/errors";
import { Dec, toMoneyString } from "../../platform/money";
import { safeKey } from "../../platform/state-keys";
import { analyzeSettlement, previewDocument } from "./analyze";
import { heldDescription, type JournalLine, lineKey, moveLines } from "./journal";
import { bytesSource, type ByteSource, parseSettlement, readSettlementSummary } from "./parser";
import type { JournalHeaderInfo, JournalLineInD365, LedgerPeriod, SettlementDeps } from "./ports";
import {
  getSettlementRecord,
  instanceIdFor,
  isBooked,
  type SettlementConflict,
  type SettlementRecord,
  type SettlementStatus,
  settlementHistory,
  updateSettlementRecord,
} from "./settlement-records";

export const SETTLEMENT_CONTAINER = "settlements";

export interface StoredSettlementFile {
  settlementId: string;
  blobName: string;
  sha256: string;
  reportId?: string;
  bytes: number;
}

/**
 * Keeps the raw file (content-addressed by its SHA-256) and reads its settlement id. A file that is not a
 * settlement flat file V2 is refused here with the parser's explanation, before anything starts. With
 * `validate` (an uploaded file) the whole file is read first, and a row that cannot be read or a file whose rows
 * do not add up to its total (a truncated upload) is refused at once, naming the line.
 */
export async function storeSettlementFile(
  content: Uint8Array,
  deps: Pick<SettlementDeps, "blobs">,
  reportId?: string,
  options: { validate?: boolean } = {},
): Promise<StoredSettlementFile> {
  const { summary, fatal } = await readSettlementSummary(bytesSource(content));
  if (!summary) throw new ValidationError(fatal?.code ?? "settlement.unreadable", fatal?.message ?? "not a settlement flat file V2");
  if (options.validate) await validateWholeFile(content);
  const sha256 = createHash("sha256").update(content).digest("hex");
  const blobName = `${safeKey(summary.settlementId)}/${sha256}.txt`;
  if (!(await deps.blobs.exists(SETTLEMENT_CONTAINER, blobName)))
    await deps.blobs.put(SETTLEMENT_CONTAINER, blobName, content, "text/tab-separated-values");
  return { settlementId: summary.settlementId, blobName, sha256, reportId, bytes: content.length };
}

/** Reads every row (milliseconds for a usual file, about a second for a million rows) and refuses what cannot be posted. */
async function validateWholeFile(content: Uint8Array): Promise<void> {
  const parse = await parseSettlement(bytesSource(content), () => undefined, { maxProblems: 5 });
  if (parse.fatal) throw new ValidationError(parse.fatal.code, parse.fatal.message);
  const first = parse.problems[0];
  if (first) {
    throw new ValidationError(
      "settlement.unreadableRow",
      `line ${first.line}: ${first.message}${parse.problemCount > 1 ? ` (and ${parse.problemCount - 1} more row(s) that cannot be read)` : ""}`,
      { where: `line ${first.line}` },
    );
  }
  if (parse.summary && !parse.reconciled) {
    const digits = parse.summary.minorUnit;
    const lastLine = parse.rowCount + 2;
    throw new ValidationError(
      "settlement.notReconciled",
      `the ${parse.rowCount} rows add up to ${toMoneyString(parse.sumOfAmounts, digits)} but total-amount is ` +
        `${toMoneyString(parse.summary.totalAmount, digits)}: the file looks truncated or incomplete after line ${lastLine}; upload the whole file`,
      { where: `line ${lastLine}` },
    );
  }
}

/** The stored file, streamed from blob storage on every read (never whole in memory). */
function storedFile(blobs: SettlementDeps["blobs"], blobName: string): ByteSource {
  return async function* () {
    const body = await blobs.stream(SETTLEMENT_CONTAINER, blobName);
    if (!body) throw new NotFoundError("settlement.blob-missing", `the stored settlement file ${blobName} is missing`);
    yield* body;
  };
}

/** Download attempts of a report document, and the waits between them. */
export const REPORT_DOWNLOAD_BACKOFF_MS = [2_000, 8_000, 30_000];

/**
 * Downloads a report just in time and keeps it. A download that fails for a reason that may pass (a 503 of the
 * document URL, a throttle, a reset connection) is tried again with backoff; each attempt asks for a fresh
 * document URL (it lives 5 minutes).
 */
export async function fetchSettlementReport(
  reportId: string,
  deps: Pick<SettlementDeps, "blobs" | "reports" | "sleep" | "log">,
): Promise<StoredSettlementFile> {
  const reports = deps.reports;
  if (!reports) throw new InternalError("settlement.no-reports", "no SP-API reports adapter configured");
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      const content = await reports.downloadReport(reportId);
      return await storeSettlementFile(content, deps, reportId);
    } catch (err) {
      const wait = REPORT_DOWNLOAD_BACKOFF_MS[attempt];
      if (wait === undefined || (isAppError(err) && !err.retryable)) throw err;
      deps.log?.event("settlement.downloadRetry", { reportId, attempt: attempt + 1, error: (err as Error).message });
      await sleep(wait);
    }
  }
}

/** Creates or resets the record to "pending" for a new run (keeps what a booked settlement has). */
export async function registerSettlementRun(
  file: StoredSettlementFile,
  deps: Pick<SettlementDeps, "state" | "clock">,
): Promise<SettlementRecord> {
  const now = deps.clock.now().toISOString();
  return updateSettlementRecord(deps.state, file.settlementId, (current) => {
    if (isBooked(current?.status)) return current!;
    return {
      ...(current ?? { anomalies: [], unmapped: [], reasons: [], createdAt: now }),
      settlementId: file.settlementId,
      instanceId: instanceIdFor(file.settlementId),
      status: "pending",
      blobName: file.blobName,
      sha256: file.sha256,
      reportId: file.reportId ?? current?.reportId,
      updatedAt: now,
    } as SettlementRecord;
  });
}

// ---------------------------------------------------------------------------------------------------------
// analyze

export interface AnalyzeStepInput {
  settlementId: string;
  blobName: string;
  sha256: string;
  reportId?: string;
  detailed?: boolean;
}

export interface AnalyzeStepResult {
  status: SettlementStatus;
  postable: boolean;
  lineCount: number;
  /** The settlement's journal was created (or posted) before (a second import): nothing to do. */
  alreadyPosted: boolean;
  journalBatchNumber?: string;
  anomalies: number;
  /** From the mapping file: send the journal as a DMF package when it has at least this many lines (0 = never). */
  dmfFromLines: number;
  dmfDefinitionGroup: string;
}

/** Parse, validate, map, build, judge anomalies; keep the journal lines in a blob; record the outcome. */
export async function analyzeStep(input: AnalyzeStepInput, deps: SettlementDeps): Promise<AnalyzeStepResult> {
  const existing = await getSettlementRecord(deps.state, input.settlementId);
  if (existing && isBooked(existing.status)) {
    return {
      status: existing.status,
      postable: false,
      lineCount: existing.lineCount ?? 0,
      alreadyPosted: true,
      journalBatchNumber: existing.journalBatchNumber,
      anomalies: existing.anomalies.length,
      dmfFromLines: 0,
      dmfDefinitionGroup: "",
    };
  }
  const content = storedFile(deps.blobs, input.blobName);
  const accounts = deps.accounts();
  // One pass over the file: the anomaly history is read once the parser has the summary row.
  const analysis = await analyzeSettlement(content, accounts, {
    history: (summary) => settlementHistory(deps.state, summary.currency, summary.settlementId),
    detailed: input.detailed,
  });
  const doc = previewDocument(analysis, accounts);
  const status: SettlementStatus = analysis.postable
    ? "running"
    : analysis.unmapped.length && analysis.parse.ok
      ? "needs-mapping"
      : "failed";

  let journalBlob: string | undefined;
  const lines: JournalLine[] = analysis.postable && analysis.journal ? analysis.journal.lines : [];
  if (analysis.postable && analysis.journal) {
    journalBlob = `${safeKey(input.settlementId)}/${input.sha256}.journal.json`;
    await deps.blobs.put(SETTLEMENT_CONTAINER, journalBlob, Buffer.from(JSON.stringify(lines)), "application/json");
  }
  const now = deps.clock.now().toISOString();
  await updateSettlementRecord(deps.state, input.settlementId, (current) => ({
    ...(current ?? { createdAt: now }),
    settlementId: input.settlementId,
    instanceId: instanceIdFor(input.settlementId),
    reportId: input.reportId ?? current?.reportId,
    blobName: input.blobName,
    sha256: input.sha256,
    status,
    currency: doc.currency ?? undefined,
    minorUnit: doc.minorUnit,
    marketplace: doc.marketplace ?? undefined,
    company: (analysis.legalEntity ?? deps.defaultCompany ?? current?.company)?.toLowerCase(),
    timeZone: doc.journal?.timeZone.zone,
    startDate: doc.startDate ?? undefined,
    endDate: doc.endDate ?? undefined,
    depositDate: doc.depositDate ?? undefined,
    totalAmount: doc.totalAmount ?? undefined,
    sumOfAmounts: doc.sumOfAmounts,
    rowCount: doc.rowCount,
    reconciled: doc.reconciled,
    journalBlob,
    postingBlob: undefined,
    journalDescription: analysis.journal?.description,
    lineCount: lines.length,
    totalDebit: doc.journal?.totalDebit,
    totalCredit: doc.journal?.totalCredit,
    anomalies: doc.anomalies,
    unmapped: doc.unmapped.map((u) => ({
      combination: u.combination,
      total: u.total,
      rowCount: u.rowCount,
      suggestedRule: u.suggestedRule,
    })),
    reasons: doc.reasons,
    conflict: undefined,
    metrics: analysis.metrics,
    updatedAt: now,
  }));
  deps.log.event("settlement.analyzed", {
    settlementId: input.settlementId,
    status,
    rows: doc.rowCount,
    lines: lines.length,
    anomalies: doc.anomalies.length,
    timeZone: doc.journal?.timeZone.zone,
  });
  return {
    status,
    postable: analysis.postable,
    lineCount: lines.length,
    alreadyPosted: false,
    anomalies: doc.anomalies.length,
    dmfFromLines: accounts.file.journal.dmfFromLines,
    dmfDefinitionGroup: accounts.file.journal.dmfDefinitionGroup,
  };
}

export interface RecordStatusInput {
  settlementId: string;
  status: SettlementStatus;
  approvedBy?: string;
  reason?: string;
}

export async function recordStatusStep(input: RecordStatusInput, deps: Pick<SettlementDeps, "state" | "clock">): Promise<void> {
  const now = deps.clock.now().toISOString();
  await updateSettlementRecord(deps.state, input.settlementId, (current) => {
    if (!current) throw new NotFoundError("settlement.not-found", `no settlement ${input.settlementId}`);
    if (isBooked(current.status) || current.status === "conflict" || current.status === "needs-attention") return current;
    return {
      ...current,
      status: input.status,
      approvedBy: input.approvedBy ?? current.approvedBy,
      reasons: input.reason ? [...current.reasons, input.reason] : current.reasons,
      updatedAt: now,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// What the journal steps share

interface Loaded {
  record: SettlementRecord;
  /** The lines as they are written to D365 (after any move out of a closed period). */
  lines: JournalLine[];
  company: string;
  held: string;
  released: string;
}

async function readLines(blobName: string, deps: SettlementDeps): Promise<JournalLine[]> {
  const raw = await deps.blobs.get(SETTLEMENT_CONTAINER, blobName);
  if (!raw) throw new NotFoundError("settlement.blob-missing", `the journal lines ${blobName} are missing`);
  return JSON.parse(Buffer.from(raw).toString("utf8")) as JournalLine[];
}

async function load(settlementId: string, deps: SettlementDeps): Promise<Loaded> {
  const record = await getSettlementRecord(deps.state, settlementId);
  if (!record?.journalBlob || !record.journalDescription)
    throw new NotFoundError("settlement.not-analyzed", `settlement ${settlementId} has no journal to create`);
  const lines = await readLines(record.postingBlob ?? record.journalBlob, deps);
  const company = record.company ?? deps.defaultCompany;
  if (!company) throw new InternalError("settlement.no-company", `settlement ${settlementId} has no legal entity`);
  return {
    record,
    lines,
    company,
    held: heldDescription(settlementId, record.currency ?? ""),
    released: record.journalDescription,
  };
}

async function patchRecord(deps: SettlementDeps, settlementId: string, patch: Partial<SettlementRecord>): Promise<SettlementRecord> {
  return updateSettlementRecord(deps.state, settlementId, (c) => ({ ...c!, ...patch, updatedAt: deps.clock.now().toISOString() }));
}

function amount(v: string): Dec {
  return new Dec(v || "0");
}

/** The lines of a journal in D365 against the lines it must have, by key. */
export interface LineComparison {
  /** Expected lines D365 does not have. */
  missing: JournalLine[];
  /** D365 lines that must go: a key the journal does not have, another amount or currency, or a second copy. */
  stale: JournalLineInD365[];
  /** Each difference in words, for the record's reasons. */
  problems: string[];
}

export function compareLines(expected: JournalLine[], actual: JournalLineInD365[]): LineComparison {
  const want = new Map(expected.map((l) => [l.key, l]));
  const seen = new Set<string>();
  const stale: JournalLineInD365[] = [];
  const problems: string[] = [];
  for (const a of actual) {
    const key = lineKey(a);
    const e = want.get(key);
    if (!e) {
      stale.push(a);
      problems.push(`line ${a.lineNumber} (${a.accountDisplayValue} "${a.text}" ${a.date}) is not part of the settlement's journal`);
    } else if (seen.has(key)) {
      stale.push(a);
      problems.push(`line ${a.lineNumber} (${a.accountDisplayValue} "${a.text}") is there twice`);
    } else if (!amount(a.debit).eq(amount(e.debit)) || !amount(a.credit).eq(amount(e.credit)) || a.currency !== e.currency) {
      stale.push(a);
      problems.push(
        `line ${a.lineNumber} (${a.accountDisplayValue} "${a.text}") has ${a.debit}/${a.credit} ${a.currency}, expected ${e.debit}/${e.credit} ${e.currency}`,
      );
    } else seen.add(key);
  }
  const missing = expected.filter((l) => !seen.has(l.key));
  for (const m of missing) {
    if (!stale.some((s) => lineKey(s) === m.key))
      problems.push(`missing: ${m.accountDisplayValue} "${m.text}" ${m.date} ${m.debit}/${m.credit}`);
  }
  return { missing, stale, problems };
}

/** D365's answer when a line is dated in a closed or on-hold ledger period (its text varies with the release). */
const CLOSED_PERIOD_ANSWER = /\bperiod\b[^.]*\b(closed|on hold)\b|\b(closed|on hold)\b[^.]*\bperiod\b/i;
const POSTED_ANSWER = /has already been posted/i;

// ---------------------------------------------------------------------------------------------------------
// The journal name and the ledger periods (checked before anything is written)

/** Journal names whose set-up was found right, per process (a wrong one is checked again on every import). */
const goodJournalNames = new Map<string, number>();
const JOURNAL_NAME_CHECK_MS = 10 * 60_000;

/** Forgets the journal names found right (tests that change a journal name's set-up). */
export function forgetJournalNameChecks(): void {
  goodJournalNames.clear();
}

/**
 * What is wrong with the journal name for settlement journals (empty when nothing): it must exist in the legal
 * entity as a Daily journal, with no offset account and no sales tax in the amounts (the lines carry
 * everything), and it must allocate the real voucher numbers at posting from its voucher series (the app writes
 * each month's voucher as AMZ-<settlement>-<n>); New voucher = Manual keeps the app's labels as the numbers.
 */
export async function journalNameProblems(company: string, name: string, deps: SettlementDeps): Promise<string[]> {
  const cacheKey = `${company}|${name}`;
  const checked = goodJournalNames.get(cacheKey);
  if (checked !== undefined && deps.clock.now().getTime() - checked < JOURNAL_NAME_CHECK_MS) return [];
  const j = await deps.journals.journalName(company, name);
  const where = `journal name ${name} in ${company} (General ledger › Journal setup › Journal names)`;
  const problems: string[] = [];
  if (!j.exists) {
    problems.push(
      `${where} does not exist: create it as a Daily journal with a voucher series and Number allocation at posting = Yes, or set SETTLEMENT_JOURNAL_NAME to one that does`,
    );
    return problems;
  }
  if (j.type && j.type !== "Daily") problems.push(`${where} is of type ${j.type}: settlement journals need a Daily journal name`);
  if (j.offsetAccount)
    problems.push(`${where} has the offset account ${j.offsetAccount}: clear it, the settlement lines balance by themselves`);
  if (j.amountsIncludeSalesTax)
    problems.push(`${where} has "Amounts include sales tax" = Yes: set it to No, Amazon's amounts carry no tax to add`);
  if (!j.allocationAtPosting && j.newVoucher !== "Manually") {
    problems.push(
      `${where} allocates vouchers when lines are entered (New voucher = ${j.newVoucher ?? "?"}): set "Number allocation at posting" = Yes ` +
        "(the app writes each month's voucher as AMZ-<settlement>-<n>; D365 then numbers each one from the voucher series when it posts), " +
        "or New voucher = Manual to keep the app's labels as the voucher numbers",
    );
  } else if (j.allocationAtPosting && !j.voucherSeries) {
    problems.push(`${where} allocates voucher numbers at posting but has no voucher series: set one`);
  }
  if (problems.length === 0) goodJournalNames.set(cacheKey, deps.clock.now().getTime());
  return problems;
}

function monthName(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
}

/**
 * The voucher dates against the legal entity's ledger periods. A date in a period that is not open (closed, on
 * hold, or not in the calendar) stops the import as needs-attention, or, with SETTLEMENT_CLOSED_PERIOD =
 * next-open-period, moves the voucher to the first day of the first open period after it.
 */
async function checkPeriods(
  loaded: Loaded,
  original: JournalLine[],
  deps: SettlementDeps,
): Promise<{ lines: JournalLine[]; stop?: string; notes: string[] }> {
  const dates = [...new Set(original.map((l) => l.date))].sort();
  if (dates.length === 0) return { lines: original, notes: [] };
  let periods: LedgerPeriod[] | undefined;
  try {
    periods = await deps.journals.ledgerPeriods(loaded.company, dates[0]!);
  } catch (err) {
    if (isAppError(err) && err.retryable) throw err;
    periods = undefined;
    deps.log.event("settlement.periodsUnavailable", { settlementId: loaded.record.settlementId, error: (err as Error).message });
  }
  if (!periods) return { lines: original, notes: [] };
  const rule = deps.closedPeriod ?? "needs-attention";
  const moves = new Map<string, string>();
  const notes: string[] = [];
  for (const date of dates) {
    const p = periods.find((x) => x.start <= date && date <= x.end);
    if (p?.status === "Open") continue;
    const why = p
      ? `ledger period ${p.name} (${p.start} to ${p.end}) is ${p.status === "OnHold" ? "on hold" : "closed"} in ${loaded.company}`
      : `no ledger period of ${loaded.company}'s fiscal calendar covers it`;
    const next = periods.find((x) => x.start > date && x.status === "Open");
    if (rule === "next-open-period" && next) {
      moves.set(date, next.start);
      notes.push(`the ${monthName(date)} voucher (${date}) is dated ${next.start}, the first day of open period ${next.name}: ${why}`);
      continue;
    }
    const fix =
      rule === "next-open-period"
        ? "no open period follows it: open one (General ledger › Calendars › Ledger calendars)"
        : "open the period (General ledger › Calendars › Ledger calendars), or set SETTLEMENT_CLOSED_PERIOD=next-open-period to date it in the first open period";
    return {
      lines: original,
      notes,
      stop:
        `The ${monthName(date)} voucher is dated ${date}, but ${why}: D365 cannot post it. ${fix[0]!.toUpperCase()}${fix.slice(1)}, ` +
        `then import again: POST /api/settlements/import {"settlementId": "${loaded.record.settlementId}"}.`,
    };
  }
  return { lines: moves.size ? moveLines(original, moves) : original, notes };
}

// ---------------------------------------------------------------------------------------------------------
// prepare: find or create the journal, on hold

export interface PrepareInput {
  settlementId: string;
  journalName: string;
  /** The journal goes to D365 as one DMF package when none exists yet. */
  viaDmf?: boolean;
  /** After a DMF execution ended: a missing journal means the import failed. */
  afterDmf?: boolean;
}

export type PrepareResult =
  | { outcome: "fill"; journalBatchNumber: string; lineCount: number }
  | { outcome: "dmf"; lineCount: number }
  | { outcome: "verify"; journalBatchNumber: string }
  | { outcome: "stop"; status: SettlementStatus };

/**
 * Checks the journal name and the periods, then finds the settlement's journal or creates it on hold. A journal
 * that is there and not posted is made ready to fill: lines that are not the settlement's (an earlier mapping, a
 * second copy, another amount) are deleted. A journal D365 posted before the app verified it is never filled: it
 * is complete (then it is verified as it is) or a conflict for a person.
 */
export async function prepareJournalStep(input: PrepareInput, deps: SettlementDeps): Promise<PrepareResult> {
  const loaded = await load(input.settlementId, deps);
  const { record, company } = loaded;
  if (isBooked(record.status)) return { outcome: "verify", journalBatchNumber: record.journalBatchNumber! };

  const setup = await journalNameProblems(company, input.journalName, deps);
  if (setup.length) return stop(deps, record, "needs-attention", setup);

  const original = await readLines(record.journalBlob!, deps);
  const periods = await checkPeriods(loaded, original, deps);
  if (periods.stop) return stop(deps, record, "needs-attention", [periods.stop]);
  const moved = periods.lines !== original;
  const postingBlob = moved ? `${safeKey(input.settlementId)}/${record.sha256}.posting.json` : undefined;
  if (postingBlob) await deps.blobs.put(SETTLEMENT_CONTAINER, postingBlob, Buffer.from(JSON.stringify(periods.lines)), "application/json");
  if (postingBlob !== record.postingBlob || periods.notes.length) {
    await patchRecord(deps, input.settlementId, {
      postingBlob,
      reasons: [...record.reasons.filter((r) => !/first day of open period/.test(r)), ...periods.notes],
    });
  }
  const lines = periods.lines;

  const found = await findJournals(loaded, deps);
  if (found.length > 1)
    return conflict(
      deps,
      record,
      duplicates(
        found.map((h) => h.journalBatchNumber),
        record.settlementId,
      ),
    );
  const header = found[0];
  if (!header) {
    if (input.afterDmf) {
      const dmf = record.dmf;
      return stop(deps, record, "failed", [
        `the DMF import ${dmf?.executionId ?? ""} ended ${dmf?.status ?? "?"} without a journal: ${(dmf?.errors ?? []).slice(0, 3).join("; ") || "no errors reported"}`,
      ]);
    }
    if (input.viaDmf && deps.journals.dmf) return { outcome: "dmf", lineCount: lines.length };
    const created = await deps.journals.createHeader(company, { journalName: input.journalName, description: loaded.held });
    await patchRecord(deps, input.settlementId, { journalBatchNumber: created.journalBatchNumber, journalName: input.journalName });
    deps.log.event("settlement.journal", {
      settlementId: input.settlementId,
      journalBatchNumber: created.journalBatchNumber,
      created: true,
    });
    return { outcome: "fill", journalBatchNumber: created.journalBatchNumber, lineCount: lines.length };
  }

  const jbn = header.journalBatchNumber;
  if (record.journalBatchNumber !== jbn) await patchRecord(deps, input.settlementId, { journalBatchNumber: jbn });
  const actual = await deps.journals.listLines(company, jbn);
  const comparison = compareLines(lines, actual);
  if (header.isPosted) {
    // Posted by D365 (a posting job or a person) before the app verified it: complete, or a conflict.
    if (comparison.problems.length === 0) return { outcome: "verify", journalBatchNumber: jbn };
    return conflict(deps, record, postedEarly(jbn, comparison, actual.length, lines.length));
  }
  if (header.description === loaded.released && comparison.problems.length === 0) return { outcome: "verify", journalBatchNumber: jbn };
  if (comparison.stale.length) {
    await deps.journals.deleteLines(
      company,
      jbn,
      comparison.stale.map((l) => l.lineNumber),
    );
    deps.log.event("settlement.staleLinesDeleted", {
      settlementId: input.settlementId,
      journalBatchNumber: jbn,
      lines: comparison.stale.length,
    });
  }
  if (header.description !== loaded.held) await deps.journals.setDescription(company, jbn, loaded.held);
  deps.log.event("settlement.journal", { settlementId: input.settlementId, journalBatchNumber: jbn, created: false });
  return { outcome: "fill", journalBatchNumber: jbn, lineCount: lines.length };
}

/** The settlement's journals in D365: by recorded number, else by description (held or released), else by lines' Document. */
async function findJournals(loaded: Loaded, deps: SettlementDeps): Promise<JournalHeaderInfo[]> {
  const { record, company } = loaded;
  const superseded = new Set(record.supersededJournals ?? []);
  if (record.journalBatchNumber && !superseded.has(record.journalBatchNumber)) {
    const h = await deps.journals.getHeader(company, record.journalBatchNumber);
    if (h) return [h];
  }
  const byDescription = (await deps.journals.findJournalsByDescription(company, [loaded.held, loaded.released])).filter(
    (h) => !superseded.has(h.journalBatchNumber),
  );
  if (byDescription.length) return byDescription;
  const numbers = await deps.journals.findJournalsByDocument(company, record.settlementId, [...superseded]);
  const headers = await Promise.all(numbers.map((n) => deps.journals.getHeader(company, n)));
  return headers.filter((h): h is JournalHeaderInfo => h !== undefined);
}

function duplicates(journals: string[], settlementId: string): SettlementConflict {
  return {
    kind: "duplicate-journals",
    journals,
    detail: `D365 has ${journals.length} journals for settlement ${settlementId}: ${journals.join(", ")}`,
    suggestion:
      "Keep one: delete the unposted copies in D365 (or reverse a posted one), then POST /api/settlements/{id}/resolve " +
      '{"action": "accept", "journalBatchNumber": "<the one kept>"} when it is complete, or {"action": "new-journal"} to have the app create it again.',
  };
}

function postedEarly(jbn: string, c: LineComparison, have: number, expected: number): SettlementConflict {
  return {
    kind: "posted-before-verified",
    journals: [jbn],
    detail:
      `journal ${jbn} was posted in D365 before the app had verified it: it has ${have} of the ${expected} lines ` +
      `(${c.problems.slice(0, 5).join("; ")}${c.problems.length > 5 ? "; ..." : ""}). The ledger holds part of the settlement.`,
    suggestion:
      `Reverse journal ${jbn}'s vouchers in D365 and call POST /api/settlements/{id}/resolve {"action": "new-journal"}: the app creates the whole ` +
      'journal again. Or book the missing lines by hand and call {"action": "accept"}. Check that the posting job selects only descriptions ' +
      'starting with "Amazon settlement" (docs/settlements.md).',
  };
}

async function stop(deps: SettlementDeps, record: SettlementRecord, status: SettlementStatus, reasons: string[]): Promise<PrepareResult> {
  await patchRecord(deps, record.settlementId, { status, reasons: [...new Set([...record.reasons, ...reasons])] });
  deps.log.event(status === "failed" ? "settlement.failed" : "settlement.needsAttention", {
    settlementId: record.settlementId,
    status,
    reasons,
  });
  return { outcome: "stop", status };
}

async function conflict(deps: SettlementDeps, record: SettlementRecord, c: SettlementConflict): Promise<PrepareResult> {
  await patchRecord(deps, record.settlementId, { status: "conflict", conflict: c, reasons: [...new Set([...record.reasons, c.detail])] });
  deps.log.log("error", "settlement.conflict", { settlementId: record.settlementId, kind: c.kind, journals: c.journals, detail: c.detail });
  deps.log.event("settlement.conflict", { settlementId: record.settlementId, kind: c.kind, journals: c.journals });
  return { outcome: "stop", status: "conflict" };
}

// ---------------------------------------------------------------------------------------------------------
// create lines

export interface CreateLinesInput {
  settlementId: string;
  journalBatchNumber: string;
  /** Lines [from, to) of the journal, by position: a slice of the work, not their identity. */
  from: number;
  to: number;
}

export type CreateLinesResult = { created: number; skipped: number; stopped?: SettlementStatus };

/**
 * Creates the lines [from, to) that the journal does not have yet, by key: a line D365 already has (from a run
 * that died after D365 took it) is not created again, whatever its line number. A line that gets a number
 * taken by another line gets the next free one.
 */
export async function createLinesStep(input: CreateLinesInput, deps: SettlementDeps): Promise<CreateLinesResult> {
  const loaded = await load(input.settlementId, deps);
  const { company } = loaded;
  const actual = await deps.journals.listLines(company, input.journalBatchNumber);
  const have = new Set(actual.map((l) => lineKey(l)));
  const used = new Set(actual.map((l) => l.lineNumber));
  let next = Math.max(loaded.lines.length, ...used, 0) + 1;
  const todo = loaded.lines
    .slice(input.from, input.to)
    .filter((l) => !have.has(l.key))
    .map((l) => {
      const lineNumber = used.has(l.lineNumber) ? next++ : l.lineNumber;
      used.add(lineNumber);
      return { ...l, lineNumber };
    });
  try {
    if (todo.length) await deps.journals.createLines(company, input.journalBatchNumber, todo);
  } catch (err) {
    const message = (err as Error).message;
    if (isAppError(err) && !err.retryable && POSTED_ANSWER.test(message)) {
      // D365 posted the journal between two batches: it lacks the lines this batch was to add.
      const header = await deps.journals.getHeader(company, input.journalBatchNumber);
      if (header?.isPosted) {
        const now = await deps.journals.listLines(company, input.journalBatchNumber);
        await conflict(
          deps,
          loaded.record,
          postedEarly(input.journalBatchNumber, compareLines(loaded.lines, now), now.length, loaded.lines.length),
        );
        return { created: 0, skipped: 0, stopped: "conflict" };
      }
    }
    if (isAppError(err) && !err.retryable && CLOSED_PERIOD_ANSWER.test(message)) {
      await stop(deps, loaded.record, "needs-attention", [
        `D365 refused a line in a closed ledger period: ${message}. Open the period, or set SETTLEMENT_CLOSED_PERIOD=next-open-period, then import again.`,
      ]);
      return { created: 0, skipped: 0, stopped: "needs-attention" };
    }
    throw err;
  }
  await updateSettlementRecord(deps.state, input.settlementId, (c) => ({
    ...c!,
    linesCreated: Math.max(c!.linesCreated ?? 0, input.to),
    updatedAt: deps.clock.now().toISOString(),
  }));
  return { created: todo.length, skipped: input.to - input.from - todo.length };
}

// ---------------------------------------------------------------------------------------------------------
// DMF: one package per journal, imported exactly once

export interface DmfSubmitInput {
  settlementId: string;
  journalName: string;
  definitionGroup: string;
}

export type DmfSubmitResult = { outcome: "poll"; executionId: string } | { outcome: "journal" };

/** How the execution id of a settlement's DMF import is made: deterministic per settlement, currency, file and attempt. */
export function dmfExecutionId(settlementId: string, currency: string, sha256: string, attempt: number): string {
  return `AMZ-${settlementId}-${currency}-${sha256.slice(0, 12)}-${attempt}`;
}

/**
 * Submits the journal as one DMF package, once. The execution id (dmfExecutionId) is recorded BEFORE
 * ImportFromPackage is called; a retry, a resumed orchestration or a re-import finds it and polls that
 * execution instead of importing again. A retry that does not know whether its call reached D365 (it died during
 * the call) calls again with the same execution id: D365 refuses a second execution with an id it has
 * (alreadySubmitted), so the package is imported once either way. A new execution id (the next attempt) is made
 * only after D365 said the previous one ended without creating a journal.
 */
export async function dmfSubmitStep(input: DmfSubmitInput, deps: SettlementDeps): Promise<DmfSubmitResult> {
  const dmf = deps.journals.dmf;
  if (!dmf) throw new InternalError("settlement.no-dmf", "the D365 adapter cannot import DMF packages");
  const loaded = await load(input.settlementId, deps);
  const { record, company } = loaded;
  const state = record.dmf;
  if (state && state.phase !== "finished") {
    if (state.phase === "prepared") await submitPrepared(loaded, input, deps);
    return { outcome: "poll", executionId: state.executionId };
  }
  if ((await findJournals(loaded, deps)).length) return { outcome: "journal" };

  const attempt = state ? state.attempt + 1 : 1;
  const executionId = dmfExecutionId(input.settlementId, record.currency ?? "", record.sha256 ?? "", attempt);
  const placeholder = await freePlaceholder(company, record.sha256 ?? executionId, deps);
  await patchRecord(deps, input.settlementId, {
    journalName: input.journalName,
    dmf: { executionId, attempt, placeholder, phase: "prepared", preparedAt: deps.clock.now().toISOString() },
  });
  await submitPrepared(await load(input.settlementId, deps), input, deps);
  return { outcome: "poll", executionId };
}

async function submitPrepared(loaded: Loaded, input: DmfSubmitInput, deps: SettlementDeps): Promise<void> {
  const state = loaded.record.dmf!;
  const result = await deps.journals.dmf!.submit({
    company: loaded.company,
    executionId: state.executionId,
    definitionGroup: input.definitionGroup,
    journalName: input.journalName,
    description: loaded.held,
    placeholder: state.placeholder,
    lines: loaded.lines,
  });
  await patchRecord(deps, loaded.record.settlementId, {
    dmf: { ...state, phase: "submitted", submittedAt: deps.clock.now().toISOString() },
  });
  deps.log.event("settlement.dmfSubmitted", {
    settlementId: loaded.record.settlementId,
    executionId: state.executionId,
    alreadySubmitted: result.alreadySubmitted,
  });
}

/**
 * JOURNALBATCHNUMBER of the package's rows. DMF groups the rows of one value into one journal and imports them
 * INTO an existing unposted journal whose number is that value (Microsoft's guidance for the General journal
 * entity): the placeholder must be no journal's number. "AMZ" and 7 characters of the file's hash fit the
 * 10-character journal number, never come out of a usual number sequence, and are checked against D365 first.
 */
async function freePlaceholder(company: string, seed: string, deps: SettlementDeps): Promise<string> {
  for (let i = 0; i + 7 <= seed.length; i += 7) {
    const candidate = `AMZ${seed.slice(i, i + 7).toUpperCase()}`;
    if (!(await deps.journals.getHeader(company, candidate))) return candidate;
  }
  throw new InternalError("settlement.dmf-placeholder", `every DMF placeholder journal number derived from ${seed} exists in ${company}`);
}

export interface DmfPollInput {
  settlementId: string;
}

export type DmfPollResult = { done: false; status: string } | { done: true; status: string; errors: string[] };

/** Polls the recorded execution; "not found" right after the call is pending ("Unknown"), never a reason to import again. */
export async function dmfPollStep(input: DmfPollInput, deps: SettlementDeps): Promise<DmfPollResult> {
  const dmf = deps.journals.dmf;
  if (!dmf) throw new InternalError("settlement.no-dmf", "the D365 adapter cannot import DMF packages");
  const record = await getSettlementRecord(deps.state, input.settlementId);
  const state = record?.dmf;
  if (!state) throw new NotFoundError("settlement.no-dmf-execution", `settlement ${input.settlementId} has no DMF execution`);
  if (state.phase === "finished") return { done: true, status: state.status ?? "Unknown", errors: state.errors ?? [] };
  const status = await dmf.status(state.executionId);
  if (status === "Unknown" || status === "NotRun" || status === "Executing") return { done: false, status };
  const errors = status === "Succeeded" ? [] : await dmf.errors(state.executionId);
  await patchRecord(deps, input.settlementId, { dmf: { ...state, phase: "finished", status, errors: errors.slice(0, 20) } });
  deps.log.event("settlement.dmfFinished", {
    settlementId: input.settlementId,
    executionId: state.executionId,
    status,
    errors: errors.length,
  });
  return { done: true, status, errors };
}

/** A DMF execution that does not end: the settlement waits for a person, and a re-import polls the same execution. */
export async function dmfTimedOutStep(input: DmfPollInput & { waitedMs: number }, deps: SettlementDeps): Promise<void> {
  const record = await getSettlementRecord(deps.state, input.settlementId);
  if (!record) return;
  await stop(deps, record, "needs-attention", [
    `the DMF import ${record.dmf?.executionId} has not ended after ${Math.round(input.waitedMs / 60_000)} minutes: check Data management › ` +
      `Job history in D365; importing the settlement again polls the same execution (it is never imported twice)`,
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// verify and release

export interface VerifyInput {
  settlementId: string;
  journalBatchNumber: string;
}

/**
 * Reads the journal back and compares it line by line with the lines it must have (by key: account and
 * dimensions, date, text, amounts), checks that no other journal carries the settlement (by description or by
 * its lines' Document), and only then releases it to the posting job (renames it from its hold description) and
 * records it as created. A journal D365 posted meanwhile is recorded as posted when it is complete, a conflict
 * when it is not; a second journal of the settlement is a conflict with an alert, never ignored.
 */
export async function verifyStep(input: VerifyInput, deps: SettlementDeps): Promise<SettlementRecord> {
  const loaded = await load(input.settlementId, deps);
  const { record, company, lines } = loaded;
  const jbn = input.journalBatchNumber;
  const digits = record.minorUnit ?? 2;
  const header = await deps.journals.getHeader(company, jbn);
  if (!header) {
    return finish(deps, record, "failed", [`journal ${jbn} is no longer in D365 (deleted?): import the settlement again`], {});
  }
  const actual = await deps.journals.listLines(company, jbn);
  const comparison = compareLines(lines, actual);
  const debit = actual.reduce((s, l) => s.plus(amount(l.debit)), new Dec(0));
  const credit = actual.reduce((s, l) => s.plus(amount(l.credit)), new Dec(0));
  const totals = {
    journalBatchNumber: jbn,
    linesCreated: actual.length,
    totalDebit: toMoneyString(debit, digits),
    totalCredit: toMoneyString(credit, digits),
  };
  const problems = [...comparison.problems];
  if (!debit.eq(credit)) problems.push(`D365 journal does not balance: debit ${totals.totalDebit}, credit ${totals.totalCredit}`);

  const superseded = record.supersededJournals ?? [];
  const others = new Set(
    (await deps.journals.findJournalsByDescription(company, [loaded.held, loaded.released]))
      .map((h) => h.journalBatchNumber)
      .filter((n) => n !== jbn && !superseded.includes(n)),
  );
  for (const n of await deps.journals.findJournalsByDocument(company, record.settlementId, [jbn, ...superseded])) others.add(n);
  if (others.size) {
    const c = duplicates([jbn, ...others], record.settlementId);
    deps.log.log("error", "settlement.duplicateJournal", { settlementId: record.settlementId, journals: c.journals, alert: true });
    deps.log.event("settlement.duplicateJournal", { settlementId: record.settlementId, journals: c.journals });
    await conflict(deps, record, c);
    return (await getSettlementRecord(deps.state, record.settlementId))!;
  }

  if (header.isPosted) {
    if (problems.length) {
      await conflict(deps, record, postedEarly(jbn, comparison, actual.length, lines.length));
      return (await getSettlementRecord(deps.state, record.settlementId))!;
    }
    const note = header.description === loaded.released ? [] : ["D365 posted the journal before the app released it; it is complete"];
    return finish(deps, record, "posted", note, { ...totals, postedAt: deps.clock.now().toISOString() });
  }
  if (problems.length) return finish(deps, record, "failed", problems, totals);
  if (header.description !== loaded.released) await deps.journals.setDescription(company, jbn, loaded.released);
  return finish(deps, record, "created", [], { ...totals, verifiedAt: deps.clock.now().toISOString() });
}

async function finish(
  deps: SettlementDeps,
  record: SettlementRecord,
  status: SettlementStatus,
  reasons: string[],
  patch: Partial<SettlementRecord>,
): Promise<SettlementRecord> {
  const next = await patchRecord(deps, record.settlementId, {
    ...patch,
    status,
    conflict: undefined,
    reasons:
      status === "failed" ? reasons : [...new Set([...record.reasons.filter((r) => !/^D365 |^line |^missing: /.test(r)), ...reasons])],
  });
  deps.log.event(status === "failed" ? "settlement.verifyFailed" : status === "posted" ? "settlement.posted" : "settlement.created", {
    settlementId: record.settlementId,
    journalBatchNumber: patch.journalBatchNumber,
    lines: patch.linesCreated,
  });
  return next;
}

// ---------------------------------------------------------------------------------------------------------
// After the import: posted in D365? conflicts resolved by a person

/**
 * Reads IsPosted back for created settlements (at most `max`, newest first) and records those D365 has posted.
 * The app never posts; this tells finance which journals the posting job (or a person) has posted.
 */
export async function refreshPostedStatus(deps: SettlementDeps, records: SettlementRecord[], max = 50): Promise<string[]> {
  const posted: string[] = [];
  for (const r of records.filter((x) => x.status === "created" && x.journalBatchNumber).slice(0, max)) {
    const company = r.company ?? deps.defaultCompany;
    if (!company) continue;
    const header = await deps.journals.getHeader(company, r.journalBatchNumber!);
    if (!header?.isPosted) continue;
    await updateSettlementRecord(deps.state, r.settlementId, (c) =>
      c?.status === "created"
        ? { ...c, status: "posted", postedAt: deps.clock.now().toISOString(), updatedAt: deps.clock.now().toISOString() }
        : c!,
    );
    posted.push(r.settlementId);
  }
  if (posted.length) deps.log.event("settlement.postedInD365", { settlementIds: posted });
  return posted;
}

export type ResolveAction = "new-journal" | "accept";

/**
 * A person's decision on a conflict. new-journal: the conflicting journals are set aside (reversed or deleted in
 * D365 by the person) and the app creates the whole journal again; accept: the journal named (or the only one)
 * is right as it is in D365 (completed by hand), and the settlement is booked with it.
 */
export async function resolveConflict(
  settlementId: string,
  action: ResolveAction,
  options: { journalBatchNumber?: string; resolvedBy?: string },
  deps: SettlementDeps,
): Promise<SettlementRecord> {
  const record = await getSettlementRecord(deps.state, settlementId);
  if (!record) throw new NotFoundError("settlement.not-found", `no settlement ${settlementId}`);
  if (record.status !== "conflict" || !record.conflict)
    throw new ConflictError("settlement.no-conflict", `settlement ${settlementId} is ${record.status}, not in conflict`);
  const journals = record.conflict.journals;
  const by = options.resolvedBy ?? "api";
  const now = deps.clock.now().toISOString();
  if (action === "new-journal") {
    return updateSettlementRecord(deps.state, settlementId, (c) => ({
      ...c!,
      status: "pending",
      supersededJournals: [...new Set([...(c!.supersededJournals ?? []), ...journals])],
      journalBatchNumber: undefined,
      dmf: undefined,
      conflict: undefined,
      resolvedBy: by,
      reasons: [...c!.reasons, `${by} set journal(s) ${journals.join(", ")} aside; the app creates the journal again`],
      updatedAt: now,
    }));
  }
  const kept = options.journalBatchNumber ?? (journals.length === 1 ? journals[0] : undefined);
  if (!kept || !journals.includes(kept)) {
    throw new ValidationError(
      "settlement.resolve-journal",
      `name the journal to keep: "journalBatchNumber" is one of ${journals.join(", ")}`,
      { where: "journalBatchNumber" },
    );
  }
  const header = await deps.journals.getHeader(record.company ?? deps.defaultCompany ?? "", kept);
  return updateSettlementRecord(deps.state, settlementId, (c) => ({
    ...c!,
    status: header?.isPosted ? "posted" : "created",
    ...(header?.isPosted ? { postedAt: now } : { verifiedAt: now }),
    journalBatchNumber: kept,
    supersededJournals: [...new Set([...(c!.supersededJournals ?? []), ...journals.filter((j) => j !== kept)])],
    conflict: undefined,
    resolvedBy: by,
    reasons: [...c!.reasons, `${by} accepted journal ${kept} as it is in D365`],
    updatedAt: now,
  }));
}

/** Approval is only meaningful while the settlement waits for it. */
/**
 * Approves a settlement that waits for it: the record says running before the approval event is raised, so
 * its status URL, polled right after (Power Automate's async pattern), answers 202 until the journal is done
 * instead of 200 with awaiting-approval. If the event cannot be raised, the record waits again.
 */
export async function approveSettlement(
  settlementId: string,
  approvedBy: string,
  raise: (instanceId: string) => Promise<void>,
  deps: Pick<SettlementDeps, "state" | "clock">,
): Promise<SettlementRecord> {
  const record = await assertAwaitingApproval(settlementId, deps);
  const mark = (status: SettlementRecord["status"]) =>
    updateSettlementRecord(deps.state, settlementId, (c) => ({ ...c!, status, approvedBy, updatedAt: deps.clock.now().toISOString() }));
  await mark("running");
  try {
    await raise(record.instanceId);
  } catch (err) {
    await mark("awaiting-approval");
    throw err;
  }
  return record;
}

export async function assertAwaitingApproval(settlementId: string, deps: Pick<SettlementDeps, "state">): Promise<SettlementRecord> {
  const record = await getSettlementRecord(deps.state, settlementId);
  if (!record) throw new NotFoundError("settlement.not-found", `no settlement ${settlementId}`);
  if (record.status !== "awaiting-approval")
    throw new ConflictError("settlement.not-awaiting-approval", `settlement ${settlementId} is ${record.status}, not awaiting approval`);
  return record;
}
