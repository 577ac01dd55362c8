/**
 * POST /api/settlements/import {"reportId"} without holding the HTTP call: downloading a report may wait on
 * SP-API quotas longer than Azure's 230-second HTTP limit, so the call answers 202 at once with a Location
 * (GET /api/settlements/reports/{reportId}) and a small orchestration (instance `settlement-report-<id>`) does
 * the download and the start (startReportImportOnce, the same path as the poller's). When the report was
 * started before, the answer points at its settlement at once.
 */
import { activity, call, orchestration } from "../../platform/durable";
import { safeKey } from "../../platform/state-keys";
import { type OrchestrationStarter, type StartOptions, startReportImportOnce } from "./import-settlement";
import type { SettlementDeps } from "./ports";
import { getSeenReport, getSettlementRecord, publicRecord, type SettlementRecord } from "./settlement-records";

export interface ReportImportResult {
  reportId: string;
  /** started: its settlement's import was started (or found running or booked); failed: see error; elsewhere: another attempt holds it. */
  state: "started" | "failed" | "elsewhere";
  settlementId?: string;
  error?: string;
}

export const reportImportActivities = {
  fetch: activity<{ reportId: string }, ReportImportResult>("settlementReportFetch"),
} as const;

export const reportImportOrchestration = orchestration<{ reportId: string }, ReportImportResult>(
  "settlementReportImport",
  function* (context, input) {
    return yield* call(context, reportImportActivities.fetch, input);
  },
);

export function reportInstanceId(reportId: string): string {
  return `settlement-report-${safeKey(reportId)}`;
}

/** The activity: download and start the report once; a failure stays on the report's row for the next poll. */
export async function fetchReportStep(
  reportId: string,
  starter: OrchestrationStarter,
  deps: SettlementDeps,
  options: StartOptions,
): Promise<ReportImportResult> {
  try {
    const outcome = await startReportImportOnce(reportId, starter, deps, options);
    if (outcome) return { reportId, state: "started", settlementId: outcome.settlementId };
    const row = await getSeenReport(deps.state, reportId);
    return row?.settlementId
      ? { reportId, state: "started", settlementId: row.settlementId }
      : { reportId, state: "elsewhere", error: row?.lastError };
  } catch (err) {
    return { reportId, state: "failed", error: (err as Error).message };
  }
}

const ACTIVE = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

/** Where POST /api/settlements/import {reportId} points: the settlement when known, else the report's status. */
export type ReportImportRequest = { settlementId: string; record?: SettlementRecord } | { reportId: string; fetching: true };

export async function requestReportImport(
  reportId: string,
  starter: OrchestrationStarter,
  deps: Pick<SettlementDeps, "state" | "log">,
): Promise<ReportImportRequest> {
  const row = await getSeenReport(deps.state, reportId);
  if (row?.startedAt && row.settlementId) {
    return { settlementId: row.settlementId, record: await getSettlementRecord(deps.state, row.settlementId) };
  }
  const instanceId = reportInstanceId(reportId);
  const status = await starter.runtimeStatus(instanceId);
  if (!status || !ACTIVE.has(status)) {
    if (status) await starter.purge(instanceId);
    await starter.startNew(reportImportOrchestration.name, instanceId, { reportId });
    deps.log.event("settlement.reportRequested", { reportId, instanceId });
  }
  return { reportId, fetching: true };
}

/** GET /api/settlements/reports/{reportId}: 202 while it is fetched or its settlement imports, 200 once it stops. */
export async function reportImportStatus(
  reportId: string,
  starter: OrchestrationStarter,
  deps: Pick<SettlementDeps, "state">,
): Promise<{ status: 200 | 202 | 404; body: Record<string, unknown> }> {
  const row = await getSeenReport(deps.state, reportId);
  if (row?.startedAt && row.settlementId) {
    const record = await getSettlementRecord(deps.state, row.settlementId);
    const running = !record || record.status === "pending" || record.status === "running";
    return {
      status: running ? 202 : 200,
      body: {
        reportId,
        settlementId: row.settlementId,
        status: record?.status ?? "pending",
        ...(record ? { settlement: publicRecord(record) } : {}),
      },
    };
  }
  const runtime = await starter.runtimeStatus(reportInstanceId(reportId));
  if (row?.claim || (runtime && ACTIVE.has(runtime))) return { status: 202, body: { reportId, status: "fetching" } };
  if (row?.lastError) {
    return {
      status: 200,
      body: {
        reportId,
        status: "failed",
        error: row.lastError,
        failedAt: row.failedAt,
        attempts: row.attempts,
        retry: 'the next settlement poll tries it again; or POST /api/settlements/import {"reportId"} again',
      },
    };
  }
  return { status: 404, body: { reportId, message: `report ${reportId} has not been requested` } };
}
