/**
 * Use cases that start a settlement import: `importSettlement` (an uploaded file, a report id or a known
 * settlement id), `startReportImportOnce` (a report the poller listed or a notification announced) and the
 * poller `pollSettlementReports`. One orchestration instance per settlement id (orchestration.ts); starting
 * twice is harmless (a running instance is left alone, a posted settlement is not imported again).
 */
import { NotFoundError } from "../../platform/errors";
import { getWatermark, setWatermark } from "../../platform/run-records";
import { fetchSettlementReport, registerSettlementRun, storeSettlementFile, type StoredSettlementFile } from "./import-steps";
import { type SettlementOrchestrationInput, settlementOrchestration } from "./orchestration";
import type { SettlementDeps } from "./ports";
import {
  claimReport,
  forgetReport,
  getSettlementRecord,
  holdsReportClaim,
  instanceIdFor,
  recordReportStarted,
  unstartedReports,
  type SettlementRecord,
} from "./settlement-records";

/** The part of the Durable client the flow needs. */
export interface OrchestrationStarter {
  /** "Running", "Completed", ... or undefined when there is no such instance. */
  runtimeStatus(instanceId: string): Promise<string | undefined>;
  startNew(name: string, instanceId: string, input: unknown): Promise<void>;
  /** Forgets a finished instance so that the same id can run again (a re-import after a mapping fix). */
  purge(instanceId: string): Promise<void>;
  raiseEvent(instanceId: string, eventName: string, data: unknown): Promise<void>;
}

export interface StartOptions {
  requireApproval: boolean;
  journalName: string;
  linesPerActivity?: number;
}

export interface StartOutcome {
  settlementId: string;
  instanceId: string;
  /** False when the settlement is posted already or its import is still running. */
  started: boolean;
  record?: SettlementRecord;
}

const ACTIVE = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);

export async function startSettlementImport(
  file: StoredSettlementFile,
  starter: OrchestrationStarter,
  deps: Pick<SettlementDeps, "state" | "clock" | "log">,
  options: StartOptions,
): Promise<StartOutcome> {
  const instanceId = instanceIdFor(file.settlementId);
  const existing = await getSettlementRecord(deps.state, file.settlementId);
  if (existing?.status === "posted") return { settlementId: file.settlementId, instanceId, started: false, record: existing };
  const status = await starter.runtimeStatus(instanceId);
  if (status && ACTIVE.has(status)) return { settlementId: file.settlementId, instanceId, started: false, record: existing };
  if (status) await starter.purge(instanceId);
  const record = await registerSettlementRun(file, deps);
  const input: SettlementOrchestrationInput = {
    settlementId: file.settlementId,
    blobName: file.blobName,
    sha256: file.sha256,
    reportId: file.reportId,
    requireApproval: options.requireApproval,
    journalName: options.journalName,
    linesPerActivity: options.linesPerActivity ?? 200,
  };
  await starter.startNew(settlementOrchestration.name, instanceId, input);
  deps.log.event("settlement.started", { settlementId: file.settlementId, instanceId, reportId: file.reportId });
  return { settlementId: file.settlementId, instanceId, started: true, record };
}

export type ImportRequest =
  | { kind: "file"; content: Uint8Array }
  | { kind: "report"; reportId: string }
  | { kind: "settlement"; settlementId: string };

/** POST /api/settlements/import: keeps the file and starts (or finds) the settlement's orchestration. */
export async function importSettlement(
  request: ImportRequest,
  starter: OrchestrationStarter,
  deps: SettlementDeps,
  options: StartOptions,
): Promise<StartOutcome> {
  let file: StoredSettlementFile;
  if (request.kind === "file") file = await storeSettlementFile(request.content, deps);
  else if (request.kind === "report") file = await fetchSettlementReport(request.reportId, deps);
  else {
    // Re-import of a known settlement (after a mapping fix): the stored file is used again.
    const record = await getSettlementRecord(deps.state, request.settlementId);
    if (!record?.blobName || !record.sha256) {
      throw new NotFoundError(
        "settlement.not-found",
        `settlement ${request.settlementId} is unknown here; import it by reportId or upload its flat file`,
      );
    }
    file = { settlementId: record.settlementId, blobName: record.blobName, sha256: record.sha256, reportId: record.reportId, bytes: 0 };
  }
  return startSettlementImport(file, starter, deps, options);
}

