/**
 * Settlement records in the StateStore (table "settlements", one row per settlement id): what
 * GET /api/settlements shows, what the orchestration resumes from, and the history anomalies are judged
 * against. Report ids seen by the poller and the notification router are kept in "settlementreports" with
 * what became of them, so each report starts one import and none is lost (see SeenReport).
 */
import { randomUUID } from "node:crypto";
import { ConflictError } from "../../platform/errors";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey, unsafeKey } from "../../platform/state-keys";
import type { Anomaly, MetricsSnapshot } from "./anomalies";

export const SETTLEMENTS_TABLE = "settlements";
export const SETTLEMENT_REPORTS_TABLE = "settlementreports";
const PK = "settlement";

/**
 * pending, running: the import is under way. needs-mapping: a combination has no rule. awaiting-approval: finance
 * approves first. created: the journal is complete, verified line by line and released to the posting job (the app
 * never posts). posted: D365 says the journal is posted (read back from IsPosted). needs-attention: something a
 * person must fix in D365 first (a closed ledger period, the journal name's set-up, a DMF import that does not end).
 * conflict: D365 has a journal for the settlement that the app cannot complete (posted before it was verified, or
 * two journals): a person decides (POST /api/settlements/{id}/resolve). failed: the file or D365 refused it.
 */
export const SETTLEMENT_STATUSES = [
  "pending",
  "running",
  "needs-mapping",
  "awaiting-approval",
  "created",
  "posted",
  "needs-attention",
  "conflict",
  "failed",
] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/** Statuses at which the settlement's journal is in D365 complete and verified: nothing more to import. */
export function isBooked(status: SettlementStatus | undefined): boolean {
  return status === "created" || status === "posted";
}

/** Where the DMF import of a large journal stands (one execution id per settlement, currency, file and attempt). */
export interface DmfState {
  executionId: string;
  /** Counts imports that ended without a journal (Failed): a re-import submits the next one. */
  attempt: number;
  /** JOURNALBATCHNUMBER of the package's rows: checked to be no journal's number before the first call. */
  placeholder: string;
  /** prepared: recorded before ImportFromPackage; submitted: D365 answered; finished: it ended (see status). */
  phase: "prepared" | "submitted" | "finished";
  status?: string;
  preparedAt: string;
  submittedAt?: string;
  errors?: string[];
}

/** A journal the app found in D365 for the settlement and cannot complete: a person decides. */
export interface SettlementConflict {
  kind: "posted-before-verified" | "duplicate-journals";
  journals: string[];
  detail: string;
  suggestion: string;
}

export interface SettlementRecord {
  settlementId: string;
  status: SettlementStatus;
  instanceId: string;
  reportId?: string;
  blobName?: string;
  sha256?: string;
  currency?: string;
  startDate?: string;
  endDate?: string;
  depositDate?: string;
  totalAmount?: string;
  sumOfAmounts?: string;
  rowCount?: number;
  reconciled?: boolean;
  /** Digits of the currency's minor unit (amounts are printed with them). */
  minorUnit?: number;
  marketplace?: string;
  /** The legal entity (dataAreaId) the journal is created in. */
  company?: string;
  /** The time zone the month-end split used. */
  timeZone?: string;
  /** Blob with the journal lines to create (JSON), written by the analysis. */
  journalBlob?: string;
  /** The lines as written to D365 when a closed ledger period moved some (else journalBlob's). */
  postingBlob?: string;
  journalDescription?: string;
  journalName?: string;
  lineCount?: number;
  /**
   * D365's number of the settlement's journal, recorded as soon as D365 gave it: the key the app finds the journal
   * by (users can edit its description, not its number).
   */
  journalBatchNumber?: string;
  linesCreated?: number;
  totalDebit?: string;
  totalCredit?: string;
  /** When the journal was verified and released to the posting job (status created). */
  verifiedAt?: string;
  /** When the app read IsPosted = Yes back from D365 (status posted). */
  postedAt?: string;
  dmf?: DmfState;
  conflict?: SettlementConflict;
  /** Journals a person set aside (POST .../resolve new-journal): never filled, never counted as duplicates. */
  supersededJournals?: string[];
  resolvedBy?: string;
  anomalies: Anomaly[];
  unmapped: { combination: string; total: string; rowCount: number; suggestedRule?: unknown }[];
  reasons: string[];
  metrics?: MetricsSnapshot;
  approvedBy?: string;
  createdAt: string;
  updatedAt: string;
}

