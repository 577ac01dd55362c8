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

export const SETTLEMENT_STATUSES = ["pending", "running", "needs-mapping", "awaiting-approval", "posted", "failed"] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

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
  /** Blob with the journal lines to create (JSON), written by the analysis. */
  journalBlob?: string;
  journalDescription?: string;
  lineCount?: number;
  journalBatchNumber?: string;
  linesCreated?: number;
  totalDebit?: string;
  totalCredit?: string;
  anomalies: Anomaly[];
  unmapped: { combination: string; total: string; rowCount: number; suggestedRule?: unknown }[];
  reasons: string[];
  metrics?: MetricsSnapshot;
  approvedBy?: string;
  createdAt: string;
  updatedAt: string;
}

const JSON_FIELDS = ["anomalies", "unmapped", "reasons", "metrics"] as const;

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

/** Metrics of the most recent posted settlements in a currency: the anomaly history. */
export async function settlementHistory(state: StateStore, currency: string, exceptId: string, max = 6): Promise<MetricsSnapshot[]> {
  const all = await listSettlementRecords(state);
  return all
    .filter((r) => r.status === "posted" && r.currency === currency && r.settlementId !== exceptId && r.metrics)
    .slice(0, max)
    .map((r) => r.metrics!);
}

/**
 * One row per settlement report id in "settlementreports": the report was claimed for its import at
 * `seenAt` (by the poller or the REPORT_PROCESSING_FINISHED router), and `startedAt` / `settlementId` /
 * `instanceId` record that its import was started (or found running or posted). A row without `startedAt`
 * is a start in progress, or one that died between claiming and starting: the poller takes such a row
 * over once its claim is older than a grace period (import-settlement.ts), so no report is lost.
 */
export interface SeenReport {
  reportId: string;
  seenAt: string;
  /** Token of the attempt that holds the claim; a later attempt that takes a stale claim over writes its own. */
  claim?: string;
  attempts: number;
  settlementId?: string;
  instanceId?: string;
  startedAt?: string;
  /** What the attempt found: it started the orchestration, or the settlement was running or posted already. */
  outcome?: "started" | "running" | "posted";
}

const REPORT_PK = "report";

function seenReportFrom(e: StateEntity): SeenReport {
  const str = (k: string) => (typeof e[k] === "string" ? (e[k] as string) : undefined);
  return {
    reportId: str("reportId") ?? unsafeKey(e.rowKey),
    seenAt: str("seenAt") ?? new Date(0).toISOString(),
    claim: str("claim"),
    attempts: typeof e.attempts === "number" ? e.attempts : 1,
    settlementId: str("settlementId"),
    instanceId: str("instanceId"),
    startedAt: str("startedAt"),
    outcome: str("outcome") as SeenReport["outcome"],
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

/** True when the row was written by an attempt that died (or stalled) before recording its start. */
function claimExpired(r: SeenReport, at: Date, staleAfterMs: number): boolean {
  // Rows written before starts were recorded have no claim token: their outcome is unknown and they are
  // left alone (retrying them all would restart every finished needs-mapping or failed import).
  return !r.startedAt && r.claim !== undefined && at.getTime() - Date.parse(r.seenAt) >= staleAfterMs;
}

/**
 * Claims a report id for its import and returns the claim token; undefined when the report was seen before
 * and its claim still stands (started, or claimed less than `staleAfterMs` ago). A claim whose start was
 * never recorded and is older than `staleAfterMs` is taken over (etag-guarded: of several pollers, one wins).
 */
export async function claimReport(state: StateStore, reportId: string, at: Date, staleAfterMs: number): Promise<string | undefined> {
  const claim = randomUUID();
  try {
    await state.insert(SETTLEMENT_REPORTS_TABLE, seenReportEntity({ reportId, seenAt: at.toISOString(), claim, attempts: 1 }));
    return claim;
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  const stored = await state.get(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId));
  if (!stored) return undefined; // forgotten meanwhile by a failed attempt: the next poll claims it afresh
  const current = seenReportFrom(stored.entity);
  if (!claimExpired(current, at, staleAfterMs)) return undefined;
  try {
    await state.replace(
      SETTLEMENT_REPORTS_TABLE,
      seenReportEntity({ ...current, seenAt: at.toISOString(), claim, attempts: current.attempts + 1 }),
      stored.etag,
    );
    return claim;
  } catch (err) {
    if ((err as { kind?: string }).kind === "concurrency" || err instanceof ConflictError) return undefined;
    throw err;
  }
}

/** Whether the attempt with this claim token still holds the report's claim (nobody took it over, not started). */
export async function holdsReportClaim(state: StateStore, reportId: string, claim: string): Promise<boolean> {
  const r = await getSeenReport(state, reportId);
  return !!r && r.claim === claim && !r.startedAt;
}

/** Records on the report's row that its import was started (or found running or posted): it is never retried. */
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
    const next = seenReportEntity({ ...current, ...started, startedAt: at.toISOString() });
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
 * Forgets a report id so that the next poll (or the notification's redelivery) claims it again. With a
 * claim token, only while that claim still holds: a stalled attempt never deletes the claim of the attempt
 * that took over, nor a recorded start.
 */
export async function forgetReport(state: StateStore, reportId: string, claim?: string): Promise<void> {
  if (claim === undefined) return state.delete(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId));
  const stored = await state.get(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId));
  if (!stored) return;
  const current = seenReportFrom(stored.entity);
  if (current.claim !== claim || current.startedAt) return;
  try {
    await state.delete(SETTLEMENT_REPORTS_TABLE, REPORT_PK, safeKey(reportId), stored.etag);
  } catch (err) {
    if ((err as { kind?: string }).kind !== "concurrency") throw err;
  }
}

/** Report ids whose claim is older than `staleAfterMs` and whose start was not recorded. */
export async function unstartedReports(state: StateStore, at: Date, staleAfterMs: number): Promise<string[]> {
  const out: string[] = [];
  for await (const s of state.query(SETTLEMENT_REPORTS_TABLE, { partitionKey: REPORT_PK })) {
    const r = seenReportFrom(s.entity);
    if (claimExpired(r, at, staleAfterMs)) out.push(r.reportId);
  }
  return out;
}

export function instanceIdFor(settlementId: string): string {
  return `settlement-${safeKey(settlementId)}`;
}

/** The public view of a record (GET /api/settlements/{id}). */
export function publicRecord(r: SettlementRecord): Record<string, unknown> {
  const { journalBlob: _j, metrics: _m, blobName: _b, ...rest } = r;
  return rest;
}
