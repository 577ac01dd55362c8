/**
 * Use cases that start a settlement import: `importSettlement` (an uploaded file, a report id or a known
 * settlement id), `startReportImportOnce` (a report the poller listed or a notification announced) and the
 * poller `pollSettlementReports`. One orchestration instance per settlement id (orchestration.ts); starting
 * twice is harmless (a running instance is left alone, a posted settlement is not imported again).
 */
import { ConflictError, NotFoundError } from "../../platform/errors";
import { getWatermark, setWatermark, startRun } from "../../platform/run-records";
import {
  fetchSettlementReport,
  refreshPostedStatus,
  registerSettlementRun,
  storeSettlementFile,
  type StoredSettlementFile,
} from "./import-steps";
import { type SettlementOrchestrationInput, settlementOrchestration } from "./orchestration";
import type { SettlementDeps } from "./ports";
import {
  claimReport,
  getSettlementRecord,
  heartbeatReport,
  holdsReportClaim,
  instanceIdFor,
  isBooked,
  listSettlementRecords,
  recordReportFailure,
  recordReportStarted,
  type SettlementRecord,
  unstartedReports,
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
  /** False when the settlement's journal is created (or posted) already or its import is still running. */
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
  if (existing && isBooked(existing.status)) return { settlementId: file.settlementId, instanceId, started: false, record: existing };
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

/**
 * POST /api/settlements/import: keeps the file and starts (or finds) the settlement's orchestration. An uploaded
 * file is read whole first and refused at once when a row cannot be read or it does not add up (400 naming the
 * line). A file that differs from the one a settlement was imported from replaces it only with `replace` (409
 * otherwise), and never once the settlement's journal is created.
 */
export async function importSettlement(
  request: ImportRequest,
  starter: OrchestrationStarter,
  deps: SettlementDeps,
  options: StartOptions,
  upload: { replace?: boolean } = {},
): Promise<StartOutcome> {
  let file: StoredSettlementFile;
  if (request.kind === "file") {
    file = await storeSettlementFile(request.content, deps, undefined, { validate: true });
    await assertMayReplace(file, starter, deps, upload.replace ?? false);
  } else if (request.kind === "report") file = await fetchSettlementReport(request.reportId, deps);
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

/** An upload that differs from the settlement's stored file (another SHA-256) needs `replace`, and a booked one refuses it. */
async function assertMayReplace(file: StoredSettlementFile, starter: OrchestrationStarter, deps: SettlementDeps, replace: boolean) {
  const record = await getSettlementRecord(deps.state, file.settlementId);
  if (!record?.sha256 || record.sha256 === file.sha256) return;
  if (isBooked(record.status)) {
    throw new ConflictError(
      "settlement.file-differs",
      `settlement ${file.settlementId} was imported from another file and its journal ${record.journalBatchNumber ?? ""} is ${record.status} in D365: ` +
        "a different file cannot replace it. If Amazon corrected the settlement, book the difference in D365 by hand.",
    );
  }
  if (!replace) {
    throw new ConflictError(
      "settlement.file-differs",
      `settlement ${file.settlementId} was imported from another file (${record.status}, last changed ${record.updatedAt}); ` +
        "send this one with ?replace=true to import it instead (the app then corrects the journal on hold in D365 to match it)",
    );
  }
  const running = await starter.runtimeStatus(instanceIdFor(file.settlementId));
  if (running && ACTIVE.has(running)) {
    throw new ConflictError(
      "settlement.running",
      `settlement ${file.settlementId} is being imported (${record.status}): wait until it stops, then replace its file`,
    );
  }
}

/** How often an attempt that downloads and starts a report says it is alive (on the report's row). */
export const REPORT_HEARTBEAT_MS = 20_000;
/**
 * A claim whose holder has not beaten for this long belongs to an attempt that died (a crash between claiming
 * and starting): the next poll takes it over. A straggler that still resumes sees that it lost its claim and
 * stops (and the instance id, derived from the settlement id, plus the journal lookup keep even a double start
 * to one journal).
 */
export const REPORT_CLAIM_STALE_MS = 2 * 60_000;

/**
 * Starts the import of one settlement report once per report id (the poller, the REPORT_PROCESSING_FINISHED
 * notification and POST /api/settlements/import {reportId} all come here): undefined when the report id was seen
 * before (started, or claimed by an attempt that is alive). The report's row records the start (settlement id,
 * instance id). While downloading (with retries) and starting, the attempt beats on the row; a claim that stops
 * beating is taken over by the next poll. A report whose download or start fails keeps its row with the reason
 * (listed by GET /api/settlements and /api/status), the error is rethrown, and the next poll tries it again.
 */
export async function startReportImportOnce(
  reportId: string,
  starter: OrchestrationStarter,
  deps: SettlementDeps,
  options: StartOptions,
  at: Date = deps.clock.now(),
): Promise<StartOutcome | undefined> {
  const claim = await claimReport(deps.state, reportId, at, REPORT_CLAIM_STALE_MS);
  if (!claim) return undefined;
  const beat = setInterval(() => {
    heartbeatReport(deps.state, reportId, claim, deps.clock.now()).catch(() => undefined);
  }, REPORT_HEARTBEAT_MS);
  beat.unref?.();
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
    await recordReportFailure(deps.state, reportId, claim, (err as Error).message, deps.clock.now()).catch(() => undefined);
    deps.log.event("settlement.reportFailed", { reportId, error: (err as Error).message });
    throw err;
  } finally {
    clearInterval(beat);
  }
  const kind = outcome.started ? "started" : outcome.record && isBooked(outcome.record.status) ? "posted" : "running";
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
 * each report id it has not seen. Each run also tries again the reports whose last attempt failed (with the
 * reason on their row) and those whose claim stopped beating (a crash between claiming and starting), listed or
 * not. Finally it reads IsPosted back for created journals, so finance sees which ones D365 has posted.
 */
export async function pollSettlementReports(
  starter: OrchestrationStarter,
  deps: SettlementDeps,
  options: StartOptions,
): Promise<{ listed: number; started: string[]; resumed: string[]; failed: { reportId: string; error: string }[]; posted: string[] }> {
  if (!deps.reports) throw new Error("no SP-API reports adapter configured");
  const reportsPort = deps.reports;
  // A run record beside the watermark, so the status page and the dashboard show the poll's last run and failures.
  const run = await startRun(deps.state, { flow: POLL_FLOW }, deps.clock);
  try {
    const result = await pollOnce(reportsPort, starter, deps, options);
    await run.finish({
      outcome: result.failed.length ? "partial" : "succeeded",
      counts: {
        listed: result.listed,
        started: result.started.length,
        resumed: result.resumed.length,
        failed: result.failed.length,
        posted: result.posted.length,
      },
      ...(result.failed.length ? { error: `${result.failed[0]!.reportId}: ${result.failed[0]!.error}` } : {}),
    });
    return result;
  } catch (err) {
    await run.finish({ outcome: "failed", error: err });
    throw err;
  }
}

async function pollOnce(
  reportsPort: NonNullable<SettlementDeps["reports"]>,
  starter: OrchestrationStarter,
  deps: SettlementDeps,
  options: StartOptions,
): Promise<{ listed: number; started: string[]; resumed: string[]; failed: { reportId: string; error: string }[]; posted: string[] }> {
  const now = deps.clock.now();
  const watermark = await getWatermark(deps.state, POLL_FLOW);
  const since = watermark ? new Date(watermark.getTime() - 24 * 3600_000) : new Date(now.getTime() - 89 * 24 * 3600_000);
  const reports = await reportsPort.listSettlementReports(since);
  const retry = await unstartedReports(deps.state, now, REPORT_CLAIM_STALE_MS);
  const ids = [...new Set([...reports.map((r) => r.reportId), ...retry])];
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
  if (retry.length) deps.log.event("settlement.reportsResumed", { reportIds: retry });
  // A failed report keeps its row with the reason and is tried again by the next poll, so the window moves on.
  await setWatermark(deps.state, POLL_FLOW, undefined, now, deps.clock);
  let posted: string[] = [];
  try {
    posted = await refreshPostedStatus(deps, await listSettlementRecords(deps.state));
  } catch (err) {
    deps.log.event("settlement.postedCheckFailed", { error: (err as Error).message });
  }
  return { listed: reports.length, started, resumed: retry, failed, posted };
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