const JSON_FIELDS = ["anomalies", "unmapped", "reasons", "metrics", "dmf", "conflict", "supersededJournals"] as const;

function toEntity(r: SettlementRecord): StateEntity {
  const e: StateEntity = { partitionKey: PK, rowKey: safeKey(r.settlementId) };
  for (const [k, v] of Object.entries(r)) {
    if (v === undefined) continue;
    e[k] = (JSON_FIELDS as readonly string[]).includes(k) ? JSON.stringify(v) : (v as string | number | boolean);
  }
  return e;
}

function fromEntity(e: StateEntity): SettlementRecord {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === "partitionKey" || k === "rowKey" || k === "timestamp" || k === "etag" || v === null || v === undefined) continue;
    out[k] = (JSON_FIELDS as readonly string[]).includes(k) && typeof v === "string" ? JSON.parse(v) : v;
  }
  // Records written before the app said "created" used "posted" for a created journal: only a record with
  // postedAt has read IsPosted back.
  if (out.status === "posted" && !out.postedAt) out.status = "created";
  return { anomalies: [], unmapped: [], reasons: [], ...out } as unknown as SettlementRecord;
}

export async function getSettlementRecord(state: StateStore, settlementId: string): Promise<SettlementRecord | undefined> {
  const s = await state.get(SETTLEMENTS_TABLE, PK, safeKey(settlementId));
  return s ? fromEntity(s.entity) : undefined;
}

/** Read-modify-write with the etag; retries a lost race a few times. */
export async function updateSettlementRecord(
  state: StateStore,
  settlementId: string,
  change: (current: SettlementRecord | undefined) => SettlementRecord,
): Promise<SettlementRecord> {
  for (let attempt = 0; ; attempt++) {
    const stored = await state.get(SETTLEMENTS_TABLE, PK, safeKey(settlementId));
    const next = change(stored ? fromEntity(stored.entity) : undefined);
    try {
      if (stored) await state.replace(SETTLEMENTS_TABLE, toEntity(next), stored.etag);
      else await state.insert(SETTLEMENTS_TABLE, toEntity(next));
      return next;
    } catch (err) {
      const retry = (err as { kind?: string }).kind === "concurrency" || err instanceof ConflictError;
      if (!retry || attempt >= 4) throw err;
    }
  }
}

export async function listSettlementRecords(state: StateStore): Promise<SettlementRecord[]> {
  const out: SettlementRecord[] = [];
  for await (const s of state.query(SETTLEMENTS_TABLE, { partitionKey: PK })) out.push(fromEntity(s.entity));
  return out.sort((a, b) => (b.endDate ?? b.createdAt).localeCompare(a.endDate ?? a.createdAt));
}

/** Metrics of the most recent booked settlements in a currency: the anomaly history. */
export async function settlementHistory(state: StateStore, currency: string, exceptId: string, max = 6): Promise<MetricsSnapshot[]> {
  const all = await listSettlementRecords(state);
  return all
    .filter((r) => isBooked(r.status) && r.currency === currency && r.settlementId !== exceptId && r.metrics)
    .slice(0, max)
    .map((r) => r.metrics!);
}

/**
 * One row per settlement report id in "settlementreports": the report was claimed for its import at `seenAt`
 * (by the poller, the REPORT_PROCESSING_FINISHED router or POST /api/settlements/import), and `startedAt` /
 * `settlementId` / `instanceId` record that its import was started (or found running or booked). While an attempt
 * downloads and starts it, it writes `heartbeatAt` every REPORT_HEARTBEAT_MS; a claim whose heartbeat is older than
 * REPORT_CLAIM_STALE_MS belongs to an attempt that died, and the next poll takes it over. An attempt that fails
 * gives its claim up and leaves `lastError`: the report is listed with it (GET /api/settlements, /api/status)
 * and the next poll tries it again.
 */
