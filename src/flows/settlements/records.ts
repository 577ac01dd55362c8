/**
 * Settlement run records in the StateStore (table "settlements", one row per settlement id): what
 * GET /api/settlements shows, what the orchestration resumes from, and the history anomalies are judged
 * against. Report ids seen by the poller are kept in "settlementreports" so each report starts one import.
 */
import { ConflictError } from "../../platform/errors";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
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

/** Marks a report id as seen; false when it was seen before (the poller starts each report once). */
export async function markReportSeen(state: StateStore, reportId: string, at: Date): Promise<boolean> {
  try {
    await state.insert(SETTLEMENT_REPORTS_TABLE, { partitionKey: "report", rowKey: safeKey(reportId), seenAt: at.toISOString() });
    return true;
  } catch (err) {
    if (err instanceof ConflictError) return false;
    throw err;
  }
}

export async function forgetReport(state: StateStore, reportId: string): Promise<void> {
  await state.delete(SETTLEMENT_REPORTS_TABLE, "report", safeKey(reportId));
}

export function instanceIdFor(settlementId: string): string {
  return `settlement-${safeKey(settlementId)}`;
}

/** The public view of a record (GET /api/settlements/{id}). */
export function publicRecord(r: SettlementRecord): Record<string, unknown> {
  const { journalBlob: _j, metrics: _m, blobName: _b, ...rest } = r;
  return rest;
}
