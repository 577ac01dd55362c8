/**
 * The settlement import, step by step (the steps are in docs/settlements.md): keep the file, analyze it,
 * create the journal header and its lines, verify. Each step is an idempotent activity of the durable
 * orchestration (orchestration.ts): running one twice, or after a crash, gives the same result and never
 * creates a second journal or a duplicate line.
 */
import { createHash } from "node:crypto";
import { ConflictError, InternalError, NotFoundError, UnavailableError, ValidationError } from "../../platform/errors";
import { Dec, sum, toMoneyString } from "../../platform/money";
import { safeKey } from "../../platform/state-keys";
import { analyzeSettlement, previewDocument } from "./analyze";
import type { JournalLine } from "./journal";
import { bytesSource, readSettlementSummary, type ByteSource } from "./parser";
import type { SettlementDeps } from "./ports";
import {
  getSettlementRecord,
  instanceIdFor,
  settlementHistory,
  updateSettlementRecord,
  type SettlementRecord,
  type SettlementStatus,
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
 * settlement flat file V2 is refused here with the parser's explanation, before anything starts.
 */
export async function storeSettlementFile(
  content: Uint8Array,
  deps: Pick<SettlementDeps, "blobs">,
  reportId?: string,
): Promise<StoredSettlementFile> {
  const { summary, fatal } = await readSettlementSummary(bytesSource(content));
  if (!summary) throw new ValidationError(fatal?.code ?? "settlement.unreadable", fatal?.message ?? "not a settlement flat file V2");
  const sha256 = createHash("sha256").update(content).digest("hex");
  const blobName = `${safeKey(summary.settlementId)}/${sha256}.txt`;
  if (!(await deps.blobs.exists(SETTLEMENT_CONTAINER, blobName)))
    await deps.blobs.put(SETTLEMENT_CONTAINER, blobName, content, "text/tab-separated-values");
  return { settlementId: summary.settlementId, blobName, sha256, reportId, bytes: content.length };
}

/** The stored file, streamed from blob storage on every read (never whole in memory). */
function storedFile(blobs: SettlementDeps["blobs"], blobName: string): ByteSource {
  return async function* () {
    const body = await blobs.stream(SETTLEMENT_CONTAINER, blobName);
    if (!body) throw new NotFoundError("settlement.blob-missing", `the stored settlement file ${blobName} is missing`);
    yield* body;
  };
}

/** Downloads a report just in time and keeps it. */
export async function fetchSettlementReport(
  reportId: string,
  deps: Pick<SettlementDeps, "blobs" | "reports">,
): Promise<StoredSettlementFile> {
  if (!deps.reports) throw new InternalError("settlement.no-reports", "no SP-API reports adapter configured");
  const content = await deps.reports.downloadReport(reportId);
  return storeSettlementFile(content, deps, reportId);
}

/** Creates or resets the record to "pending" for a new run (keeps what a posted settlement has). */
export async function registerSettlementRun(
  file: StoredSettlementFile,
  deps: Pick<SettlementDeps, "state" | "clock">,
): Promise<SettlementRecord> {
  const now = deps.clock.now().toISOString();
  return updateSettlementRecord(deps.state, file.settlementId, (current) => {
    if (current?.status === "posted") return current;
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
  /** The settlement was posted before (a second import): nothing to do. */
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
  if (existing?.status === "posted") {
    return {
      status: "posted",
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
    startDate: doc.startDate ?? undefined,
    endDate: doc.endDate ?? undefined,
    depositDate: doc.depositDate ?? undefined,
    totalAmount: doc.totalAmount ?? undefined,
    sumOfAmounts: doc.sumOfAmounts,
    rowCount: doc.rowCount,
    reconciled: doc.reconciled,
    journalBlob,
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
    metrics: analysis.metrics,
    updatedAt: now,
  }));
  deps.log.event("settlement.analyzed", {
    settlementId: input.settlementId,
    status,
    rows: doc.rowCount,
    lines: lines.length,
    anomalies: doc.anomalies.length,
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
    if (current.status === "posted") return current;
    return {
      ...current,
      status: input.status,
      approvedBy: input.approvedBy ?? current.approvedBy,
      reasons: input.reason ? [...current.reasons, input.reason] : current.reasons,
      updatedAt: now,
    };
  });
}

/**
 * Finds the settlement's journal (by its record, else by its description in D365, which covers a crash
 * between creating the header and recording it) or creates it. Never creates a second one.
 */
export interface EnsureJournalInput {
  settlementId: string;
  journalName: string;
}

export async function ensureJournalStep(
  input: EnsureJournalInput,
  deps: SettlementDeps,
): Promise<{ journalBatchNumber: string; created: boolean }> {
  const record = await getSettlementRecord(deps.state, input.settlementId);
  if (!record?.journalDescription)
    throw new NotFoundError("settlement.not-analyzed", `settlement ${input.settlementId} has no journal to create`);
  let header = record.journalBatchNumber ? await deps.journals.getHeader(record.journalBatchNumber) : undefined;
  let created = false;
  if (!header) {
    const found = await deps.journals.findJournalByDescription(record.journalDescription);
    header = found.find((h) => !h.isPosted) ?? found[0];
  }
  if (!header) {
    header = await deps.journals.createHeader({ journalName: input.journalName, description: record.journalDescription });
    created = true;
  }
  const jbn = header.journalBatchNumber;
  await updateSettlementRecord(deps.state, input.settlementId, (c) => ({
    ...c!,
    journalBatchNumber: jbn,
    updatedAt: deps.clock.now().toISOString(),
  }));
  deps.log.event("settlement.journal", { settlementId: input.settlementId, journalBatchNumber: jbn, created });
  return { journalBatchNumber: jbn, created };
}

async function journalLines(settlementId: string, deps: SettlementDeps): Promise<{ record: SettlementRecord; lines: JournalLine[] }> {
  const record = await getSettlementRecord(deps.state, settlementId);
  if (!record?.journalBlob) throw new NotFoundError("settlement.not-analyzed", `settlement ${settlementId} has no journal lines`);
  const raw = await deps.blobs.get(SETTLEMENT_CONTAINER, record.journalBlob);
  if (!raw) throw new NotFoundError("settlement.blob-missing", `the journal lines ${record.journalBlob} are missing`);
  return { record, lines: JSON.parse(Buffer.from(raw).toString("utf8")) as JournalLine[] };
}

/**
 * Large journals: one DMF package creates the journal and all its lines (DMF is exempt from D365's
 * service-protection limits). Idempotent: a journal with the settlement's description is never imported
 * twice; lines a partially succeeded import left out are then created through OData (skipping existing ones).
 */
export interface DmfImportInput {
  settlementId: string;
  journalName: string;
  definitionGroup: string;
}

export async function dmfImportStep(
  input: DmfImportInput,
  deps: SettlementDeps,
): Promise<{ journalBatchNumber: string; imported: boolean; filled: number }> {
  const { record, lines } = await journalLines(input.settlementId, deps);
  const description = record.journalDescription!;
  let found = await deps.journals.findJournalByDescription(description);
  let imported = false;
  if (!found.length) {
    if (!deps.journals.importJournalViaDmf) throw new InternalError("settlement.no-dmf", "the D365 adapter cannot import DMF packages");
    const result = await deps.journals.importJournalViaDmf({
      journalName: input.journalName,
      description,
      definitionGroup: input.definitionGroup,
      lines,
    });
    deps.log.event("settlement.dmfImport", { settlementId: input.settlementId, status: result.status, errors: result.errors.length });
    imported = true;
    found = await deps.journals.findJournalByDescription(description);
    if (!found.length) {
      throw new UnavailableError(
        "settlement.dmf-failed",
        `DMF import of ${description} ended ${result.status} without a journal: ${result.errors.slice(0, 3).join("; ")}`,
      );
    }
  }
  const jbn = (found.find((h) => !h.isPosted) ?? found[0]!).journalBatchNumber;
  const fill = await deps.journals.createLines(jbn, lines);
  await updateSettlementRecord(deps.state, input.settlementId, (c) => ({
    ...c!,
    journalBatchNumber: jbn,
    updatedAt: deps.clock.now().toISOString(),
  }));
  return { journalBatchNumber: jbn, imported, filled: fill.created };
}

/** Creates lines [from, to) (by position); lines already in D365 (same LineNumber) are skipped. */
export interface CreateLinesInput {
  settlementId: string;
  journalBatchNumber: string;
  /** Lines [from, to), by position. */
  from: number;
  to: number;
}

export async function createLinesStep(input: CreateLinesInput, deps: SettlementDeps): Promise<{ created: number; skipped: number }> {
  const { lines } = await journalLines(input.settlementId, deps);
  const result = await deps.journals.createLines(input.journalBatchNumber, lines.slice(input.from, input.to));
  await updateSettlementRecord(deps.state, input.settlementId, (c) => ({
    ...c!,
    linesCreated: Math.max(c!.linesCreated ?? 0, input.to),
    updatedAt: deps.clock.now().toISOString(),
  }));
  return result;
}

/** Reads the journal back: every expected line once, totals equal, debit = credit. Records posted or failed. */
export interface VerifyInput {
  settlementId: string;
  journalBatchNumber: string;
}

export async function verifyStep(input: VerifyInput, deps: SettlementDeps): Promise<SettlementRecord> {
  const { lines } = await journalLines(input.settlementId, deps);
  const actual = await deps.journals.listLines(input.journalBatchNumber);
  const problems: string[] = [];
  const byNumber = new Map<number, number>();
  for (const l of actual) byNumber.set(l.lineNumber, (byNumber.get(l.lineNumber) ?? 0) + 1);
  const duplicates = [...byNumber].filter(([, n]) => n > 1).map(([k]) => k);
  if (duplicates.length) problems.push(`duplicate line numbers in D365: ${duplicates.join(", ")}`);
  const missing = lines.filter((l) => !byNumber.has(l.lineNumber)).map((l) => l.lineNumber);
  if (missing.length) problems.push(`lines missing in D365: ${missing.join(", ")}`);
  if (actual.length !== lines.length) problems.push(`D365 has ${actual.length} lines, expected ${lines.length}`);
  const debit = sum(actual.map((l) => new Dec(l.debit)));
  const credit = sum(actual.map((l) => new Dec(l.credit)));
  const expectedDebit = sum(lines.map((l) => new Dec(l.debit)));
  if (!debit.eq(expectedDebit)) problems.push(`D365 debit total ${toMoneyString(debit)} differs from ${toMoneyString(expectedDebit)}`);
  if (!debit.eq(credit)) problems.push(`D365 journal does not balance: debit ${toMoneyString(debit)}, credit ${toMoneyString(credit)}`);
  const now = deps.clock.now().toISOString();
  const record = await updateSettlementRecord(deps.state, input.settlementId, (c) => ({
    ...c!,
    status: problems.length ? "failed" : "posted",
    journalBatchNumber: input.journalBatchNumber,
    linesCreated: actual.length,
    totalDebit: toMoneyString(debit),
    totalCredit: toMoneyString(credit),
    reasons: problems.length ? problems : c!.reasons,
    updatedAt: now,
  }));
  deps.log.event(problems.length ? "settlement.verifyFailed" : "settlement.posted", {
    settlementId: input.settlementId,
    journalBatchNumber: input.journalBatchNumber,
    lines: actual.length,
  });
  return record;
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