export interface SeenReport {
  reportId: string;
  seenAt: string;
  /** Token of the attempt that holds the claim; a later attempt that takes a stale claim over writes its own. */
  claim?: string;
  /** Last sign of life of the attempt that holds the claim. */
  heartbeatAt?: string;
  attempts: number;
  settlementId?: string;
  instanceId?: string;
  startedAt?: string;
  /** What the attempt found: it started the orchestration, or the settlement was running or booked already. */
  outcome?: "started" | "running" | "posted";
  /** Why the last attempt could not download or start it (it is tried again by the next poll). */
  lastError?: string;
  failedAt?: string;
}

const REPORT_PK = "report";

function seenReportFrom(e: StateEntity): SeenReport {
  const str = (k: string) => (typeof e[k] === "string" && e[k] !== "" ? (e[k] as string) : undefined);
  return {
    reportId: str("reportId") ?? unsafeKey(e.rowKey),
    seenAt: str("seenAt") ?? new Date(0).toISOString(),
    claim: str("claim"),
    heartbeatAt: str("heartbeatAt"),
    attempts: typeof e.attempts === "number" ? e.attempts : 1,
    settlementId: str("settlementId"),
    instanceId: str("instanceId"),
    startedAt: str("startedAt"),
    outcome: str("outcome") as SeenReport["outcome"],
    lastError: str("lastError"),
    failedAt: str("failedAt"),
  };
}

function seenReportEntity(r: SeenReport): StateEntity {
  const e: StateEntity = { partitionKey: REPORT_PK, rowKey: safeKey(r.reportId) };
  for (const [k, v] of Object.entries(r)) if (v !== undefined) e[k] = v as string | number;
  return e;
}

export async function getSeenReport(state: StateStore, reportId: string): Promise<SeenReport | undefined> {
  const s = await state.get(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId));
  return s ? seenReportFrom(s.entity) : undefined;
}

/**
 * True when the report may be claimed now: not started, and its claim is stale (the attempt died: no heartbeat
 * for `staleAfterMs`) or was given up by an attempt that failed.
 */
function claimable(r: SeenReport, at: Date, staleAfterMs: number): boolean {
  if (r.startedAt) return false;
  if (!r.claim) return r.failedAt !== undefined;
  // Rows written before starts were recorded have no claim token: their outcome is unknown and they are
  // left alone (retrying them all would restart every finished needs-mapping or failed import).
  return at.getTime() - Date.parse(r.heartbeatAt ?? r.seenAt) >= staleAfterMs;
}

/**
 * Claims a report id for its import and returns the claim token; undefined when the report was seen before
 * and its claim still stands (started, or an attempt holds it and is alive). A claim that was given up after a
 * failure, or whose holder stopped beating, is taken over here (etag-guarded: of several pollers, one wins).
 */
export async function claimReport(state: StateStore, reportId: string, at: Date, staleAfterMs: number): Promise<string | undefined> {
  const claim = randomUUID();
  const now = at.toISOString();
  try {
    await state.insert(SETTLEMENT_REPORTS_TABLE, seenReportEntity({ reportId, seenAt: now, claim, heartbeatAt: now, attempts: 1 }));
    return claim;
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  const stored = await state.get(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId));
  if (!stored) return undefined;
  const current = seenReportFrom(stored.entity);
  if (!claimable(current, at, staleAfterMs)) return undefined;
  try {
    await state.replace(
      SETTLEMENT_REPORTS_TABLE,
      seenReportEntity({ ...current, seenAt: now, claim, heartbeatAt: now, attempts: current.attempts + 1 }),
      stored.etag,
    );
    return claim;
  } catch (err) {
    if ((err as { kind?: string }).kind === "concurrency" || err instanceof ConflictError) return undefined;
    throw err;
  }
}