/**
 * How long a claimed report may go without a recorded start before the poller takes it over: the attempt
 * that claimed it is then taken for dead. Longer than host.json's functionTimeout (30 minutes), after which
 * the host abandons an invocation, so the first attempt cannot still be downloading or starting; a
 * straggler that still resumes sees that it lost its claim and stops (and the instance id, derived from the
 * settlement id, plus the journal lookup by description keep even a double start to one journal).
 */
export const REPORT_START_GRACE_MS = 35 * 60_000;

/**
 * Starts the import of one settlement report once per report id (the poller and the
 * REPORT_PROCESSING_FINISHED notification both come here): undefined when the report id was seen before
 * (started, or claimed by an attempt less than REPORT_START_GRACE_MS ago). The report's row records the
 * start (settlement id, instance id); a claim whose start was not recorded (the process died in between)
 * is taken over here once it is older than the grace period. A report whose download or start fails is
 * forgotten again and the error rethrown, so the next poll (or the notification's redelivery) retries it.
 */
export async function startReportImportOnce(
  reportId: string,
  starter: OrchestrationStarter,
  deps: SettlementDeps,
  options: StartOptions,
  at: Date = deps.clock.now(),
): Promise<StartOutcome | undefined> {
  const claim = await claimReport(deps.state, reportId, at, REPORT_START_GRACE_MS);
  if (!claim) return undefined;
  let outcome: StartOutcome;
  try {
    const file = await fetchSettlementReport(reportId, deps);
    // A stalled attempt whose claim was taken over meanwhile leaves the start to the attempt that took it.
    if (!(await holdsReportClaim(deps.state, reportId, claim))) {
      deps.log.event("settlement.reportClaimLost", { reportId });
      return undefined;
    }
    outcome = await startSettlementImport(file, starter, deps, options);
  } catch (err) {
    await forgetReport(deps.state, reportId, claim);
    throw err;
  }
  const kind = outcome.started ? "started" : outcome.record?.status === "posted" ? "posted" : "running";
  await recordReportStarted(
    deps.state,
    reportId,
    { settlementId: outcome.settlementId, instanceId: outcome.instanceId, outcome: kind },
    deps.clock.now(),
  );
  return outcome;
}

export const POLL_FLOW = "settlements";

/**
 * The poller: lists settlement reports since the last run (Amazon keeps 90 days) and starts an import for
 * each report id it has not seen. A report whose download fails is forgotten so the next poll retries it.
 * Each run also retries the reports that were claimed but whose start was not recorded and whose claim
 * is older than REPORT_START_GRACE_MS (a crash between claiming and starting), listed or not.
 */
export async function pollSettlementReports(
  starter: OrchestrationStarter,
  deps: SettlementDeps,
  options: StartOptions,
): Promise<{ listed: number; started: string[]; resumed: string[]; failed: { reportId: string; error: string }[] }> {
  if (!deps.reports) throw new Error("no SP-API reports adapter configured");
  const now = deps.clock.now();
  const watermark = await getWatermark(deps.state, POLL_FLOW);
  const since = watermark ? new Date(watermark.getTime() - 24 * 3600_000) : new Date(now.getTime() - 89 * 24 * 3600_000);
  const reports = await deps.reports.listSettlementReports(since);
  const stale = await unstartedReports(deps.state, now, REPORT_START_GRACE_MS);
  const ids = [...new Set([...reports.map((r) => r.reportId), ...stale])];
  const started: string[] = [];
  const failed: { reportId: string; error: string }[] = [];
  for (const reportId of ids) {
    try {
      const outcome = await startReportImportOnce(reportId, starter, deps, options, now);
      if (outcome?.started) started.push(outcome.settlementId);
    } catch (err) {
      failed.push({ reportId, error: (err as Error).message });
    }
  }
  if (stale.length) deps.log.event("settlement.reportsResumed", { reportIds: stale });
  if (failed.length === 0) await setWatermark(deps.state, POLL_FLOW, undefined, now, deps.clock);
  return { listed: reports.length, started, resumed: stale, failed };
}

/** The report Amazon schedules for every settlement (it cannot be requested, only listed and downloaded). */
export const SETTLEMENT_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2";

/**
 * For the notification router: a REPORT_PROCESSING_FINISHED that announces a finished settlement report
 * (then `startReportImportOnce(reportId, ...)` imports it; the poller catches any notification that is lost).
 */
export function isFinishedSettlementReport(report: { reportType: string; processingStatus: string }): boolean {
  return report.reportType === SETTLEMENT_REPORT_TYPE && report.processingStatus === "DONE";
}
