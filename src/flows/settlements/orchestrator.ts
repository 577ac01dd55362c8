/**
 * The durable orchestration of one settlement (instance id `settlement-<id>`, so starting twice is
 * harmless). Deterministic: no clock, no I/O, no settings here; all of that happens in the activities
 * (import-settlement.ts), whose results the Durable runtime replays.
 *
 *   analyze -> [needs-mapping | failed: stop] -> [wait for "approval"] -> ensure journal header
 *   -> create lines in chunks (each skips lines D365 has already), or one DMF package for a large journal
 *   -> read back and verify
 */
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import type { AnalyzeStepResult } from "./import-settlement";
import type { SettlementRecord } from "./records";

export const SETTLEMENT_ORCHESTRATOR = "settlementOrchestrator";
export const ACTIVITY = {
  analyze: "settlementAnalyze",
  record: "settlementRecordStatus",
  ensureJournal: "settlementEnsureJournal",
  createLines: "settlementCreateLines",
  verify: "settlementVerify",
  dmfImport: "settlementDmfImport",
} as const;
export const APPROVAL_EVENT = "approval";

export interface SettlementOrchestrationInput {
  settlementId: string;
  blobName: string;
  sha256: string;
  reportId?: string;
  requireApproval: boolean;
  journalName: string;
  /** Journal lines per createLines activity (each activity sends them in $batch changesets). */
  linesPerActivity: number;
  detailed?: boolean;
}

export interface SettlementOrchestrationOutput {
  settlementId: string;
  status: SettlementRecord["status"];
  journalBatchNumber?: string;
  lineCount: number;
  alreadyPosted?: boolean;
}

export const settlementOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput() as SettlementOrchestrationInput;
  try {
    return yield* importOne(context, input);
  } catch (err) {
    // An activity failed after its retries: the record says so (instead of "running" forever) and a new
    // import of the settlement starts over; what D365 already has is found again, never duplicated.
    const reason = err instanceof Error ? err.message : String(err);
    yield context.df.callActivity(ACTIVITY.record, { settlementId: input.settlementId, status: "failed", reason: reason.slice(0, 500) });
    throw err;
  }
};

function* importOne(
  context: OrchestrationContext,
  input: SettlementOrchestrationInput,
): Generator<df.Task, SettlementOrchestrationOutput, unknown> {
  const retry = new df.RetryOptions(5_000, 4);
  retry.backoffCoefficient = 2;
  const id = input.settlementId;

  context.df.setCustomStatus({ step: "analyze" });
  const analysis = (yield context.df.callActivityWithRetry(ACTIVITY.analyze, retry, {
    settlementId: id,
    blobName: input.blobName,
    sha256: input.sha256,
    reportId: input.reportId,
    detailed: input.detailed,
  })) as AnalyzeStepResult;
  if (analysis.alreadyPosted) {
    return {
      settlementId: id,
      status: "posted",
      journalBatchNumber: analysis.journalBatchNumber,
      lineCount: analysis.lineCount,
      alreadyPosted: true,
    } satisfies SettlementOrchestrationOutput;
  }
  if (!analysis.postable) return { settlementId: id, status: analysis.status, lineCount: 0 } satisfies SettlementOrchestrationOutput;

  if (input.requireApproval) {
    yield context.df.callActivity(ACTIVITY.record, { settlementId: id, status: "awaiting-approval" });
    context.df.setCustomStatus({ step: "awaiting-approval" });
    const approval = (yield context.df.waitForExternalEvent(APPROVAL_EVENT)) as { approvedBy?: string } | null;
    yield context.df.callActivity(ACTIVITY.record, { settlementId: id, status: "running", approvedBy: approval?.approvedBy ?? "unknown" });
  }

  let header: { journalBatchNumber: string };
  if (analysis.dmfFromLines > 0 && analysis.lineCount >= analysis.dmfFromLines) {
    context.df.setCustomStatus({ step: "dmf", lines: analysis.lineCount });
    header = (yield context.df.callActivityWithRetry(ACTIVITY.dmfImport, retry, {
      settlementId: id,
      journalName: input.journalName,
      definitionGroup: analysis.dmfDefinitionGroup,
    })) as { journalBatchNumber: string };
  } else {
    context.df.setCustomStatus({ step: "journal" });
    header = (yield context.df.callActivityWithRetry(ACTIVITY.ensureJournal, retry, {
      settlementId: id,
      journalName: input.journalName,
    })) as { journalBatchNumber: string };
    const size = Math.max(1, input.linesPerActivity);
    for (let from = 0; from < analysis.lineCount; from += size) {
      context.df.setCustomStatus({ step: "lines", from, of: analysis.lineCount });
      yield context.df.callActivityWithRetry(ACTIVITY.createLines, retry, {
        settlementId: id,
        journalBatchNumber: header.journalBatchNumber,
        from,
        to: Math.min(analysis.lineCount, from + size),
      });
    }
  }
  context.df.setCustomStatus({ step: "verify" });
  const record = (yield context.df.callActivityWithRetry(ACTIVITY.verify, retry, {
    settlementId: id,
    journalBatchNumber: header.journalBatchNumber,
  })) as SettlementRecord;
  return {
    settlementId: id,
    status: record.status,
    journalBatchNumber: header.journalBatchNumber,
    lineCount: analysis.lineCount,
  } satisfies SettlementOrchestrationOutput;
}