/** Changes the report's row while the attempt with this claim still holds it; false when it lost the claim. */
async function whileClaimed(state: StateStore, reportId: string, claim: string, change: (r: SeenReport) => SeenReport): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const stored = await state.get(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId));
    if (!stored) return false;
    const current = seenReportFrom(stored.entity);
    if (current.claim !== claim || current.startedAt) return false;
    try {
      await state.replace(SETTLEMENT_REPORTS_TABLE, seenReportEntity(change(current)), stored.etag);
      return true;
    } catch (err) {
      const retry = (err as { kind?: string }).kind === "concurrency" || err instanceof ConflictError;
      if (!retry || attempt >= 4) throw err;
    }
  }
}

/** The claim holder's sign of life; false when its claim was taken over (it should stop). */
export async function heartbeatReport(state: StateStore, reportId: string, claim: string, at: Date): Promise<boolean> {
  return whileClaimed(state, reportId, claim, (r) => ({ ...r, heartbeatAt: at.toISOString() }));
}

/** Whether the attempt with this claim token still holds the report's claim (nobody took it over, not started). */
export async function holdsReportClaim(state: StateStore, reportId: string, claim: string): Promise<boolean> {
  const r = await getSeenReport(state, reportId);
  return !!r && r.claim === claim && !r.startedAt;
}

/** Records on the report's row that its import was started (or found running or booked): it is never retried. */
export async function recordReportStarted(
  state: StateStore,
  reportId: string,
  started: { settlementId: string; instanceId: string; outcome: NonNullable<SeenReport["outcome"]> },
  at: Date,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const stored = await state.get(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId));
    const current = stored ? seenReportFrom(stored.entity) : { reportId, seenAt: at.toISOString(), attempts: 1 };
    if (current.startedAt) return;
    const next = seenReportEntity({ ...current, ...started, startedAt: at.toISOString(), lastError: undefined, failedAt: undefined });
    try {
      if (stored) await state.replace(SETTLEMENT_REPORTS_TABLE, next, stored.etag);
      else await state.insert(SETTLEMENT_REPORTS_TABLE, next);
      return;
    } catch (err) {
      const retry = (err as { kind?: string }).kind === "concurrency" || err instanceof ConflictError;
      if (!retry || attempt >= 4) throw err;
    }
  }
}

/**
 * An attempt that could not download or start the report gives its claim up and leaves the reason: the report is
 * listed with it and claimed again by the next poll. Only while that claim still holds: a stalled attempt never
 * touches the claim of the attempt that took over, nor a recorded start.
 */
export async function recordReportFailure(state: StateStore, reportId: string, claim: string, error: string, at: Date): Promise<void> {
  await whileClaimed(state, reportId, claim, (r) => ({
    ...r,
    claim: undefined,
    heartbeatAt: undefined,
    lastError: error.slice(0, 500),
    failedAt: at.toISOString(),
  }));
}

/** Forgets a report id (the next poll or notification claims it afresh). */
export async function forgetReport(state: StateStore, reportId: string): Promise<void> {
  return state.delete(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId));
}

/** Report ids the poll should try now: claims given up after a failure, and claims whose holder stopped beating. */
export async function unstartedReports(state: StateStore, at: Date, staleAfterMs: number): Promise<string[]> {
  const out: string[] = [];
  for await (const s of state.query(SETTLEMENT_REPORTS_TABLE, { partitionKey: REPORT_PK })) {
    const r = seenReportFrom(s.entity);
    if (claimable(r, at, staleAfterMs)) out.push(r.reportId);
  }
  return out;
}

/** Reports that were seen but not started: being fetched now, or failed with a reason (listed for people). */
export async function pendingReports(state: StateStore): Promise<SeenReport[]> {
  const out: SeenReport[] = [];
  for await (const s of state.query(SETTLEMENT_REPORTS_TABLE, { partitionKey: REPORT_PK })) {
    const r = seenReportFrom(s.entity);
    if (!r.startedAt && (r.claim || r.lastError)) out.push(r);
  }
  return out.sort((a, b) => a.seenAt.localeCompare(b.seenAt));
}

export function instanceIdFor(settlementId: string): string {
  return `settlement-${safeKey(settlementId)}`;
}

/** The public view of a record (GET /api/settlements/{id}). */
export function publicRecord(r: SettlementRecord): Record<string, unknown> {
  const { journalBlob: _j, postingBlob: _p, metrics: _m, blobName: _b, ...rest } = r;
  return rest;
}
